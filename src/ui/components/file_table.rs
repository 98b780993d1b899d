use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use super::{
    DeleteDialog, DownloadSelected, ErrorNotice, MoveSelected, NewFolderForm, SetupDoctor,
};
use crate::error::AppError;
use crate::format;
use crate::listing::{self, Entry, Sort, SortBy};
use crate::platform::browser;
use crate::routes::files_href;
use crate::storage::{Storage, StorageError};
use crate::text;
use crate::ui::session::Account;

/// Set once the first listing has been painted (`scripts/bench` reads the mark).
static FIRST_LISTING_MARKED: AtomicBool = AtomicBool::new(false);

/// Every row is this high (the stylesheet fixes it too: `.file-table tbody tr`), so that the
/// rows on screen follow from the scroll position alone.
const ROW_PX: f64 = 40.0;
/// Rows drawn above and below the viewport.
const OVERSCAN: usize = 10;
/// The next page is requested when the user is this many rows from the end.
const PREFETCH_ROWS: usize = 200;

/// The folder's rows as loaded so far and how loading stands; `Copy`, so event handlers and
/// tasks share it.
#[derive(Clone, Copy)]
struct Loader {
    storage: StoredValue<Storage>,
    folder: Memo<String>,
    entries: RwSignal<Vec<Entry>>,
    next: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    loading_all: RwSignal<bool>,
    error: RwSignal<Option<AppError>>,
    /// Which listing a page belongs to: a page of a folder the user has left is dropped.
    generation: StoredValue<u64>,
    started: RwSignal<bool>,
}

impl Loader {
    /// Forgets what was loaded and asks for the first page of the current folder.
    fn restart(self) {
        self.generation.update_value(|g| *g += 1);
        self.entries.set(Vec::new());
        self.next.set(None);
        self.error.set(None);
        self.busy.set(false);
        self.loading_all.set(false);
        self.started.set(false);
        // `scripts/bench-listing` times each folder from here to its painted rows
        // (`pail:listing-rows`) and to its last page (`pail:listing-complete`).
        browser::mark("pail:listing-start");
        spawn_local(async move {
            self.page(None).await;
        });
    }

    /// Fetches one page; false when there is nothing more to fetch (or it failed, or the user
    /// went elsewhere).
    async fn page(self, token: Option<String>) -> bool {
        let generation = self.generation.get_value();
        let prefix = self.folder.get_untracked();
        self.busy.set(true);
        let storage = self.storage.get_value();
        let result = storage.list(&prefix, token).await;
        if self.generation.get_value() != generation {
            return false;
        }
        self.busy.set(false);
        self.started.set(true);
        match result {
            Ok(mut page) => {
                let next = page.next_page.take();
                let first = self.entries.with_untracked(Vec::is_empty);
                self.entries.update(|e| listing::append(e, page));
                let more = next.is_some();
                self.next.set(next);
                if !FIRST_LISTING_MARKED.swap(true, Ordering::Relaxed) {
                    request_animation_frame(|| browser::mark("pail:first-listing"));
                }
                if first {
                    request_animation_frame(|| browser::mark("pail:listing-rows"));
                }
                if !more {
                    request_animation_frame(|| browser::mark("pail:listing-complete"));
                }
                more
            }
            Err(e) => {
                self.error.set(Some(AppError::from(e)));
                false
            }
        }
    }

    /// The next page, if there is one and none is on its way; during "Load all", the one
    /// after it too, and so on to the end.
    fn more(self) {
        if self.busy.get_untracked() {
            return;
        }
        let Some(token) = self.next.get_untracked() else {
            return;
        };
        let generation = self.generation.get_value();
        spawn_local(async move {
            if self.page(Some(token)).await {
                if self.loading_all.get_untracked() {
                    self.more();
                }
            } else if self.generation.get_value() == generation {
                self.loading_all.set(false);
            }
        });
    }

    /// Every remaining page, one after another. A page already on its way (the user scrolled)
    /// carries on into the next when it arrives.
    fn all(self) {
        if self.next.with_untracked(Option::is_none) {
            return;
        }
        self.loading_all.set(true);
        self.more();
    }
}

