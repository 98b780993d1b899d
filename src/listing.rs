//! A folder's listing as the user browses it, in plain Rust: the entries loaded so far, the
//! order and filter the user chose over them, and which rows of a virtualized list are on
//! screen. The UI keeps these in signals and renders only [`window`]'s rows, so a folder of
//! 100,000 objects costs the DOM a screenful.
//!
//! Not here: fetching pages (`crate::storage::Storage::list`) or drawing them (`ui`).

use std::cmp::Ordering;
use std::ops::Range;

use crate::storage::{Listing, ObjectSummary, keys};

/// One row: a sub-folder (a common prefix) or an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The full prefix, ending in `/`.
    Folder(String),
    Object(ObjectSummary),
}

impl Entry {
    /// The full key or prefix: unique within a listing, so it keys the rows.
    pub fn key(&self) -> &str {
        match self {
            Self::Folder(prefix) => prefix,
            Self::Object(o) => &o.key,
        }
    }

    /// What the list shows inside `folder`: the rest of the key, without a folder's `/`.
    pub fn name<'e>(&'e self, folder: &str) -> &'e str {
        match self {
            Self::Folder(prefix) => keys::display_name(folder, prefix).trim_end_matches('/'),
            Self::Object(o) => keys::display_name(folder, &o.key),
        }
    }

    pub fn is_folder(&self) -> bool {
        matches!(self, Self::Folder(_))
    }
}

/// Appends a page as it arrives. S3 returns a page's folders and objects separately, each in
/// key order; the rows keep that order until the user sorts.
pub fn append(entries: &mut Vec<Entry>, page: Listing) {
    entries.reserve(page.folders.len() + page.objects.len());
    entries.extend(page.folders.into_iter().map(Entry::Folder));
    entries.extend(page.objects.into_iter().map(Entry::Object));
}

/// The column the rows are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Name,
    Size,
    Modified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub by: SortBy,
    pub descending: bool,
}

impl Sort {
    /// After a click on `by`'s column header: the same column flips direction; another column
    /// starts the way people usually want it (names A→Z, biggest and newest first).
    pub fn clicked(self, by: SortBy) -> Self {
        if self.by == by {
            Self {
                by,
                descending: !self.descending,
            }
        } else {
            Self {
                by,
                descending: by != SortBy::Name,
            }
        }
    }

    /// Whether the order is S3's own (names A→Z), which needs no note that only the loaded
    /// part is sorted: later pages come after it anyway.
    pub fn is_natural(self) -> bool {
        self == Self::default()
    }
}

/// The rows to show, as indices into `entries`: those whose name (inside `folder`) contains
/// `filter` (case-insensitively), folders first, then ordered by `sort`, ties by name.
pub fn arrange(entries: &[Entry], folder: &str, filter: &str, sort: Sort) -> Vec<u32> {
    let needle = filter.trim().to_lowercase();
    let mut rows: Vec<u32> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| needle.is_empty() || matches_filter(e.name(folder), &needle))
        .filter_map(|(i, _)| u32::try_from(i).ok())
        .collect();
    let at = |i: u32| &entries[i as usize];
    rows.sort_by(|&a, &b| {
        let (a, b) = (at(a), at(b));
        b.is_folder()
            .cmp(&a.is_folder())
            .then_with(|| {
                let by = compare(a, b, folder, sort.by).unwrap_or(Ordering::Equal);
                if sort.descending { by.reverse() } else { by }
            })
            .then_with(|| by_name(a.name(folder), b.name(folder)))
    });
    rows
}

/// `needle` is already lower case.
fn matches_filter(name: &str, needle: &str) -> bool {
    if name.is_ascii() && needle.is_ascii() {
        // No allocation for the common case: this runs over every loaded row per keystroke.
        let (hay, pin) = (name.as_bytes(), needle.as_bytes());
        hay.windows(pin.len())
            .any(|w| w.iter().zip(pin).all(|(h, p)| h.to_ascii_lowercase() == *p))
    } else {
        name.to_lowercase().contains(needle)
    }
}

/// `None` when `by` does not apply: folders have neither size nor date, so among themselves
/// they stay in name order (A→Z) whichever way the files are sorted.
fn compare(a: &Entry, b: &Entry, folder: &str, by: SortBy) -> Option<Ordering> {
    match (by, a, b) {
        (SortBy::Name, _, _) => Some(by_name(a.name(folder), b.name(folder))),
        (SortBy::Size, Entry::Object(x), Entry::Object(y)) => Some(x.size.cmp(&y.size)),
        (SortBy::Modified, Entry::Object(x), Entry::Object(y)) => {
            Some(x.last_modified_ms.cmp(&y.last_modified_ms))
        }
        _ => None,
    }
}

