use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::{
    DeleteDialog, DownloadSelected, ErrorNotice, MoveSelected, NewFolderForm, SetupDoctor,
};
use crate::error::AppError;
use crate::format;
use crate::listing::{self, Entry, GridKey, Sort, SortBy};
use crate::platform::browser;
use crate::routes::{files_href, parent_folder};
use crate::storage::{Storage, StorageError};
use crate::text;
use crate::ui::session::Account;

/// Set once the first listing has been painted (`scripts/bench` reads the mark).
static FIRST_LISTING_MARKED: AtomicBool = AtomicBool::new(false);

/// Every row is this high (the stylesheet fixes it too: `.file-table tbody tr`), so that the
/// rows on screen follow from the scroll position alone.
const ROW_PX: f64 = 40.0;
/// The sticky header row's height (`.file-table th` in the stylesheet).
const HEADER_PX: f64 = 36.0;
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
    // Keyboard: the list is one tab stop (a grid) whose focused row is `focused`, announced
    // with aria-activedescendant, so DOM focus stays on the scroll area however far the rows
    // scroll out of the DOM.
    let focused = RwSignal::new(0_usize);
    // The list takes focus when it appears (after Enter into a folder or Backspace out of one).
    let refocus = StoredValue::new(false);
    // The folder just left with Backspace (the parent, the folder): its row is focused when the
    // parent lists it.
    let return_to = StoredValue::new(None::<(String, String)>);
    let navigate = use_navigate();

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
        focused.set(0);
        let here = folder.get_untracked();
        if return_to.with_value(|r| r.as_ref().is_some_and(|(parent, _)| *parent != here)) {
            return_to.set_value(None);
        }
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
        if let Some(el) = scroller.get() {
            measure();
            if refocus.get_value() {
                refocus.set_value(false);
                let _ = el.focus();
            }
        }
    });
    // Moves the focused row and scrolls it fully into view (which also renders it).
    let show_row = move |position: usize| {
        focused.set(position);
        if let Some(el) = scroller.get_untracked() {
            let (top, height) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
            if let Some(to) = listing::scroll_to_show(position, ROW_PX, top, height, HEADER_PX) {
                // Row offsets of even 200,000 rows are far inside i32.
                #[allow(clippy::cast_possible_truncation)]
                el.set_scroll_top(to.ceil() as i32);
            }
            measure();
        }
    };
    // Focus that had nowhere to go (a closed dialog or details panel took its element along)
    // comes back to the list.
    let focus_list_if_lost = move || {
        request_animation_frame(move || {
            let lost = document()
                .active_element()
                .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
            if lost && let Some(el) = scroller.get_untracked() {
                let _ = el.focus();
            }
        });
    };
    Effect::new(move |was_open: Option<bool>| {
        let open = selected.with(Option::is_some);
        if was_open == Some(true) && !open {
            focus_list_if_lost();
        }
        open
    });
    // The list's height follows its row count (up to a screenful): measure again when it changes.
    Effect::new(move |_| {
        rows.track();
        request_animation_frame(measure);
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
            <th role="columnheader" scope="col" class:num=numeric aria-sort=aria>
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

    // After Backspace: the folder we came from, once the parent lists it.
    // (Until found, or another folder is opened, or a key is pressed: the old folder's rows can
    // still be in place when the parent's address is, so "not found yet" is not "not there".)
    Effect::new(move |_| {
        // Tracked before anything else: `return_to` itself is not a signal, so an early return
        // here must still leave the effect listening for the next listing.
        let here = folder.get();
        rows.track();
        let Some((parent, key)) = return_to.get_value() else {
            return;
        };
        if here != parent {
            return;
        }
        let found = rows.with(|rows| {
            loader
                .entries
                .with(|e| rows.iter().position(|&i| e[i as usize].key() == key))
        });
        if let Some(position) = found {
            return_to.set_value(None);
            request_animation_frame(move || show_row(position));
        }
    });

    let entry_at = move |position: usize| {
        rows.with_untracked(|rows| {
            let i = *rows.get(position)?;
            loader
                .entries
                .with_untracked(|e| e.get(i as usize).cloned())
        })
    };
    let chosen_entries = move || {
        chosen.with_untracked(|c| {
            loader
                .entries
                .with_untracked(|e| e.iter().filter(|x| c.contains(x.key())).cloned().collect())
        })
    };
    let home_for_keys = home.clone();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() {
            return;
        }
        // On a row's own check box or link (focused by a click), Space, Enter and the rest are
        // theirs; moving keys move the list's row and bring focus back to the list.
        let on_control = ev.target() != ev.current_target();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let page = ((viewport_px.get_untracked() - HEADER_PX) / ROW_PX)
            .floor()
            .max(1.0) as usize;
        let current = focused.get_untracked();
        let Some(action) = listing::grid_key(
            &ev.key(),
            ev.alt_key(),
            current,
            total_rows_untracked(rows),
            page,
        ) else {
            return;
        };
        if on_control {
            let GridKey::Focus(position) = action else {
                return;
            };
            ev.prevent_default();
            if let Some(el) = scroller.get_untracked() {
                let _ = el.focus();
            }
            show_row(position);
            return;
        }
        ev.prevent_default();
        return_to.set_value(None);
        let here = folder.get_untracked();
        match action {
            GridKey::Focus(position) => show_row(position),
            GridKey::Open => match entry_at(current) {
                Some(Entry::Folder(f)) => {
                    refocus.set_value(true);
                    navigate(&files_href(Some(&f), None), NavigateOptions::default());
                }
                Some(Entry::Object(o)) => {
                    navigate(
                        &files_href(Some(&here), Some(&o.key)),
                        NavigateOptions::default(),
                    );
                }
                None => {}
            },
            GridKey::Toggle => {
                if let Some(entry) = entry_at(current) {
                    let key = entry.key().to_owned();
                    chosen.update(|c| {
                        if !c.remove(&key) {
                            c.insert(key);
                        }
                    });
                }
            }
            GridKey::Delete => {
                let mut targets: Vec<Entry> = chosen_entries();
                if targets.is_empty() {
                    targets.extend(entry_at(current));
                }
                if !targets.is_empty() {
                    deleting.set(Some(targets));
                }
            }
            GridKey::Parent => {
                if let Some(parent) = parent_folder(&home_for_keys, &here) {
                    return_to.set_value(Some((parent.clone(), here)));
                    refocus.set_value(true);
                    navigate(&files_href(Some(&parent), None), NavigateOptions::default());
                }
            }
        }
    };
    // Copy, for the list's view (rebuilt when it reappears).
    let on_key = StoredValue::new_local(on_key);
    let active_row = move || {
        let f = focused.get();
        (f < total_rows_tracked(rows) && shown.get().contains(&f)).then(|| row_id(f))
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
        let targets: Vec<Entry> = chosen_entries();
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
                        focus_list_if_lost();
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
                // Selecting with Space changes no focus: a screen reader hears the count here.
                <span class="visually-hidden" role="status" data-testid="selection-status">
                    {move || text::selected_count(chosen.with(HashSet::len))}
                </span>
            </div>
            {dialog}
            {partial_note}
            {body}
            <Show when=has_rows>
            // The grid is the scroll area itself: one tab stop, the keys of `listing::grid_key`,
            // and focus that never leaves with a row scrolled out of the DOM. The table inside
            // only lays the rows out (role=presentation; rows and cells carry their grid roles).
            <p id="file-grid-keys" class="visually-hidden">{text::GRID_KEYS}</p>
            <div
                class="file-scroll"
                tabindex="0"
                role="grid"
                aria-label=text::FILES_IN_FOLDER
                aria-describedby="file-grid-keys"
                aria-rowcount=move || total_rows() + 1
                aria-colcount="4"
                aria-multiselectable="true"
                aria-activedescendant=active_row
                // No taller than its rows (a folder of five is not a screen of blank space).
                style:height=move || {
                    format!("min(70vh, 44rem, {}px)", total_rows() as f64 * ROW_PX + HEADER_PX + 2.0)
                }
                node_ref=scroller
                on:scroll=move |_| {
                    measure();
                    // Scrolled by the wheel or the bar: the focused row follows, so it is one
                    // that is drawn.
                    let kept = listing::keep_in_view(
                        focused.get_untracked(),
                        rows.with_untracked(Vec::len),
                        ROW_PX,
                        scroll_px.get_untracked(),
                        viewport_px.get_untracked(),
                        HEADER_PX,
                    );
                    if kept != focused.get_untracked() {
                        focused.set(kept);
                    }
                }
                on:keydown=move |ev| on_key.with_value(|f| f(ev))
            >
                <table class="file-table" role="presentation">
                    <colgroup>
                        <col class="col-check"/><col/><col class="col-size"/><col class="col-date"/>
                    </colgroup>
                    <thead role="rowgroup">
                        <tr role="row" aria-rowindex="1">
                            <th role="columnheader" scope="col">
                                <input
                                    type="checkbox"
                                    tabindex="-1"
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
                    <tbody role="rowgroup">
                        <tr class="spacer" aria-hidden="true" style:height=top_pad></tr>
                        <For
                            each=visible
                            key=|(position, _, entry)| (*position, entry.key().to_owned())
                            children=move |(position, prefix, entry)| {
                                view! { <Row entry prefix position chosen selected focused/> }
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
    /// The row the keyboard is on (a position, like `position`).
    focused: RwSignal<usize>,
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
    // Inside the grid, the keyboard works the rows (Space selects, Enter opens): the row's own
    // controls are for the mouse and stay out of the tab order.
    let check = view! {
        <td role="gridcell" class="check">
            <input type="checkbox" tabindex="-1" aria-label=text::select(&name) prop:checked=is_chosen.clone() on:change=toggle/>
        </td>
    };
    let is_focused = move || focused.get() == position;
    let click = move |_| focused.set(position);
    match entry {
        Entry::Folder(f) => view! {
            <tr role="row" id=row_id(position) class="row-folder" class:row-focused=is_focused
                aria-rowindex=position + 2 aria-selected=move || is_chosen().to_string() on:click=click>
                {check}
                <td role="gridcell" class="name"><A href=files_href(Some(&f), None) attr:tabindex="-1" attr:data-prefix=f.clone()>
                    <span class="icon icon-folder" aria-hidden="true"></span>{name}
                </A></td>
                <td role="gridcell" class="num muted">"—"</td>
                <td role="gridcell" class="muted">{text::FOLDER}</td>
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
                <tr role="row" id=row_id(position) class:row-selected=is_selected class:row-focused=is_focused
                    aria-rowindex=position + 2 aria-selected=move || is_chosen().to_string() on:click=click>
                    {check}
                    <td role="gridcell" class="name"><A href=href attr:tabindex="-1" attr:data-key=o.key.clone()>
                        <span class="icon icon-file" aria-hidden="true"></span>{name}
                    </A></td>
                    <td role="gridcell" class="num">{format::bytes(o.size)}</td>
                    <td role="gridcell">{o.last_modified_ms.map(browser::local_datetime)}</td>
                </tr>
            }
            .into_any()
        }
    }
}

/// The DOM id of the row at `position` (for aria-activedescendant).
fn row_id(position: usize) -> String {
    format!("file-row-{position}")
}

fn total_rows_tracked(rows: Memo<Vec<u32>>) -> usize {
    rows.with(Vec::len)
}

fn total_rows_untracked(rows: Memo<Vec<u32>>) -> usize {
    rows.with_untracked(Vec::len)
}

/// Whether a failed listing of the user's own folder points at the setup: everything but
/// passing trouble (an expired session, a wrong clock).
fn is_setup_problem(error: &AppError) -> bool {
    matches!(error, AppError::Storage(StorageError::AccessDenied { .. }))
        || error.explain().check_setup
}
