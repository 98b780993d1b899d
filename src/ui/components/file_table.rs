use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos_router::components::A;

use super::{ErrorNotice, SetupDoctor};
use crate::error::AppError;
use crate::format;
use crate::platform::browser;
use crate::routes::files_href;
use crate::storage::StorageError;
use crate::storage::{Listing, keys};
use crate::ui::session::Account;

/// Set once the first listing has been painted (the benchmark reads the mark).
static FIRST_LISTING_MARKED: AtomicBool = AtomicBool::new(false);

/// The folder's contents: sub-folders, then files, a page (1,000 entries) at a time with
/// "Load more" for the next.
#[component]
pub fn FileTable(
    /// The signed-in account.
    account: Arc<Account>,
    /// The listed prefix.
    folder: Memo<String>,
    /// Bumped to list again (after an upload or a delete).
    refresh: RwSignal<u32>,
    /// The key whose details are open, highlighted in the list.
    selected: Memo<Option<String>>,
) -> impl IntoView {
    let home = account.storage.home().to_owned();
    let storage = account.storage.clone();
    let first_page = LocalResource::new(move || {
        let storage = storage.clone();
        let prefix = folder.get();
        refresh.track();
        async move { storage.list(&prefix, None).await.map_err(AppError::from) }
    });
    // Pages after the first; reset whenever the first page is fetched again.
    let more = RwSignal::new(Vec::<Listing>::new());
    Effect::new(move |_| {
        first_page.track();
        more.set(Vec::new());
    });
    let storage = account.storage.clone();
    let load_more = Action::new_local(move |token: &String| {
        let storage = storage.clone();
        let token = token.clone();
        let prefix = folder.get_untracked();
        async move {
            match storage.list(&prefix, Some(token)).await {
                Ok(page) => {
                    more.update(|m| m.push(page));
                    Ok(())
                }
                Err(e) => Err(AppError::from(e)),
            }
        }
    });

    let table = move || {
        let first = first_page.get()?;
        let first = match first {
            Ok(listing) => listing,
            Err(error) => {
                // The user's own folder failing to list is a setup problem (or a passing one):
                // run the setup doctor right away instead of leaving an empty page.
                let doctor = (folder.get_untracked() == home && is_setup_problem(&error))
                    .then(|| view! { <SetupDoctor account=Some(account.clone())/> });
                return Some(view! { <ErrorNotice error/> {doctor} }.into_any());
            }
        };
        let pages: Vec<Listing> = std::iter::once(first).chain(more.get()).collect();
        let next = pages.last().and_then(|p| p.next_page.clone());
        let prefix = folder.get();
        let folders: Vec<String> = pages.iter().flat_map(|p| p.folders.clone()).collect();
        let objects: Vec<_> = pages.iter().flat_map(|p| p.objects.clone()).collect();
        let count = folders.len() + objects.len();
        if !FIRST_LISTING_MARKED.swap(true, Ordering::Relaxed) {
            request_animation_frame(|| browser::mark("pail:first-listing"));
        }
        if count == 0 {
            return Some(view! {
                <p class="empty">"No files here yet — drop files above or choose them to upload."</p>
            }.into_any());
        }
        let folder_rows = folders
            .into_iter()
            .map(|f| {
                let name = keys::display_name(&prefix, &f)
                    .trim_end_matches('/')
                    .to_owned();
                view! {
                    <tr class="row-folder">
                        <td><A href=files_href(Some(&f), None)>
                            <span class="icon icon-folder" aria-hidden="true"></span>{name}
                        </A></td>
                        <td class="num muted">"—"</td>
                        <td class="muted">"Folder"</td>
                    </tr>
                }
            })
            .collect_view();
        let object_rows = objects
            .into_iter()
            .map(|o| {
                let name = keys::display_name(&prefix, &o.key).to_owned();
                let is_selected = {
                    let key = o.key.clone();
                    move || selected.get().as_deref() == Some(key.as_str())
                };
                let href = files_href(Some(&prefix), Some(&o.key));
                view! {
                    <tr class:row-selected=is_selected>
                        <td><A href=href attr:data-key=o.key.clone()>
                            <span class="icon icon-file" aria-hidden="true"></span>{name}
                        </A></td>
                        <td class="num">{format::bytes(o.size)}</td>
                        <td>{o.last_modified_ms.map(browser::local_datetime)}</td>
                    </tr>
                }
            })
            .collect_view();
        let summary = if next.is_some() {
            format!("{count} items shown; more in this folder")
        } else if count == 1 {
            "1 item".to_owned()
        } else {
            format!("{count} items")
        };
        Some(view! {
            <table class="file-table">
                <caption class="visually-hidden">"Files in this folder"</caption>
                <thead>
                    <tr><th scope="col">"Name"</th><th scope="col" class="num">"Size"</th>
                        <th scope="col">"Last modified"</th></tr>
                </thead>
                <tbody>{folder_rows}{object_rows}</tbody>
            </table>
            <div class="table-footer">
                <span class="muted small" data-testid="item-count">{summary}</span>
                {next.map(|token| view! {
                    <button
                        class="button"
                        disabled=move || load_more.pending().get()
                        on:click=move |_| { load_more.dispatch_local(token.clone()); }
                    >
                        {move || if load_more.pending().get() { "Loading more…" } else { "Load more" }}
                    </button>
                })}
            </div>
            {move || load_more.value().get().and_then(Result::err).map(|error| view! {
                <ErrorNotice error/>
            })}
        }.into_any())
    };

    view! {
        <div class="listing">
            <div class="listing-toolbar">
                <h2 class="visually-hidden">"Files"</h2>
                <button class="button" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>{table}</Transition>
        </div>
    }
}

/// Whether a failed listing of the user's own folder points at the setup: everything but
/// passing trouble (an expired session, a wrong clock).
fn is_setup_problem(error: &AppError) -> bool {
    matches!(error, AppError::Storage(StorageError::AccessDenied { .. }))
        || error.explain().check_setup
}