/// Case-insensitive (ASCII), then S3's byte order so that the order is total.
fn by_name(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
        .then_with(|| a.cmp(b))
}

/// The rows of a list of `total` rows, each `row_px` high, that a viewport of `viewport_px`
/// scrolled to `scroll_px` shows, plus `overscan` rows either side (so that a fast scroll
/// does not flash blank rows).
pub fn window(
    scroll_px: f64,
    viewport_px: f64,
    row_px: f64,
    total: usize,
    overscan: usize,
) -> Range<usize> {
    if total == 0 || row_px <= 0.0 {
        return 0..0;
    }
    let row_at = |px: f64| {
        // Rows are counted in f64 only to divide; the result is clamped to `total`.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let row = (px.max(0.0) / row_px) as usize;
        row.min(total)
    };
    let first = row_at(scroll_px).min(total - 1);
    let last = row_at(scroll_px + viewport_px.max(0.0)) + 1;
    first.saturating_sub(overscan)..(last + overscan).min(total)
}

/// Whether to fetch the next page now: the user is within `ahead` rows of the end of what is
/// shown, S3 has more, nothing is on its way, and no filter is narrowing the rows (with a
/// filter, the end of the list comes early and would pull in the whole folder page after page;
/// the user says so with "Load all" instead).
pub fn wants_more(
    shown_end: usize,
    shown: usize,
    ahead: usize,
    has_more: bool,
    busy: bool,
    filtering: bool,
) -> bool {
    has_more && !busy && !filtering && shown_end + ahead >= shown
}

/// What a key pressed on the file list does (the grid pattern of WAI-ARIA's practices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridKey {
    /// Move the focused row here.
    Focus(usize),
    /// Enter: into the folder, or the object's details.
    Open,
    /// Space: select or unselect the focused row.
    Toggle,
    /// Delete: ask to delete the selection (or the focused row when nothing is selected).
    Delete,
    /// Backspace or Alt+ArrowUp: the parent folder.
    Parent,
}

/// The action for `key` (a `KeyboardEvent.key`) with the focused row at `current` of `total`
/// and `page` rows on screen; `None` for keys the list leaves to the browser.
pub fn grid_key(
    key: &str,
    alt: bool,
    current: usize,
    total: usize,
    page: usize,
) -> Option<GridKey> {
    let last = total.checked_sub(1);
    let current = current.min(last.unwrap_or(0));
    let to = |row: usize| last.map(|last| GridKey::Focus(row.min(last)));
    match key {
        "ArrowUp" if alt => Some(GridKey::Parent),
        "Backspace" => Some(GridKey::Parent),
        "ArrowDown" => to(current + 1),
        "ArrowUp" => to(current.saturating_sub(1)),
        "PageDown" => to(current + page.max(1)),
        "PageUp" => to(current.saturating_sub(page.max(1))),
        "Home" => to(0),
        "End" => last.map(GridKey::Focus),
        "Enter" => last.map(|_| GridKey::Open),
        " " | "Spacebar" => last.map(|_| GridKey::Toggle),
        "Delete" => last.map(|_| GridKey::Delete),
        _ => None,
    }
}

/// Where to scroll so that row `position` is fully in view below a sticky header of
/// `header_px`, or `None` when it already is.
pub fn scroll_to_show(
    position: usize,
    row_px: f64,
    scroll_px: f64,
    viewport_px: f64,
    header_px: f64,
) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // row counts are far below 2^52
    let top = position as f64 * row_px;
    let bottom = top + row_px;
    if top < scroll_px {
        Some(top)
    } else if bottom > scroll_px + viewport_px - header_px {
        Some((bottom - viewport_px + header_px).max(0.0))
    } else {
        None
    }
}