/// The folder's contents: sub-folders, then files. Pages of 1,000 are fetched as the user
/// scrolls towards the end; only the rows on screen are in the DOM, so a folder of 100,000
/// objects scrolls as smoothly as one of ten. Sort by a column, filter by name, select rows to
/// delete them, create a folder.
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
    let loader = Loader {
        storage: StoredValue::new(account.storage.clone()),
        folder,
        entries: RwSignal::new(Vec::new()),
        next: RwSignal::new(None),
        busy: RwSignal::new(false),
        loading_all: RwSignal::new(false),
        error: RwSignal::new(None),
        generation: StoredValue::new(0),
        started: RwSignal::new(false),
    };
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new(Sort::default());
    let chosen = RwSignal::new(HashSet::<String>::new());
    let deleting = RwSignal::new(None::<Vec<Entry>>);
    let scroll_px = RwSignal::new(0.0_f64);
    let viewport_px = RwSignal::new(600.0_f64);
    let scroller = NodeRef::<leptos::html::Div>::new();

    // A filter is about the folder it was typed in; the sort order is the user's preference
    // and stays.
    Effect::new(move |_| {
        folder.track();
        filter.set(String::new());
    });
    // A new folder (or a refresh) starts from the top with nothing chosen.
    Effect::new(move |_| {
        folder.track();
        refresh.track();
        chosen.set(HashSet::new());
        scroll_px.set(0.0);
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        loader.restart();
    });

    let rows = Memo::new(move |_| {
        let prefix = folder.get();
        let (f, s) = (filter.get(), sort.get());
        loader.entries.with(|e| listing::arrange(e, &prefix, &f, s))
    });
    let filtering = Memo::new(move |_| !filter.with(|f| f.trim().is_empty()));
    let shown = Memo::new(move |_| {
        let total = rows.with(Vec::len);
        listing::window(scroll_px.get(), viewport_px.get(), ROW_PX, total, OVERSCAN)
    });

    // Pages as the user scrolls: near the end of what is shown, fetch the next.
    Effect::new(move |_| {
        let end = shown.get().end;
        let total = rows.with(Vec::len);
        let has_more = loader.next.with(Option::is_some);
        let busy = loader.busy.get() || loader.loading_all.get();
        if listing::wants_more(end, total, PREFETCH_ROWS, has_more, busy, filtering.get()) {
            loader.more();
        }
    });

    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            scroll_px.set(f64::from(el.scroll_top()));
            viewport_px.set(f64::from(el.client_height()));
        }
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    let visible = move || {
        let range = shown.get();
        let prefix = folder.get();
        rows.with(|rows| {
            loader.entries.with(|entries| {
                rows[range.clone()]
                    .iter()
                    .zip(range.start..)
                    .map(|(&i, position)| (position, entries[i as usize].clone()))
                    .map(|(position, entry)| (position, prefix.clone(), entry))
                    .collect::<Vec<_>>()
            })
        })
    };

    let header = move |by: SortBy, label: &'static str, numeric: bool| {
        let aria = move || {
            let s = sort.get();
            match (s.by == by, s.descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            }
        };
        let arrow = move || match aria() {
            "ascending" => " ▲",
            "descending" => " ▼",
            _ => "",
        };
        view! {
            <th scope="col" class:num=numeric aria-sort=aria>
                <button
                    class="sort-button"
                    title=text::sort_by(label)
                    on:click=move |_| sort.update(|s| *s = s.clicked(by))
                >
                    {label}<span aria-hidden="true">{arrow}</span>
                </button>
            </th>
        }
    };

    let storage_for_form = account.storage.clone();
    let storage_for_dialog = account.storage.clone();
    let storage_for_downloads = account.storage.clone();
    let body = move || {
        if let Some(error) = loader.error.get() {
            // The user's own folder failing to list is a setup problem (or a passing one):
            // run the setup doctor right away instead of leaving an empty page.
            let doctor = (folder.get_untracked() == home
                && loader.entries.with(Vec::is_empty)
                && is_setup_problem(&error))
            .then(|| view! { <SetupDoctor account=Some(account.clone())/> });
            return view! { <ErrorNotice error/> {doctor} }.into_any();
        }
        if !loader.started.get() {
            return view! { <p class="muted">{text::LOADING}</p> }.into_any();
        }
        if loader.entries.with(Vec::is_empty) && loader.next.with(Option::is_none) {
            return view! { <p class="empty">{text::EMPTY_FOLDER}</p> }.into_any();
        }
        ().into_any()
    };

    let has_rows = move || loader.started.get() && !loader.entries.with(Vec::is_empty);
    let total_rows = move || rows.with(Vec::len);
    let top_pad = move || format!("{}px", shown.get().start as f64 * ROW_PX);
    let bottom_pad = move || {
        format!(
            "{}px",
            total_rows().saturating_sub(shown.get().end) as f64 * ROW_PX
        )
    };

    let all_shown_chosen = move || {
        let n = total_rows();
        n > 0
            && chosen.with(|c| c.len()) >= n
            && rows.with(|rows| {
                loader.entries.with(|e| {
                    chosen.with(|c| rows.iter().all(|&i| c.contains(e[i as usize].key())))
                })
            })
    };
    let choose_all = move |on: bool| {
        if on {
            let keys: HashSet<String> = rows.with(|rows| {
                loader.entries.with(|e| {
                    rows.iter()
                        .map(|&i| e[i as usize].key().to_owned())
                        .collect()
                })
            });
            chosen.set(keys);
        } else {
            chosen.set(HashSet::new());
        }
    };

    let count_line = move || {
        let loaded = loader.entries.with(Vec::len);
        let complete = loader.next.with(Option::is_none);
        if loader.busy.get() && !complete {
            text::loading_more(loaded)
        } else {
            text::listing_count(loaded, total_rows(), filtering.get(), complete)
        }
    };
    let partial_note = move || {
        let complete = loader.next.with(Option::is_none);
        let sorting = !sort.get().is_natural();
        let filtering = filtering.get();
        (!complete && (sorting || filtering) && has_rows()).then(|| {
            view! {
                <p class="partial-note" role="status" data-testid="partial-note">
                    {text::partial_view(loader.entries.with(Vec::len), sorting, filtering)}
                </p>
            }
        })
    };

    let start_delete = move |_| {
        let targets: Vec<Entry> = chosen.with(|c| {
            loader
                .entries
                .with(|e| e.iter().filter(|x| c.contains(x.key())).cloned().collect())
        });
        if !targets.is_empty() {
            deleting.set(Some(targets));
        }
    };
    let dialog = move || {
        deleting.get().map(|targets| {
            view! {
                <DeleteDialog
                    storage=storage_for_dialog.clone()
                    targets
                    on_close=Callback::new(move |changed: bool| {
                        deleting.set(None);
                        if changed {
                            refresh.update(|n| *n += 1);
                        }
                    })
                />
            }
        })
    };

    view! {
        <div class="listing">
            <div class="listing-toolbar">
                <h2 class="visually-hidden">{text::FILES}</h2>
                <NewFolderForm
                    storage=storage_for_form
                    folder
                    on_created=Callback::new(move |()| refresh.update(|n| *n += 1))
                />
                <input
                    type="search"
                    class="filter-input"
                    aria-label=text::FILTER_LABEL
                    placeholder=text::FILTER_PLACEHOLDER
                    prop:value=move || filter.get()
                    on:input=move |ev| {
                        filter.set(event_target_value(&ev));
                        scroll_px.set(0.0);
                        if let Some(el) = scroller.get_untracked() {
                            el.set_scroll_top(0);
                        }
                    }
                />
                <span class="toolbar-spacer"></span>
                {move || {
                    let n = chosen.with(HashSet::len);
                    (n > 0).then(|| view! {
                        <DownloadSelected storage=storage_for_downloads.clone() chosen/>
                        <MoveSelected storage=storage_for_downloads.clone() chosen
                            on_moved=Callback::new(move |()| refresh.update(|n| *n += 1))/>
                        <button class="button button-danger" on:click=start_delete>
                            {text::delete_selected(n)}
                        </button>
                        <button class="button" on:click=move |_| chosen.set(HashSet::new())>
                            {text::clear_selection()}
                        </button>
                    })
                }}
                <button class="button" on:click=move |_| refresh.update(|n| *n += 1)>{text::REFRESH}</button>
            </div>
            {dialog}
            {partial_note}
            {body}
            <Show when=has_rows>
            // Focusable, so that the keyboard scrolls it (arrows, Page Down) past the rows that
            // are not in the DOM yet.
            <div
                class="file-scroll"
                tabindex="0"
                role="region"
                aria-label=text::FILES_IN_FOLDER
                node_ref=scroller
                on:scroll=move |_| measure()
            >
                <table class="file-table" aria-rowcount=move || total_rows() + 1>
                    <caption class="visually-hidden">{text::FILES_IN_FOLDER}</caption>
                    <colgroup>
                        <col class="col-check"/><col/><col class="col-size"/><col class="col-date"/>
                    </colgroup>
                    <thead>
                        <tr aria-rowindex="1">
                            <th scope="col">
                                <input
                                    type="checkbox"
                                    aria-label=text::SELECT_ALL_LOADED
                                    prop:checked=all_shown_chosen
                                    on:change=move |ev| choose_all(event_target_checked(&ev))
                                />
                            </th>
                            {header(SortBy::Name, text::COLUMN_NAME, false)}
                            {header(SortBy::Size, text::COLUMN_SIZE, true)}
                            {header(SortBy::Modified, text::COLUMN_MODIFIED, false)}
                        </tr>
                    </thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true" style:height=top_pad></tr>
                        <For
                            each=visible
                            key=|(position, _, entry)| (*position, entry.key().to_owned())
                            children=move |(position, prefix, entry)| {
                                view! { <Row entry prefix position chosen selected/> }
                            }
                        />
                        <tr class="spacer" aria-hidden="true" style:height=bottom_pad></tr>
                    </tbody>
                </table>
            </div>
            </Show>
            <div class="table-footer" class:hidden=move || !has_rows()>
                <span class="muted small" data-testid="item-count" aria-live="polite">{count_line}</span>
                {move || loader.next.with(Option::is_some).then(|| view! {
                    <button
                        class="button"
                        disabled=move || loader.loading_all.get()
                        on:click=move |_| loader.all()
                    >
                        {text::LOAD_ALL}
                    </button>
                })}
            </div>
            {move || (has_rows() && filtering.get() && total_rows() == 0).then(|| view! {
                <p class="empty">{text::NO_MATCH}</p>
            })}
        </div>
    }
}

