//! Every sentence the file manager shows, in one place, so that a translation is a copy of this
//! file rather than a hunt through components. Words with numbers in them are functions (the
//! plural rules live here too); everything else is a constant.
//!
//! Not yet moved here: the texts of the upload panel and queue, the setup doctor, the
//! settings-error page (`ui::pages::ConfigErrorPage`) and the error explanations (they live beside their components, in
//! `crate::doctor` and in `crate::error`).

use crate::format::count;

// ---------------------------------------------------------------- the app, signing in

pub const APP_NAME: &str = "Pail";
pub const TAGLINE: &str = "Your files in Amazon S3, straight from the browser.";
pub const SIGN_IN: &str = "Sign in";
pub const SIGN_OUT: &str = "Sign out";
pub const SIGN_IN_AGAIN: &str = "Sign in again";

pub fn signing_in_at(issuer: &str) -> String {
    format!("You will sign in at {issuer}.")
}

/// The header's note on the session's temporary AWS credentials.
pub fn aws_access_until(when: &str) -> String {
    format!("AWS access until {when} (renews itself)")
}

pub const STARTING: &str = "Starting…";
pub const REDIRECTING: &str = "Taking you to sign-in…";
pub const SIGNING_IN: &str = "Signing you in…";
pub const BACK_TO_APP: &str = "← Back to the app";
pub const BACK_TO_FILES: &str = "← Back to your files";
pub const PAGE_NOT_FOUND: &str = "Page not found";
pub const GO_TO_FILES: &str = "Go to your files";

// ---------------------------------------------------------------- errors

pub const TECHNICAL_DETAILS: &str = "Technical details";
pub const CHECK_SETUP: &str = "Check the setup";
pub const CHECK_SETUP_WHAT: &str =
    " — a step-by-step check of the sign-in provider, AWS and the bucket.";

// ---------------------------------------------------------------- where you are

/// The first breadcrumb: the user's home prefix.
pub const HOME: &str = "My files";
pub const FOLDER_PATH: &str = "Folder path";

/// The signed-in page's (visually hidden) heading: the open folder.
pub fn folder_heading(folder: &str) -> String {
    format!("{folder} — {APP_NAME}")
}
pub const FILES: &str = "Files";
pub const FILES_IN_FOLDER: &str = "Files in this folder";
/// How the file list works from the keyboard (read by screen readers with the list).
pub const GRID_KEYS: &str = "Arrow keys, Home and End move between rows; Enter opens a folder \
    or a file's details; Space selects; Delete deletes the selection; Backspace goes up a folder.";

// ---------------------------------------------------------------- the listing

pub const LOADING: &str = "Loading…";
pub const REFRESH: &str = "Refresh";
pub const COLUMN_NAME: &str = "Name";
pub const COLUMN_SIZE: &str = "Size";
pub const COLUMN_MODIFIED: &str = "Last modified";
pub const FOLDER: &str = "Folder";
pub const EMPTY_FOLDER: &str = "No files here yet — drop files above or choose them to upload.";
pub const FILTER_LABEL: &str = "Filter by name";
pub const FILTER_PLACEHOLDER: &str = "Filter by name…";
pub const LOAD_ALL: &str = "Load all";
pub const NO_MATCH: &str = "Nothing loaded so far matches the filter.";

/// The sort button's label: "Sort by Name".
pub fn sort_by(column: &str) -> String {
    format!("Sort by {column}")
}

/// `n` entries with a plural: "1 item", "1,000 items".
pub fn items(n: usize) -> String {
    if n == 1 {
        "1 item".to_owned()
    } else {
        format!("{} items", count(n))
    }
}

/// The count under the list. `loaded` entries are in the browser, `shown` of them pass the
/// filter; `complete` when S3 has no more pages.
pub fn listing_count(loaded: usize, shown: usize, filtering: bool, complete: bool) -> String {
    match (filtering, complete) {
        (false, true) => items(loaded),
        (false, false) => format!("{} loaded; this folder has more", items(loaded)),
        (true, true) => format!("{} of {} match", count(shown), items(loaded)),
        (true, false) => format!(
            "{} of the {} loaded so far match",
            count(shown),
            items(loaded)
        ),
    }
}

