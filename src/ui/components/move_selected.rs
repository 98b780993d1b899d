//! "Move selected": the selected files and folders (everything under them) into another folder,
//! one rename (copy, then delete) per object, so a failure leaves that object where it was.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::error::AppError;
use crate::storage::rename::move_targets;
use crate::storage::{Storage, StorageError, keys};
use crate::text;
use crate::ui::toast::use_toaster;

/// How many of the objects that were not moved the report names.
const REPORT_LINES: usize = 5;

/// The toolbar button; asks for the destination folder, moves, and reports.
#[component]
pub fn MoveSelected(
    /// Where the objects are.
    storage: Storage,
    /// The selected rows' keys (a folder's ends with `/`).
    chosen: RwSignal<HashSet<String>>,
    /// Called after the move (the listing changed).
    on_moved: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let progress = RwSignal::new(None::<(usize, usize)>);
    let storage = StoredValue::new(storage);
    let run = Action::new_local(move |destination: &String| {
        let destination = destination.clone();
        let mut selected: Vec<String> = chosen.with_untracked(|c| c.iter().cloned().collect());
        selected.sort();
        // Taken now: the toolbar (and this button) goes away if the selection is cleared
        // meanwhile, and the move goes on.
        let storage = storage.get_value();
        async move {
            let shown = keys::display_name(storage.home(), &destination).to_owned();
            let shown = if destination == storage.home() {
                text::HOME.to_owned()
            } else {
                shown
            };
            let (folders, files): (Vec<String>, Vec<String>) =
                selected.into_iter().partition(|k| k.ends_with('/'));
            let mut under = Vec::new();
            for folder in folders {
                match storage.keys_under(&folder, |_| {}).await {
                    Ok(found) => under.push((folder, found)),
                    Err(e) => return toaster.error(&AppError::from(e)),
                }
            }
            let moves = match move_targets(&files, &under, &destination) {
                Ok(m) => m,
                Err(e) => return toaster.error(&AppError::from(StorageError::from(e))),
            };
            let total = moves.len();
            let mut failed: Vec<String> = Vec::new();
            for (i, (from, to)) in moves.iter().enumerate() {
                progress.set(Some((i, total)));
                if let Err(e) = storage.rename(from, to).await {
                    let why = AppError::from(e).explain().title;
                    failed.push(format!(
                        "{}: {why}",
                        keys::display_name(storage.home(), from)
                    ));
                }
            }
            progress.set(None);
            if failed.is_empty() {
                toaster.success(text::moved(total, &shown));
            } else {
                let mut body: Vec<String> = failed.iter().take(REPORT_LINES).cloned().collect();
                if failed.len() > REPORT_LINES {
                    body.push(text::and_more(failed.len() - REPORT_LINES));
                }
                toaster.failure(text::not_moved(failed.len(), total), body.join("\n"));
            }
            on_moved.try_run(());
        }
    });
    let ask = move |_| {
        let home = storage.with_value(|s| s.home().to_owned());
        let answer = window()
            .prompt_with_message(text::MOVE_PROMPT)
            .ok()
            .flatten();
        let Some(answer) = answer else { return };
        let path = answer.trim().trim_matches('/');
        let destination = if path.is_empty() {
            home
        } else {
            format!("{home}{path}/")
        };
        match keys::check_addressable(&destination) {
            Ok(()) => {
                run.dispatch_local(destination);
            }
            Err(e) => toaster.error(&AppError::from(StorageError::from(e))),
        }
    };
    view! {
        <button class="button" disabled=move || run.pending().get() on:click=ask>
            {move || match progress.get() {
                Some((done, total)) => text::moving(done, total),
                None => text::move_selected(chosen.with(HashSet::len)),
            }}
        </button>
    }
}