/// The focused row after the list was scrolled by other means than the keys (the mouse wheel,
/// a scroll bar): kept if it is still fully in view, else the nearest row that is, so the
/// focused row is always one that is drawn.
pub fn keep_in_view(
    focused: usize,
    total: usize,
    row_px: f64,
    scroll_px: f64,
    viewport_px: f64,
    header_px: f64,
) -> usize {
    if total == 0 || row_px <= 0.0 {
        return 0;
    }
    // A pixel of slack: scroll positions are rounded to whole (or device) pixels.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let first = ((scroll_px - 1.0).max(0.0) / row_px).ceil() as usize;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let end = ((scroll_px + viewport_px - header_px + 1.0).max(0.0) / row_px).floor() as usize;
    let first = first.min(total - 1);
    // A viewport smaller than a row: the first row it shows.
    let last = end.saturating_sub(1).clamp(first, total - 1);
    focused.clamp(first, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrolled_list_keeps_its_focused_row_among_those_in_view() {
        // 40 px rows, 400 px viewport, 36 px header: rows 0..=8 fully in view at the top.
        assert_eq!(keep_in_view(3, 1000, 40.0, 0.0, 400.0, 36.0), 3);
        assert_eq!(keep_in_view(20, 1000, 40.0, 0.0, 400.0, 36.0), 8);
        // Scrolled to row 500 (a wheel far down): the first row fully in view.
        assert_eq!(keep_in_view(3, 1000, 40.0, 20_000.0, 400.0, 36.0), 500);
        assert_eq!(keep_in_view(3, 1000, 40.0, 20_010.0, 400.0, 36.0), 501);
        // Half a pixel off (a rounded scroll position) still counts as in view.
        assert_eq!(keep_in_view(500, 1000, 40.0, 20_000.5, 400.0, 36.0), 500);
        assert_eq!(keep_in_view(508, 1000, 40.0, 19_999.5, 400.0, 36.0), 508);
        assert_eq!(keep_in_view(3, 0, 40.0, 0.0, 400.0, 36.0), 0);
        assert_eq!(keep_in_view(7, 5, 40.0, 0.0, 400.0, 36.0), 4);
    }

    #[test]
    fn keys_move_the_focused_row_within_the_list() {
        assert_eq!(
            grid_key("ArrowDown", false, 0, 3, 10),
            Some(GridKey::Focus(1))
        );
        assert_eq!(
            grid_key("ArrowDown", false, 2, 3, 10),
            Some(GridKey::Focus(2))
        );
        assert_eq!(
            grid_key("ArrowUp", false, 0, 3, 10),
            Some(GridKey::Focus(0))
        );
        assert_eq!(grid_key("ArrowUp", true, 2, 3, 10), Some(GridKey::Parent));
        assert_eq!(
            grid_key("Backspace", false, 2, 3, 10),
            Some(GridKey::Parent)
        );
        assert_eq!(grid_key("Home", false, 2, 3, 10), Some(GridKey::Focus(0)));
        assert_eq!(
            grid_key("End", false, 0, 100_000, 10),
            Some(GridKey::Focus(99_999))
        );
        assert_eq!(
            grid_key("PageDown", false, 5, 100, 12),
            Some(GridKey::Focus(17))
        );
        assert_eq!(
            grid_key("PageUp", false, 5, 100, 12),
            Some(GridKey::Focus(0))
        );
        // A focused row past the end (the list got shorter) moves from the last one.
        assert_eq!(
            grid_key("ArrowUp", false, 50, 3, 10),
            Some(GridKey::Focus(1))
        );
        assert_eq!(grid_key("Enter", false, 1, 3, 10), Some(GridKey::Open));
        assert_eq!(grid_key(" ", false, 1, 3, 10), Some(GridKey::Toggle));
        assert_eq!(grid_key("Delete", false, 1, 3, 10), Some(GridKey::Delete));
        assert_eq!(grid_key("a", false, 1, 3, 10), None);
        assert_eq!(grid_key("Tab", false, 1, 3, 10), None);
        // An empty list: only the way up.
        assert_eq!(grid_key("ArrowDown", false, 0, 0, 10), None);
        assert_eq!(grid_key("Enter", false, 0, 0, 10), None);
        assert_eq!(
            grid_key("Backspace", false, 0, 0, 10),
            Some(GridKey::Parent)
        );
    }

    #[test]
    fn the_focused_row_is_scrolled_fully_into_view_below_the_header() {
        // 40 px rows, 400 px viewport, 36 px sticky header: rows 0..9 fit (364 px).
        assert_eq!(scroll_to_show(3, 40.0, 0.0, 400.0, 36.0), None);
        assert_eq!(scroll_to_show(9, 40.0, 0.0, 400.0, 36.0), Some(36.0));
        // Above the scrolled-to part: its top goes to the top.
        assert_eq!(scroll_to_show(2, 40.0, 200.0, 400.0, 36.0), Some(80.0));
        // Far down (100,000 rows): straight there.
        assert_eq!(
            scroll_to_show(99_999, 40.0, 0.0, 400.0, 36.0),
            Some(100_000.0 * 40.0 - 364.0)
        );
    }

    fn summary(key: &str, size: u64, modified: i64) -> ObjectSummary {
        ObjectSummary {
            key: key.to_owned(),
            size,
            last_modified_ms: Some(modified),
            etag: None,
        }
    }

    fn object(key: &str, size: u64, modified: i64) -> Entry {
        Entry::Object(summary(key, size, modified))
    }

    fn names(entries: &[Entry], rows: &[u32]) -> Vec<String> {
        rows.iter()
            .map(|&i| entries[i as usize].name("u/").to_owned())
            .collect()
    }

    fn sample() -> Vec<Entry> {
        let mut entries = Vec::new();
        append(
            &mut entries,
            Listing {
                folders: vec!["u/zeta/".into(), "u/Alpha/".into()],
                objects: vec![
                    summary("u/b.txt", 30, 3),
                    summary("u/A.txt", 10, 2),
                    summary("u/c.TXT", 20, 1),
                ],
                next_page: None,
            },
        );
        entries
    }

    #[test]
    fn folders_first_then_by_name_ignoring_case() {
        let e = sample();
        let rows = arrange(&e, "u/", "", Sort::default());
        assert_eq!(
            names(&e, &rows),
            ["Alpha", "zeta", "A.txt", "b.txt", "c.TXT"]
        );
    }

    #[test]
    fn sort_by_size_and_date_both_ways_keeps_folders_first() {
        let e = sample();
        let size_desc = Sort::default().clicked(SortBy::Size);
        assert!(size_desc.descending, "biggest first on the first click");
        assert_eq!(
            names(&e, &arrange(&e, "u/", "", size_desc)),
            ["Alpha", "zeta", "b.txt", "c.TXT", "A.txt"]
        );
        let size_asc = size_desc.clicked(SortBy::Size);
        assert_eq!(
            names(&e, &arrange(&e, "u/", "", size_asc)),
            ["Alpha", "zeta", "A.txt", "c.TXT", "b.txt"]
        );
        let newest = Sort::default().clicked(SortBy::Modified);
        assert_eq!(
            names(&e, &arrange(&e, "u/", "", newest)),
            ["Alpha", "zeta", "b.txt", "A.txt", "c.TXT"]
        );
        let name_desc = Sort::default().clicked(SortBy::Name);
        assert_eq!(
            names(&e, &arrange(&e, "u/", "", name_desc)),
            ["zeta", "Alpha", "c.TXT", "b.txt", "A.txt"]
        );
        assert!(Sort::default().is_natural() && !name_desc.is_natural());
    }

    #[test]
    fn filter_is_a_case_insensitive_substring_of_the_name_only() {
        let e = sample();
        assert_eq!(
            names(&e, &arrange(&e, "u/", "TXT", Sort::default())),
            ["A.txt", "b.txt", "c.TXT"]
        );
        assert_eq!(
            names(&e, &arrange(&e, "u/", " alp ", Sort::default())),
            ["Alpha"]
        );
        // The folder's own path is not part of the name: "u" matches nothing here.
        assert!(arrange(&e, "u/", "u", Sort::default()).is_empty());
        let unicode = vec![object("u/Ärger.md", 1, 1), object("u/other.md", 1, 1)];
        assert_eq!(
            names(&unicode, &arrange(&unicode, "u/", "äR", Sort::default())),
            ["Ärger.md"]
        );
    }

    #[test]
    fn window_covers_the_viewport_plus_overscan() {
        // 100,000 rows of 40 px in a 600 px viewport: 15 rows visible (16 when cut in half).
        assert_eq!(window(0.0, 600.0, 40.0, 100_000, 5), 0..21);
        assert_eq!(window(4000.0, 600.0, 40.0, 100_000, 5), 95..121);
        assert_eq!(window(4020.0, 600.0, 40.0, 100_000, 0), 100..116);
        // Scrolled past the end (rows removed under the scroll position): the last rows.
        assert_eq!(window(1e9, 600.0, 40.0, 100, 5), 94..100);
        assert_eq!(window(-50.0, 600.0, 40.0, 10, 5), 0..10);
        assert_eq!(window(0.0, 600.0, 40.0, 0, 5), 0..0);
        // However far the list goes, the window stays a screenful.
        let w = window(3_999_000.0, 600.0, 40.0, 100_000, 10);
        assert_eq!((w.start, w.end, w.len()), (99_965, 100_000, 35));
    }

    #[test]
    fn next_page_only_near_the_end_and_never_twice() {
        assert!(wants_more(990, 1000, 50, true, false, false));
        assert!(!wants_more(500, 1000, 50, true, false, false));
        assert!(
            !wants_more(990, 1000, 50, false, false, false),
            "no more pages"
        );
        assert!(
            !wants_more(990, 1000, 50, true, true, false),
            "one already on its way"
        );
        assert!(
            !wants_more(3, 3, 50, true, false, true),
            "a filter asks for Load all"
        );
    }
}