/// Shown while the next page is on its way.
pub fn loading_more(loaded: usize) -> String {
    format!("Loading more… ({} so far)", count(loaded))
}

/// Said when a sort or filter cannot see the whole folder yet.
pub fn partial_view(loaded: usize, sorting: bool, filtering: bool) -> String {
    let what = match (sorting, filtering) {
        (true, true) => "Sorting and filtering cover",
        (true, false) => "Sorting covers",
        _ => "Filtering covers",
    };
    format!(
        "{what} only the {} loaded so far: this folder has more. Load all to include every item.",
        items(loaded)
    )
}

// ---------------------------------------------------------------- an object's details

pub const DETAILS: &str = "Details";
pub const CLOSE_DETAILS: &str = "Close details (Escape)";
pub const LOADING_DETAILS: &str = "Loading details…";
pub const USER_METADATA: &str = "User metadata";
pub const NONE: &str = "None.";
pub const VALUE: &str = "Value";
pub const CONTENT_TYPE: &str = "Content type";
pub const VERSION: &str = "Version";
pub const STORAGE_CLASS: &str = "Storage class";
pub const ENCRYPTION: &str = "Encryption";
pub const CHECKSUM_CRC32: &str = "Checksum (CRC32)";
pub const DOWNLOAD: &str = "Download";
pub const DOWNLOADING: &str = "Downloading…";
pub const DELETE: &str = "Delete";

// ---------------------------------------------------------------- preview

pub const PREVIEW: &str = "Preview";
pub const LOADING_PREVIEW: &str = "Loading the preview…";
pub const PREVIEW_EMPTY: &str = "This file is empty.";
pub const NO_PREVIEW: &str =
    "There is no preview for this kind of file. Download it to open it on your device.";
pub const PREVIEW_TOO_BIG: &str =
    "This file is too big to preview here. Download it to open it on your device.";
pub const PREVIEW_FAILED: &str =
    "The browser could not hold this file for a preview. Download it to open it on your device.";
pub const DOWNLOAD_TO_OPEN: &str = "Download to open";
pub const PREVIEW_TEXT_LABEL: &str = "Text of the file";

/// The alternative text of an image preview and the title of a PDF's frame.
pub fn preview_of(name: &str) -> String {
    format!("Preview of {name}")
}

/// The note over a text preview that shows only the start of the file.
pub fn preview_cut(shown: u64, size: u64) -> String {
    format!(
        "Only the first {} of {} are shown. Download the file to see all of it.",
        crate::format::bytes(shown),
        crate::format::bytes(size)
    )
}

pub fn confirm_delete_one(name: &str) -> String {
    format!("Delete “{name}”? This cannot be undone.")
}

pub fn deleted_one(name: &str) -> String {
    format!("Deleted {name}")
}

// ---------------------------------------------------------------- new folder

pub const NEW_FOLDER: &str = "New folder";
pub const NEW_FOLDER_NAME: &str = "Name of the new folder";
pub const CREATE: &str = "Create";
pub const CANCEL: &str = "Cancel";

pub fn folder_created(name: &str) -> String {
    format!("Created folder {name}")
}

// ---------------------------------------------------------------- selection and delete

pub const DELETE_DIALOG: &str = "Delete files and folders";
pub const SELECT_ALL_LOADED: &str = "Select everything shown";

pub fn select(name: &str) -> String {
    format!("Select {name}")
}

/// The toolbar button, with how many entries (files and folders) are selected.
pub fn delete_selected(n: usize) -> String {
    format!("Delete selected ({})", count(n))
}

pub fn clear_selection() -> &'static str {
    "Clear selection"
}

/// While the objects inside selected folders are being listed.
pub fn counting(so_far: usize) -> String {
    format!(
        "Counting what would be deleted… {} objects so far",
        count(so_far)
    )
}

