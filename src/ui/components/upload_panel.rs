use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, FileList, HtmlInputElement};

use super::ErrorNotice;
use crate::error::AppError;
use crate::format;
use crate::platform::browser;
use crate::storage::{NewObject, StorageError, keys};
use crate::ui::session::Account;
use crate::ui::toast::use_toaster;

/// Files above this size are refused by the single-request upload: the whole file passes
/// through memory once. Multipart upload (a part at a time) lifts the limit.
const SINGLE_PUT_LIMIT: u64 = 512 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Queued,
    Uploading,
    Done,
    Failed(AppError),
}

#[derive(Debug, Clone)]
struct Item {
    id: u64,
    name: String,
    size: u64,
    status: RwSignal<Status>,
}

/// Choose or drop files, describe them, upload them into the open folder. Each file shows its
/// state; failures say why.
#[component]
pub fn UploadPanel(
    /// The signed-in account.
    account: Arc<Account>,
    /// Where new files go.
    folder: Memo<String>,
    /// Called after each file lands, to list again.
    on_uploaded: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let items = RwSignal::new(Vec::<Item>::new());
    // `File` is a browser object (not `Send`): kept beside the reactive list, by item id.
    let files = StoredValue::new_local(Vec::<(u64, File)>::new());
    let next_id = StoredValue::new(0u64);
    let description = RwSignal::new(String::new());
    let content_type = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    let busy = RwSignal::new(false);

    let stage = move |list: Option<FileList>| {
        let Some(list) = list else { return };
        for i in 0..list.length() {
            let Some(file) = list.get(i) else { continue };
            let id = next_id.get_value();
            next_id.set_value(id + 1);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            // File.size is a whole number of bytes
            let size = file.size() as u64;
            items.update(|v| {
                v.push(Item {
                    id,
                    name: file.name(),
                    size,
                    status: RwSignal::new(Status::Queued),
                })
            });
            files.update_value(|f| f.push((id, file)));
        }
    };

    let upload_all = {
        let account = account.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let account = account.clone();
            let prefix = folder.get_untracked();
            let description = description.get_untracked();
            let content_type = content_type.get_untracked();
            spawn_local(async move {
                let queued: Vec<Item> = items
                    .get_untracked()
                    .into_iter()
                    .filter(|i| {
                        matches!(i.status.get_untracked(), Status::Queued | Status::Failed(_))
                    })
                    .collect();
                for item in queued {
                    let Some(file) = files.with_value(|f| {
                        f.iter()
                            .find(|(id, _)| *id == item.id)
                            .map(|(_, f)| f.clone())
                    }) else {
                        continue;
                    };
                    item.status.set(Status::Uploading);
                    let result =
                        upload_one(&account, &prefix, &file, &description, &content_type).await;
                    match result {
                        Ok(key) => {
                            item.status.set(Status::Done);
                            files.update_value(|f| f.retain(|(id, _)| *id != item.id));
                            toaster.success(format!("Uploaded {}", keys::file_name(&key)));
                            on_uploaded.run(());
                        }
                        Err(e) => {
                            toaster.error(&e);
                            item.status.set(Status::Failed(e));
                        }
                    }
                }
                busy.set(false);
            });
        }
    };

    let clear_done = move |_| {
        items.update(|v| v.retain(|i| i.status.get_untracked() != Status::Done));
    };

    view! {
        <section class="upload" aria-label="Upload">
            <div
                class="dropzone"
                class:dropzone-active=move || dragging.get()
                on:dragover=move |ev: DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    stage(ev.data_transfer().and_then(|dt| dt.files()));
                }
            >
                <input
                    id="file-input"
                    class="visually-hidden"
                    type="file"
                    multiple
                    on:change=move |ev| {
                        let input: Option<HtmlInputElement> =
                            ev.target().and_then(|t| t.dyn_into().ok());
                        if let Some(input) = input {
                            stage(input.files());
                            input.set_value("");
                        }
                    }
                />
                <label for="file-input" class="button">"Choose files"</label>
                <span class="muted">" or drop them here"</span>
            </div>
            <div class="upload-fields">
                <label>
                    "Description"
                    <input
                        id="upload-description"
                        type="text"
                        placeholder="Stored as x-amz-meta-description"
                        prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Content type"
                    <input
                        id="upload-content-type"
                        type="text"
                        placeholder="From the file (e.g. image/png)"
                        prop:value=move || content_type.get()
                        on:input=move |ev| content_type.set(event_target_value(&ev))
                    />
                </label>
            </div>
            <Show when=move || !items.read().is_empty()>
                <ul class="upload-queue" aria-label="Upload queue">
                    <For each=move || items.get() key=|i| i.id let:item>
                        <li class="upload-item">
                            <span class="upload-name">{item.name.clone()}</span>
                            <span class="muted small">{format::bytes(item.size)}</span>
                            <span class="upload-status" data-testid="upload-status">
                                {move || match item.status.get() {
                                    Status::Queued => "Ready".into_any(),
                                    Status::Uploading => view! { <progress aria-label="Uploading"></progress> }.into_any(),
                                    Status::Done => "Uploaded ✓".into_any(),
                                    Status::Failed(_) => "Failed".into_any(),
                                }}
                            </span>
                            {move || match item.status.get() {
                                Status::Failed(error) => Some(view! { <ErrorNotice error/> }),
                                _ => None,
                            }}
                        </li>
                    </For>
                </ul>
                <div class="upload-actions">
                    <button
                        class="button button-primary"
                        disabled=move || busy.get()
                        on:click={
                            let upload_all = upload_all.clone();
                            move |_| upload_all()
                        }
                    >
                        {move || if busy.get() { "Uploading…" } else { "Upload" }}
                    </button>
                    <button class="button" on:click=clear_done>"Clear finished"</button>
                </div>
            </Show>
        </section>
    }
}

async fn upload_one(
    account: &Account,
    prefix: &str,
    file: &File,
    description: &str,
    content_type: &str,
) -> Result<String, AppError> {
    let key = keys::upload_key(prefix, &file.name()).map_err(StorageError::from)?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let size = file.size() as u64;
    if size > SINGLE_PUT_LIMIT {
        return Err(StorageError::Other {
            status: 0,
            code: "FileTooLarge".into(),
            message: format!(
                "{} is {}; uploads in one request are limited to {}",
                file.name(),
                format::bytes(size),
                format::bytes(SINGLE_PUT_LIMIT)
            ),
        }
        .into());
    }
    let body = browser::read_file(file)
        .await
        .map_err(|message| StorageError::Other {
            status: 0,
            code: "FileUnreadable".into(),
            message,
        })?;
    let content_type = Some(content_type.trim().to_owned())
        .filter(|t| !t.is_empty())
        .or_else(|| Some(file.type_()).filter(|t| !t.is_empty()));
    let mut metadata = BTreeMap::new();
    if !description.trim().is_empty() {
        metadata.insert("description".to_owned(), description.trim().to_owned());
    }
    account
        .storage
        .put(NewObject {
            key: key.clone(),
            body,
            content_type,
            metadata,
        })
        .await?;
    Ok(key)
}