/// One row: a check box to select it, and a link into the folder or to the object's details.
#[component]
fn Row(
    /// The folder or object.
    entry: Entry,
    /// The listed folder (names are shown relative to it).
    prefix: String,
    /// Where the row is among all rows (0-based), for screen readers.
    position: usize,
    /// The selected rows' keys.
    chosen: RwSignal<HashSet<String>>,
    /// The key whose details are open.
    selected: Memo<Option<String>>,
) -> impl IntoView {
    let key = entry.key().to_owned();
    let name = entry.name(&prefix).to_owned();
    let is_chosen = {
        let key = key.clone();
        move || chosen.with(|c| c.contains(&key))
    };
    let toggle = {
        let key = key.clone();
        move |ev| {
            let on = event_target_checked(&ev);
            chosen.update(|c| {
                if on {
                    c.insert(key.clone());
                } else {
                    c.remove(&key);
                }
            });
        }
    };
    let check = view! {
        <td class="check">
            <input type="checkbox" aria-label=text::select(&name) prop:checked=is_chosen on:change=toggle/>
        </td>
    };
    match entry {
        Entry::Folder(f) => view! {
            <tr class="row-folder" aria-rowindex=position + 2>
                {check}
                <td class="name"><A href=files_href(Some(&f), None) attr:data-prefix=f.clone()>
                    <span class="icon icon-folder" aria-hidden="true"></span>{name}
                </A></td>
                <td class="num muted">"—"</td>
                <td class="muted">{text::FOLDER}</td>
            </tr>
        }
        .into_any(),
        Entry::Object(o) => {
            let is_selected = {
                let key = key.clone();
                move || selected.get().as_deref() == Some(key.as_str())
            };
            let href = files_href(Some(&prefix), Some(&o.key));
            view! {
                <tr class:row-selected=is_selected aria-rowindex=position + 2>
                    {check}
                    <td class="name"><A href=href attr:data-key=o.key.clone()>
                        <span class="icon icon-file" aria-hidden="true"></span>{name}
                    </A></td>
                    <td class="num">{format::bytes(o.size)}</td>
                    <td>{o.last_modified_ms.map(browser::local_datetime)}</td>
                </tr>
            }
            .into_any()
        }
    }
}

/// Whether a failed listing of the user's own folder points at the setup: everything but
/// passing trouble (an expired session, a wrong clock).
fn is_setup_problem(error: &AppError) -> bool {
    matches!(error, AppError::Storage(StorageError::AccessDenied { .. }))
        || error.explain().check_setup
}
