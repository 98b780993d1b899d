//! Files the user offers: from the picker (one or many files, or a whole folder) and from a
//! drop (files and folders, walked recursively). Each comes with its path relative to what was
//! chosen, which becomes the rest of its key (`photos/2024/a.jpg`).

use js_sys::Function;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemDirectoryReader,
    FileSystemEntry, FileSystemFileEntry,
};

use crate::storage::upload::record::Fingerprint;

/// A file and the path under which it was offered (`name` for a single file).
#[derive(Debug, Clone)]
pub struct Offered {
    pub file: File,
    pub path: String,
}

/// Size in bytes (a whole number; `File.size` is a double).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn size(file: &File) -> u64 {
    file.size() as u64
}

/// Name, size and last-modified time: how a file is recognised when offered again.
#[allow(clippy::cast_possible_truncation)]
pub fn fingerprint(file: &File) -> Fingerprint {
    Fingerprint {
        name: file.name(),
        size: size(file),
        last_modified_ms: file.last_modified() as i64,
    }
}

/// What an `<input type=file>` holds: with `webkitdirectory`, each file's
/// `webkitRelativePath` (`folder/sub/a.txt`), else its name.
pub fn from_list(list: &FileList) -> Vec<Offered> {
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .filter(|p| !p.is_empty());
            let path = relative.unwrap_or_else(|| file.name());
            Offered { file, path }
        })
        .collect()
}

/// The entries of a drop. Must be called during the drop event: the browser empties the
/// `DataTransfer` afterwards. Folders are walked later by [`walk`].
pub fn dropped_entries(data: &DataTransfer) -> (Vec<FileSystemEntry>, Vec<File>) {
    let items = data.items();
    let mut entries = Vec::new();
    let mut plain = Vec::new();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if item.kind() != "file" {
            continue;
        }
        match item.webkit_get_as_entry() {
            Ok(Some(entry)) => entries.push(entry),
            // No entry API (or a synthetic drop): the file itself, without a folder.
            _ => plain.extend(item.get_as_file().ok().flatten()),
        }
    }
    (entries, plain)
}

/// Every file under the dropped entries, with paths relative to the drop (`folder/a.txt`).
pub async fn walk(entries: Vec<FileSystemEntry>) -> Result<Vec<Offered>, String> {
    let mut out = Vec::new();
    let mut stack = entries;
    while let Some(entry) = stack.pop() {
        if entry.is_directory() {
            let dir: FileSystemDirectoryEntry = entry.unchecked_into();
            stack.extend(read_directory(&dir.create_reader()).await?);
        } else if entry.is_file() {
            let path = entry.full_path().trim_start_matches('/').to_owned();
            let file_entry: FileSystemFileEntry = entry.unchecked_into();
            out.push(Offered {
                file: file_of(&file_entry).await?,
                path,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// All entries of a directory: `readEntries` gives them in batches until an empty one.
async fn read_directory(
    reader: &FileSystemDirectoryReader,
) -> Result<Vec<FileSystemEntry>, String> {
    let mut all = Vec::new();
    loop {
        let batch = callback_promise(|ok, fail| {
            reader
                .read_entries_with_callback_and_callback(ok, fail)
                .map_err(|e| format!("{e:?}"))
        })
        .await?;
        let batch: js_sys::Array = batch.unchecked_into();
        if batch.length() == 0 {
            return Ok(all);
        }
        all.extend(batch.iter().map(JsCast::unchecked_into::<FileSystemEntry>));
    }
}

async fn file_of(entry: &FileSystemFileEntry) -> Result<File, String> {
    let file = callback_promise(|ok, fail| {
        entry.file_with_callback_and_callback(ok, fail);
        Ok(())
    })
    .await?;
    file.dyn_into::<File>()
        .map_err(|_| "the browser gave no file for a dropped entry".into())
}

/// Turns a success/error callback pair into a future.
async fn callback_promise(
    start: impl FnOnce(&Function, &Function) -> Result<(), String>,
) -> Result<JsValue, String> {
    let mut start = Some(start);
    let mut started = Ok(());
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        if let Some(start) = start.take() {
            started = start(&resolve, &reject);
        }
    });
    started?;
    JsFuture::from(promise)
        .await
        .map_err(|e| format!("the browser could not read a dropped folder: {e:?}"))
}