pub fn objects(n: usize) -> String {
    if n == 1 {
        "1 object".to_owned()
    } else {
        format!("{} objects", count(n))
    }
}

/// The confirmation's question.
pub fn confirm_delete_title(n: usize) -> String {
    format!("Delete {}?", objects(n))
}

/// What the confirmed delete covers: `files` selected files and `folders` selected folders with
/// everything in them.
pub fn confirm_delete_body(files: usize, folders: usize) -> String {
    let mut parts = Vec::new();
    if files > 0 {
        parts.push(if files == 1 {
            "1 file".to_owned()
        } else {
            format!("{} files", count(files))
        });
    }
    if folders > 0 {
        parts.push(if folders == 1 {
            "1 folder with everything in it".to_owned()
        } else {
            format!("{} folders with everything in them", count(folders))
        });
    }
    format!("This deletes {}. It cannot be undone.", parts.join(" and "))
}

pub fn confirm_delete_button(n: usize) -> String {
    format!("Delete {}", objects(n))
}

pub const NOTHING_TO_DELETE: &str = "There is nothing to delete: the selected folders are empty.";

pub fn deleting(done: usize, total: usize) -> String {
    format!("Deleting… {} of {}", count(done), objects(total))
}

/// The report after a delete.
pub fn deleted(deleted: usize, total: usize) -> String {
    if deleted == total {
        format!("Deleted {}.", objects(deleted))
    } else {
        format!(
            "Deleted {} of {}. {} not deleted:",
            count(deleted),
            objects(total),
            count(total - deleted)
        )
    }
}

/// When the report lists only the first failures.
pub fn and_more(n: usize) -> String {
    format!("… and {} more", count(n))
}

pub const CLOSE: &str = "Close";

// ---- rename / move ---------------------------------------------------------------------------

pub const RENAME: &str = "Rename or move";
pub const RENAME_PROMPT: &str = "New name — include folders to move it, e.g. “2026/report.pdf”:";

pub fn renamed(to: &str) -> String {
    format!("Moved to {to}")
}

// ---- share links ---------------------------------------------------------------------------

pub const SHARE_LINK: &str = "Share link";
pub const SHARE_VALID_FOR: &str = "Valid for";
pub const CREATE_LINK: &str = "Create link";
pub const COPY_LINK: &str = "Copy link";
pub const LINK_COPIED: &str = "Link copied";
pub const SHARE_LINK_LABEL: &str = "Share link for this file";
/// The choices of how long a link lasts, in seconds.
pub const SHARE_DURATIONS: &[(u64, &str)] = &[
    (15 * 60, "15 minutes"),
    (3600, "1 hour"),
    (12 * 3600, "12 hours"),
    (7 * 24 * 3600, "7 days"),
];

/// When a share link stops working, and why then.
pub fn share_until(when: &str, cut_short: bool) -> String {
    if cut_short {
        format!(
            "Works until {when}, for anyone who has it: a link cannot outlive this sign-in's AWS \
             credentials, which end then. Create a new one after that."
        )
    } else {
        format!("Works until {when}, for anyone who has it — no sign-in needed.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_naturally() {
        assert_eq!(items(1), "1 item");
        assert_eq!(items(100_000), "100,000 items");
        assert_eq!(
            listing_count(3000, 3000, false, false),
            "3,000 items loaded; this folder has more"
        );
        assert_eq!(
            listing_count(3000, 12, true, false),
            "12 of the 3,000 items loaded so far match"
        );
        assert_eq!(listing_count(5, 2, true, true), "2 of 5 items match");
        assert_eq!(deleted(2502, 2502), "Deleted 2,502 objects.");
        assert_eq!(
            deleted(1000, 2502),
            "Deleted 1,000 of 2,502 objects. 1,502 not deleted:"
        );
        assert_eq!(
            confirm_delete_body(2, 1),
            "This deletes 2 files and 1 folder with everything in it. It cannot be undone."
        );
    }
}
