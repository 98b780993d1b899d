use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ErrorNotice;
use super::modal::{on_dialog_keydown, use_modal};
use crate::error::AppError;
use crate::listing::Entry;
use crate::storage::Storage;
use crate::storage::delete::DeleteReport;
use crate::text;

/// How many of the keys that were not deleted the report lists by name.
const REPORT_LINES: usize = 50;

#[derive(Debug, Clone)]
enum Stage {
    /// Listing what is inside the selected folders.
    Counting(usize),
    Confirm(Vec<String>),
    Deleting {
        done: usize,
        total: usize,
    },
    Done(DeleteReport),
    Failed(AppError),
}

/// Deleting the selected files and folders: first every object they hold is counted (a
/// folder's whole subtree), then the user confirms with that number in front of them, then
/// DeleteObjects in batches of 1,000, and a report of what was and was not deleted.
#[component]
pub fn DeleteDialog(
    /// Where the objects are.
    storage: Storage,
    /// The selected rows.
    targets: Vec<Entry>,
    /// Called when the dialog closes: `true` when something was deleted.
    on_close: Callback<bool>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Counting(0));
    let storage = StoredValue::new(storage);
    let files = targets.iter().filter(|t| !t.is_folder()).count();
    let folders = targets.len() - files;
    // The first task: expand folders into their keys.
    spawn_local(async move {
        let mut keys: Vec<String> = Vec::new();
        let storage = storage.get_value();
        for target in &targets {
            match target {
                Entry::Object(o) => keys.push(o.key.clone()),
                Entry::Folder(prefix) => {
                    let before = keys.len();
                    match storage
                        .keys_under(prefix, |n| stage.set(Stage::Counting(before + n)))
                        .await
                    {
                        Ok(found) => keys.extend(found),
                        Err(e) => {
                            stage.set(Stage::Failed(AppError::from(e)));
                            return;
                        }
                    }
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        stage.set(Stage::Confirm(keys));
    });
    let confirm = move |keys: Vec<String>| {
        let total = keys.len();
        stage.set(Stage::Deleting { done: 0, total });
        spawn_local(async move {
            let report = storage
                .get_value()
                .delete_keys(&keys, |r| {
                    stage.set(Stage::Deleting {
                        done: r.requested,
                        total,
                    });
                })
                .await;
            stage.set(Stage::Done(report));
        });
    };
    let heading = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    // A modal <dialog> (`super::modal`): Escape cancels (below).
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    use_modal(dialog, None);
    let cancel = move |ev: leptos::ev::Event| {
        // The dialog closes through `on_close` (which removes it), never by itself; while
        // deleting, it stays.
        ev.prevent_default();
        match stage.get_untracked() {
            Stage::Deleting { .. } => {}
            Stage::Done(report) => on_close.run(report.deleted > 0),
            _ => on_close.run(false),
        }
    };
    let content = move || match stage.get() {
        Stage::Counting(n) => view! { <p role="status">{text::counting(n)}</p> }.into_any(),
        Stage::Confirm(keys) if keys.is_empty() => view! {
            <p>{text::NOTHING_TO_DELETE}</p>
            <div class="dialog-actions">
                <button class="button" on:click=move |_| on_close.run(false)>{text::CLOSE}</button>
            </div>
        }
        .into_any(),
        Stage::Confirm(keys) => {
            let n = keys.len();
            view! {
                <h3 tabindex="-1" node_ref=heading>{text::confirm_delete_title(n)}</h3>
                <p>{text::confirm_delete_body(files, folders)}</p>
                <div class="dialog-actions">
                    <button
                        class="button button-danger"
                        data-testid="confirm-delete"
                        on:click=move |_| confirm(keys.clone())
                    >
                        {text::confirm_delete_button(n)}
                    </button>
                    <button class="button" on:click=move |_| on_close.run(false)>{text::CANCEL}</button>
                </div>
            }
            .into_any()
        }
        Stage::Deleting { done, total } => {
            view! { <p role="status">{text::deleting(done, total)}</p> }.into_any()
        }
        Stage::Done(report) => {
            let changed = report.deleted > 0;
            let more = report.not_deleted.len().saturating_sub(REPORT_LINES);
            let lines = report
                .not_deleted
                .iter()
                .take(REPORT_LINES)
                .map(|f| view! { <li><code>{f.key.clone()}</code>" — "{f.reason.clone()}</li> })
                .collect_view();
            view! {
                <p role="status" data-testid="delete-report">
                    {text::deleted(report.deleted, report.requested)}
                </p>
                {(!report.all_deleted()).then(|| view! {
                    <ul class="delete-failures">
                        {lines}
                        {(more > 0).then(|| view! { <li>{text::and_more(more)}</li> })}
                    </ul>
                })}
                <div class="dialog-actions">
                    <button class="button" on:click=move |_| on_close.run(changed)>{text::CLOSE}</button>
                </div>
            }
            .into_any()
        }
        Stage::Failed(error) => view! {
            <ErrorNotice error/>
            <div class="dialog-actions">
                <button class="button" on:click=move |_| on_close.run(false)>{text::CLOSE}</button>
            </div>
        }
        .into_any(),
    };
    view! {
        <dialog
            class="delete-dialog"
            role="alertdialog"
            aria-modal="true"
            aria-label=text::DELETE_DIALOG
            node_ref=dialog
            on:cancel=cancel
            on:keydown=move |ev| on_dialog_keydown(dialog, &ev)
        >
            {content}
        </dialog>
    }
}
