//! Every sentence the file manager shows, in one place, so that a translation is a copy of this
//! file rather than a hunt through components. Words with numbers in them are functions (the
//! plural rules live here too); everything else is a constant.
//!
//! The error explanations are here too: for each error, what happened and what to do
//! (`crate::error` says only which flags — sign in again, check the setup — go with them).
//!
//! The setup check's findings and fixes are here as well (`crate::doctor::diagnose` keeps the
//! logic that reads each answer and picks the sentence). Not here: the technical details folded
//! under an error (the `Display` of each module's error, for bug reports rather than for
//! reading), and the documents and commands a fix offers to paste (policies, CORS rules, `aws`
//! commands), which are not prose.

use crate::auth::AuthError;
use crate::credentials::CredentialsError;
use crate::error::Explanation;
use crate::format::count;
use crate::storage::StorageError;
use crate::storage::edit::EditError;
use crate::storage::keys::KeyError;
use crate::storage::upload::{PlanError, UploadError, cors_rule};

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

/// The sign-in could not be renewed in the background (`ui::components::RenewalNotice`).
pub const RENEWAL_FAILED: &str = "Your sign-in could not be renewed in the background.";

pub fn renewal_ends(when: &str) -> String {
    format!(
        "It ends at {when}. Sign in again in a small window: this page, the open folder and \
         any uploads stay as they are."
    )
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
pub const PREVIEW_PDF_SCRIPTS: &str = "Shown by your browser's PDF viewer, which also runs \
    scripts inside the file. They cannot reach your files or this page, but a message box they \
    open does not come from Pail.";
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

/// The live status of the selection (empty when nothing is selected).
pub fn selected_count(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "1 selected".to_owned(),
        n => format!("{} selected", count(n)),
    }
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

// ---- metadata edit -----------------------------------------------------------------------------

pub const EDIT_METADATA: &str = "Edit metadata";
pub const ADD_ENTRY: &str = "Add entry";
pub const REMOVE_ENTRY: &str = "Remove";
pub const SAVE_METADATA: &str = "Save metadata";
pub const SAVING: &str = "Saving…";
pub const METADATA_NAME: &str = "Name (after x-amz-meta-)";
pub const METADATA_VALUE: &str = "Value";
pub const METADATA_SAVED: &str = "Metadata saved";
pub const METADATA_EDIT_NOTE: &str = "Saving copies the file onto itself with the new metadata; \
    its content type and other headers stay. If someone changes the file meanwhile, nothing is \
    overwritten.";

/// Which names can be used: the ones the bucket lets the browser read back.
pub fn metadata_names(names: &[String]) -> String {
    format!("Names this app can read back: {}.", names.join(", "))
}

// ---- versions ----------------------------------------------------------------------------------

pub const VERSIONS: &str = "Versions";
pub const VERSIONS_LABEL: &str = "Earlier versions of this file";
pub const LOADING_VERSIONS: &str = "Loading versions…";
pub const CURRENT_VERSION: &str = "current";
pub const DELETE_MARKER: &str = "deleted (delete marker)";
pub const RESTORE: &str = "Restore";
pub const NO_OTHER_VERSIONS: &str = "This is the only version.";

pub fn confirm_restore(when: &str) -> String {
    format!(
        "Restore the version of {when}? A copy of it becomes the current version; the other \
         versions stay."
    )
}

pub fn restored(when: &str) -> String {
    format!("Restored the version of {when}")
}

/// The accessible name of a version's download button.
pub fn download_version(when: &str) -> String {
    format!("Download the version of {when}")
}

// ---- downloads ---------------------------------------------------------------------------------

pub fn download_selected(n: usize) -> String {
    format!("Download selected ({})", count(n))
}

/// After "Download selected": how many downloads were started, and what was left out.
pub fn downloads_started(started: usize, folders: usize) -> String {
    let what = if started == 1 {
        "1 download".to_owned()
    } else {
        format!("{} downloads", count(started))
    };
    let mut out = format!("Started {what}");
    if folders > 0 {
        out.push_str(&format!(
            "; {} skipped (download the files inside instead)",
            if folders == 1 {
                "1 folder".to_owned()
            } else {
                format!("{} folders", count(folders))
            }
        ));
    }
    out
}

// ---- move several ------------------------------------------------------------------------------

pub fn move_selected(n: usize) -> String {
    format!("Move selected ({})", count(n))
}

pub const MOVE_PROMPT: &str = "Move to which folder? A path inside My files, e.g. \
    “2026/archive” (it is created if needed; empty: My files itself):";

pub fn moving(done: usize, total: usize) -> String {
    format!("Moving {} of {}…", count(done), count(total))
}

pub fn moved(moved: usize, to: &str) -> String {
    let what = if moved == 1 {
        "1 object".to_owned()
    } else {
        format!("{} objects", count(moved))
    };
    format!("Moved {what} to {to}")
}

pub fn not_moved(not: usize, total: usize) -> String {
    format!("{} of {} not moved", count(not), count(total))
}

pub const DOWNLOADS_ALLOW: &str =
    "If your browser asks whether this site may download several files, allow it.";

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

/// The label of a link's validity in seconds: one of [`SHARE_DURATIONS`], or the session's
/// own length when it is shorter than all of them.
pub fn share_duration(secs: u64) -> String {
    SHARE_DURATIONS
        .iter()
        .find(|(s, _)| *s == secs)
        .map_or_else(
            || crate::format::duration_secs(secs),
            |(_, l)| (*l).to_owned(),
        )
}

/// Said before a link is made: the longest it can last.
pub fn share_limit(session: &str) -> String {
    format!(
        "A link works at most {session}: it carries this sign-in's AWS credentials, which last \
         that long."
    )
}

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

// ---------------------------------------------------------------- uploads

pub const UPLOAD: &str = "Upload";
pub const CHOOSE_FILES: &str = "Choose files";
pub const CHOOSE_FOLDER: &str = "Choose a folder";
pub const OR_DROP_HERE: &str = " or drop files and folders here";
pub const DESCRIPTION: &str = "Description";
pub const DESCRIPTION_PLACEHOLDER: &str = "Stored as x-amz-meta-description";
pub const CONTENT_TYPE_PLACEHOLDER: &str = "From the file (e.g. image/png)";
pub const PARTS_AT_ONCE: &str = "Parts at once";
pub const FILES_AT_ONCE: &str = "Files at once";
pub const UPLOADS_PAUSED_ACTION: &str =
    "Sign in again (in a small window) and they continue where they are; nothing is sent again.";
pub const SIGN_IN_AND_CONTINUE: &str = "Sign in again and continue";
pub const CLEAR_FINISHED: &str = "Clear finished";
pub const ALL_UPLOADS: &str = "All uploads";
pub const UPLOAD_READY: &str = "Ready";
pub const UPLOAD_WAITING: &str = "Waiting";
pub const UPLOAD_CHECKING: &str = "Checking stored parts…";
pub const UPLOAD_DONE: &str = "Uploaded ✓";
pub const UPLOAD_FAILED: &str = "Failed";
pub const UPLOAD_CANCELLING: &str = "Cancelling…";
pub const UPLOAD_CANCELLED: &str = "Cancelled";
pub const UPLOAD_LOOKING: &str = "Checking the folder…";
pub const UPLOAD_SKIPPED: &str = "Skipped: a file with this name is already there";

// ---- a name that is taken ------------------------------------------------------------------

/// The question's title: `n` files of the batch have names that are taken; `first` names one.
pub fn overwrite_title(n: usize, first: &str) -> String {
    if n == 1 {
        format!("“{first}” is already in this folder")
    } else {
        format!("{} files are already in this folder", count(n))
    }
}

pub fn overwrite_body(n: usize) -> String {
    if n == 1 {
        "Replace it with the one you are uploading, keep both (yours gets a number, like \
         “report (1).pdf”), or skip yours?"
            .into()
    } else {
        "Replace them with the ones you are uploading, keep both (yours get a number, like \
         “report (1).pdf”), or skip yours? Your answer applies to all of them."
            .into()
    }
}

pub const OVERWRITE_VERSIONED: &str =
    "This storage keeps earlier versions: a replaced file can be restored from its details.";
pub const OVERWRITE_NOT_VERSIONED: &str = "A replaced file cannot be restored.";
pub const REPLACE: &str = "Replace";
pub const KEEP_BOTH: &str = "Keep both";
pub const SKIP: &str = "Skip";

pub fn skipped(n: usize) -> String {
    if n == 1 {
        "Skipped 1 file: its name was taken".into()
    } else {
        format!("Skipped {} files: their names were taken", count(n))
    }
}
pub const REMOVE: &str = "Remove";
pub const RETRY: &str = "Retry";
pub const UNFINISHED_UPLOADS: &str = "Unfinished uploads";
pub const UNFINISHED_HELP: &str = "These uploads were interrupted. To continue one, choose or \
    drop the same file again (parts already stored are not sent again), or use Resume. Abort \
    deletes the stored parts.";
pub const RESUME: &str = "Resume…";
pub const ABORT: &str = "Abort";

/// The heading of the notice shown while uploads wait for a new sign-in.
pub fn uploads_paused(why: &str) -> String {
    format!("Uploads are paused: {why}")
}

/// The upload button: "Upload", or "Upload 3 files".
pub fn upload_files(n: usize) -> String {
    if n <= 1 {
        UPLOAD.to_owned()
    } else {
        format!("Upload {} files", count(n))
    }
}

/// The progress bar of one file, for screen readers.
pub fn uploading(path: &str) -> String {
    format!("Uploading {path}")
}

/// All uploads: "2 of 5 files · 3.1 MB of 10 MB · 1.2 MB/s · about 6 s left".
pub fn overall_progress(
    done: usize,
    files: usize,
    sent: &str,
    size: &str,
    rate: Option<&str>,
    left: &str,
) -> String {
    let rate = rate.map(|r| format!(" · {r}")).unwrap_or_default();
    format!("{done} of {files} files · {sent} of {size}{rate}{left}")
}

/// Appended to the overall progress when the rate is known.
pub fn about_left(duration: &str) -> String {
    format!(" · about {duration} left")
}

/// One file: "42% · 4.2 MB of 10 MB".
pub fn item_progress(percent: u64, sent: &str, size: &str) -> String {
    format!("{percent}% · {sent} of {size}")
}

/// Appended to one file's progress: " · 1.2 MB/s · 5 s left".
pub fn rate_and_time_left(rate: &str, left: &str) -> String {
    format!(" · {rate} · {left} left")
}

/// When an unfinished upload was started.
pub fn started_at(when: &str) -> String {
    format!("started {when}")
}

/// Why a chosen file cannot resume an upload: (name, size, last modified) of the file the
/// upload was started with, and of the one chosen.
pub fn not_the_same_file(started: (&str, &str, &str), chosen: (&str, &str, &str)) -> String {
    format!(
        "this upload was started with {} ({}, last modified {}); the file chosen is {} ({}, last \
         modified {})",
        started.0, started.1, started.2, chosen.0, chosen.1, chosen.2
    )
}

// ---------------------------------------------------------------- the setup check

pub const SETUP_CHECK: &str = "Setup check";
pub const SETUP_CHECK_WHAT: &str = "Checks the way from this site through the sign-in provider \
    and AWS STS to the bucket, one step a line, and says what to fix.";
pub const DOCTOR_NOT_YET: &str = " — not checked yet";
pub const DOCTOR_CHECKING: &str = "Checking…";
pub const RUN_AGAIN: &str = "Run again";
pub const COPY_REPORT: &str = "Copy report";
pub const SIGN_IN_FOR_EVERY_CHECK: &str = "Sign in to run every check";
pub const COPIED: &str = "Copied to the clipboard.";
pub const REPORT_AS_TEXT: &str = "Report as text";
pub const DOCTOR_PASSED: &str = "passed";
pub const DOCTOR_FAILED: &str = "failed";
pub const DOCTOR_NOT_RUN: &str = "not run";

// What each line of the setup check is about.
pub const CHECK_SETTINGS: &str = "Settings";
pub const CHECK_DISCOVERY: &str = "Provider discovery document";
pub const CHECK_JWKS: &str = "Provider signing keys (JWKS)";
pub const CHECK_TOKEN_ENDPOINT: &str = "Token endpoint allows this site";
pub const CHECK_SIGNING_ALGORITHM: &str = "ID token algorithm accepted by STS";
pub const CHECK_STS: &str = "STS accepts the token for the role";
pub const CHECK_ENDPOINT: &str = "S3 endpoint and addressing style";
pub const CHECK_BUCKET_CORS: &str = "Bucket CORS allows this site";
pub const CHECK_LIST: &str = "You can list your folder";
pub const CHECK_EXPOSED_HEADERS: &str = "Bucket CORS exposes ETag and metadata";

pub const NEEDS_DISCOVERY: &str = "Needs the discovery document.";
pub const NEEDS_CREDENTIALS: &str = "Needs credentials from STS.";
pub const SIGN_IN_TO_RUN: &str = "Sign in to run this check.";

pub fn settings_read(from: &str) -> String {
    format!("Read {from}.")
}

pub fn no_home_folder(why: &str) -> String {
    format!("No home folder: {why}.")
}

/// A fix in the copied report.
pub fn report_fix(fix: &str) -> String {
    format!("Fix: {fix}")
}

/// The first line of the setup check's text report.
pub fn doctor_report_header(origin: &str, settings: &str) -> String {
    format!("Pail setup check for {origin}, settings {settings}")
}

pub fn problems_found(n: usize) -> String {
    match n {
        0 => "No problems found.".to_owned(),
        1 => "1 problem found.".to_owned(),
        n => format!("{} problems found.", count(n)),
    }
}

pub fn could_not_copy(why: &str) -> String {
    format!("Could not copy ({why}): select the report below.")
}

pub const DISMISS: &str = "Dismiss";

pub const CONTINUES_UNFINISHED: &str =
    "Continues an unfinished upload of this file: stored parts are kept.";

pub fn parts_reused(n: u32) -> String {
    format!("{n} stored parts were reused.")
}

pub fn uploaded(name: &str) -> String {
    format!("Uploaded {name}")
}

/// What resuming an upload found among the parts already stored.
pub fn continuing(kept: u32, resend: u32) -> String {
    match (kept, resend) {
        (0, 0) => "Continuing an unfinished upload: no parts were stored yet.".into(),
        (k, 0) => format!(
            "Continuing an unfinished upload: {k} stored parts match the file and are kept."
        ),
        (k, r) => format!(
            "Continuing an unfinished upload: {k} stored parts are kept, {r} did not match the \
             file and are sent again."
        ),
    }
}

pub fn part_retrying(part: u32, why: &str, wait: &str, attempt: u32, attempts: u32) -> String {
    format!("Part {part} failed ({why}); trying again in {wait} (attempt {attempt} of {attempts}).")
}

// ---------------------------------------------------------------- the setup check: findings and fixes
//
// What `crate::doctor::diagnose` says about each answer. Setting names come in as their source
// spells them (`s3_bucket` in config.json, `PAIL_S3_BUCKET` in `.env`); error codes and
// messages from the provider, STS or S3 come in as they were said.

/// Shared by every check that asks a URL: no answer at all.
pub fn doctor_nothing_answers(url: &str, detail: &str) -> String {
    format!("Nothing answers at {url} ({detail}).")
}

pub fn doctor_check_setting(name: &str, now: &str) -> String {
    format!("Check {name} (now {now}).")
}

pub fn doctor_check_both(first: &str, second: &str) -> String {
    format!("Check {first} and {second}.")
}

pub const DOCTOR_SIGN_IN_AND_RERUN: &str = "Sign in again, then run the check again.";

// ---- the discovery document

pub fn doctor_discovery_cors(url: &str, detail: &str) -> String {
    format!("{url} answered, but this site may not read the answer (CORS): {detail}")
}

pub fn doctor_discovery_cors_fix(issuer_name: &str) -> String {
    format!(
        "Providers serve their discovery document to every site, so {issuer_name} \
         is most likely not the issuer: use exactly the issuer URL the provider \
         documents (see docs/providers/)."
    )
}

pub fn doctor_discovery_unreachable_fix(issuer_name: &str, issuer: &str) -> String {
    format!(
        "Check {issuer_name} (now {issuer}): it must be the provider's issuer URL, and \
         the provider must be up and reachable from this browser."
    )
}

pub fn doctor_discovery_http(url: &str, status: u16) -> String {
    format!("{url} answered HTTP {status}, not a discovery document.")
}

pub fn doctor_discovery_http_fix(issuer_name: &str, issuer: &str) -> String {
    format!(
        "{issuer_name} (now {issuer}) is not the provider's issuer: it is the URL in \
         front of /.well-known/openid-configuration, exactly as the provider \
         documents it."
    )
}

pub fn doctor_discovery_not_json(url: &str) -> String {
    format!("{url} is not JSON, so it is not a discovery document.")
}

pub fn doctor_issuer_mismatch(named: &str, settings: &str) -> String {
    format!(
        "The document names the issuer \"{named}\", the settings say \"{settings}\"; sign-in \
         refuses a mismatch."
    )
}

pub fn doctor_issuer_mismatch_fix(issuer_name: &str, named: &str) -> String {
    format!("Set {issuer_name} to exactly \"{named}\" (a trailing slash counts).")
}

pub const DOCTOR_NO_ENDPOINTS: &str = "The document lists no token_endpoint or no jwks_uri.";
pub const DOCTOR_NO_ENDPOINTS_FIX: &str =
    "Use an OpenID Connect provider with the authorization code flow.";

/// `methods`: the provider's `code_challenge_methods_supported`, shown as a list.
pub fn doctor_no_s256(methods: &[String]) -> String {
    format!("The provider lists PKCE methods {methods:?}, without S256.")
}

pub const DOCTOR_NO_S256_FIX: &str =
    "Pail signs in with PKCE (S256); enable it for the client at the provider.";
pub const DOCTOR_PKCE_SUPPORTED: &str = "PKCE S256 supported";
pub const DOCTOR_PKCE_NOT_LISTED: &str = "PKCE methods not listed";

/// `pkce`: [`DOCTOR_PKCE_SUPPORTED`] or [`DOCTOR_PKCE_NOT_LISTED`].
pub fn doctor_discovery_found(issuer: &str, pkce: &str) -> String {
    format!("{issuer}: token endpoint and JWKS listed, {pkce}.")
}

// ---- the provider's keys

pub fn doctor_answered_http(url: &str, status: u16) -> String {
    format!("{url} answered HTTP {status}.")
}

pub const DOCTOR_JWKS_MISSING_FIX: &str = "The provider's discovery document points at a JWKS \
    that is not there; this is the provider's to fix (or the issuer setting names the wrong \
    tenant/realm).";

pub fn doctor_unreadable(url: &str, detail: &str) -> String {
    format!("{url} answered, but this site may not read it (CORS): {detail}")
}

pub const DOCTOR_JWKS_UNREADABLE_FIX: &str = "Pail verifies ID tokens with these keys in the \
    browser, so the JWKS must be readable from every origin (providers normally allow that).";

pub fn doctor_no_keys(url: &str) -> String {
    format!("{url} holds no keys.")
}

pub const DOCTOR_NO_KEYS_FIX: &str =
    "The provider publishes no signing keys; ID tokens cannot be verified.";

/// `kinds`: the keys' algorithms (or types), comma-separated.
pub fn doctor_keys_found(n: usize, kinds: &str, url: &str) -> String {
    format!("{n} key(s) ({kinds}) at {url}.")
}

// ---- the token endpoint

/// Where to allow an origin, by provider.
pub const DOCTOR_ALLOW_ORIGIN_HINT: &str = "Okta: Security → API → Trusted Origins (CORS); \
    Auth0: the application's Allowed Web Origins; Keycloak: the client's Web origins; Amazon \
    Cognito allows every origin";

pub fn doctor_token_cors(url: &str, origin: &str, detail: &str) -> String {
    format!(
        "{url} answered, but does not let this site ({origin}) read the answer (CORS), so \
         sign-in cannot finish: {detail}"
    )
}

pub fn doctor_token_cors_fix(origin: &str, client: &str) -> String {
    format!(
        "At the provider, allow the origin {origin} for client {client} \
         ({DOCTOR_ALLOW_ORIGIN_HINT})."
    )
}

pub const DOCTOR_TOKEN_UNREACHABLE_FIX: &str =
    "The discovery document's token_endpoint cannot be reached from this browser.";

/// `said`: the provider's OAuth error and its description.
pub fn doctor_wants_secret(said: &str) -> String {
    format!("The provider wants a client secret ({said}).")
}

pub fn doctor_wants_secret_fix(client: &str) -> String {
    format!(
        "Pail is a browser app and cannot keep a secret: register {client} as a public \
         client (single-page application, no secret, authorization code + PKCE). Google \
         always requires a secret: sign in through a broker (docs/providers/google.md)."
    )
}

pub fn doctor_token_refused_code(url: &str, error: &str) -> String {
    format!("{url} answers this site and refused a made-up code ({error}), as it should.")
}

pub fn doctor_not_public_client(client: &str, said: &str) -> String {
    format!("The provider does not accept {client} as a public client ({said}).")
}

pub fn doctor_not_public_client_fix(client_name: &str) -> String {
    format!(
        "Check {client_name}, and register the client at the provider as a public \
         single-page application: no secret, authorization code with PKCE."
    )
}

pub fn doctor_token_no_oauth_error(url: &str, status: u16) -> String {
    format!("{url} answered HTTP {status} without an OAuth error.")
}

pub const DOCTOR_NOT_A_TOKEN_ENDPOINT_FIX: &str = "The discovery document's token_endpoint \
    does not behave like one; check the issuer setting.";

pub fn doctor_token_answers(url: &str, said: &str) -> String {
    format!("{url} answers this site ({said}).")
}

// ---- the ID token's signing algorithm

pub const DOCTOR_ALGORITHM_FIX: &str = "Make the provider sign ID tokens with RS256 (Auth0: the \
    application's Advanced Settings → OAuth → JSON Web Token signature algorithm; Keycloak: the \
    client's Advanced → ID token signature algorithm).";

pub fn doctor_token_algorithm(alg: &str) -> String {
    format!("Your ID token is signed with {alg}.")
}

/// `accepted`: the algorithms STS accepts, comma-separated.
pub fn doctor_token_algorithm_refused(alg: &str, accepted: &str) -> String {
    format!("Your ID token is signed with {alg}; STS accepts only {accepted}.")
}

pub fn doctor_provider_algorithms_refused(offered: &str, accepted: &str) -> String {
    format!("The provider signs ID tokens only with {offered}; STS accepts only {accepted}.")
}

pub const DOCTOR_SIGN_IN_FOR_ALGORITHM: &str = "Sign in to check the algorithm of your ID token.";

pub fn doctor_sign_in_for_algorithm(offered: &str) -> String {
    format!("Sign in to check your ID token (the provider offers {offered}).")
}

// ---- STS

pub fn doctor_sts_credentials(role: &str, minutes: u64) -> String {
    format!("{role} gave credentials, valid for {minutes} min.")
}

pub fn doctor_sts_nesting_subject(role: &str, sub: &str) -> String {
    format!(
        "{role} gave credentials for the user id “{sub}”, which contains “/”: its folder would \
         lie inside another user's, and the permission policy would let it in there."
    )
}

pub fn doctor_sts_nesting_subject_fix(issuer_host: &str) -> String {
    format!(
        "Add the condition StringNotLike {{\"{issuer_host}:sub\": \"*/*\"}} to the role's \
         trust policy, as below, so STS refuses such ids; where the provider can issue them, \
         have it issue pairwise (opaque) user ids instead."
    )
}

/// `m`: STS's message.
pub fn doctor_sts_audience(aud: &str, m: &str) -> String {
    format!("STS refused the token's audience \"{aud}\" (InvalidIdentityToken: {m}).")
}

pub fn doctor_sts_audience_fix(aud: &str, iam_provider: &str, client_name: &str) -> String {
    format!(
        "Add \"{aud}\" as a client ID (audience) of the IAM OIDC provider {iam_provider}, or \
         set {client_name} to the client IAM lists."
    )
}

pub fn doctor_no_iam_provider(issuer: &str, m: &str) -> String {
    format!("IAM has no OIDC provider for {issuer} ({m}).")
}

pub const DOCTOR_NO_IAM_PROVIDER_FIX: &str = "Create the IAM OIDC identity provider for the \
    issuer, with this app's client id as its audience.";

pub fn doctor_sts_token_refused(m: &str) -> String {
    format!("STS refused the ID token (InvalidIdentityToken: {m}).")
}

pub fn doctor_sts_token_refused_fix(iam_provider: &str, issuer: &str, aud: &str) -> String {
    format!(
        "Check the IAM OIDC provider {iam_provider}: its URL must be the issuer {issuer} \
         exactly and its client IDs must include {aud}."
    )
}

pub fn doctor_trust_denied(role: &str, m: &str) -> String {
    format!(
        "{role} does not trust this token (AccessDenied: {m}); its trust policy is for \
         another provider, client or user."
    )
}

pub fn doctor_trust_denied_fix(issuer: &str, client: &str, role_name: &str) -> String {
    format!(
        "Give the role this trust policy (tokens from {issuer} for client {client}), or set \
         {role_name} to the role made for this app."
    )
}

pub fn doctor_idp_unreachable(m: &str) -> String {
    format!("AWS could not fetch the provider's keys (IDPCommunicationError: {m}).")
}

pub fn doctor_idp_unreachable_fix(issuer: &str) -> String {
    format!(
        "AWS fetches {issuer}/.well-known/openid-configuration and the JWKS from the \
         internet: the issuer must be public, over https, with a valid certificate."
    )
}

pub const DOCTOR_ID_TOKEN_EXPIRED: &str = "Your ID token has expired (ExpiredTokenException).";

pub fn doctor_session_length(m: &str) -> String {
    format!("STS refused the session length ({m}).")
}

pub fn doctor_session_length_fix(setting: &str, seconds: u64) -> String {
    format!(
        "Lower {setting} (now {seconds} s) to at most the role's maximum session duration, or \
         raise that: aws iam update-role --role-name <name> --max-session-duration <seconds>."
    )
}

pub fn doctor_sts_invalid(m: &str) -> String {
    format!("STS refused the request (ValidationError: {m}).")
}

pub fn doctor_sts_unreadable(endpoint: &str, detail: &str) -> String {
    format!("STS at {endpoint} answered, but this site may not read it (CORS): {detail}")
}

pub fn doctor_sts_endpoint_fix(setting: &str) -> String {
    format!("Check {setting} (leave it empty for AWS, whose STS allows every site).")
}

pub fn doctor_sts_unavailable(code: &str) -> String {
    format!("STS is not answering right now ({code}), also after retries.")
}

pub const DOCTOR_STS_UNAVAILABLE_FIX: &str =
    "Nothing in the setup is known to be wrong: run the check again in a minute.";

pub fn doctor_sts_other(m: &str) -> String {
    format!("STS answered with an error: {m}.")
}

// ---- the S3 endpoint

pub const DOCTOR_PATH_STYLE: &str = "path-style";
pub const DOCTOR_VIRTUAL_HOSTED: &str = "virtual-hosted";

pub fn doctor_virtual_hosted_ip(url: &str, host: &str) -> String {
    format!(
        "Virtual-hosted addressing puts the bucket in the host name ({url}), which cannot \
         work with the endpoint {host}."
    )
}

pub fn doctor_path_style_fix(path_style: &str) -> String {
    format!("Set {path_style} to true for this endpoint.")
}

pub fn doctor_bucket_dots(url: &str, region: &str) -> String {
    format!(
        "The bucket name has dots, so {url} does not match S3's TLS certificate \
         (*.s3.{region}.amazonaws.com)."
    )
}

pub fn doctor_bucket_dots_fix(path_style: &str) -> String {
    format!("Use a bucket name without dots, or set {path_style} to true.")
}

pub fn doctor_endpoint_fix(endpoint: &str, region: &str, path_style: &str) -> String {
    format!("Check {endpoint} and {region} (and {path_style} for S3-compatible stores).")
}

/// `style`: [`DOCTOR_PATH_STYLE`] or [`DOCTOR_VIRTUAL_HOSTED`].
pub fn doctor_bucket_answers(url: &str, style: &str) -> String {
    format!("{url} answers ({style}).")
}

// ---- the bucket's CORS rules

pub const DOCTOR_BUCKET_SILENT: &str =
    "The bucket's URL does not answer (see the S3 endpoint line).";

/// `methods`: the HTTP methods probed, comma-separated.
pub fn doctor_cors_allows(bucket: &str, origin: &str, methods: &str) -> String {
    format!("{bucket} allows {origin} for {methods} with the AWS SDK's headers.")
}

pub fn doctor_cors_refuses_origin(bucket: &str, origin: &str) -> String {
    format!(
        "{bucket}'s CORS rules do not allow this site ({origin}) at all, so the browser hides \
         every answer from S3."
    )
}

pub fn doctor_cors_refuses_headers(bucket: &str, origin: &str) -> String {
    format!(
        "{bucket}'s CORS rules allow {origin} but not the headers the AWS SDK sends \
         (authorization, x-amz-*, amz-sdk-*)."
    )
}

pub fn doctor_cors_refuses_methods(bucket: &str, methods: &str, origin: &str) -> String {
    format!("{bucket}'s CORS rules refuse {methods} from {origin}.")
}

pub fn doctor_cors_fix(bucket: &str) -> String {
    format!(
        "Give the bucket these CORS rules (AllowedHeaders \"*\"; methods GET, PUT, POST, \
         DELETE, HEAD): aws s3api put-bucket-cors --bucket {bucket} --cors-configuration \
         file://cors.json"
    )
}

// ---- listing and the test object

pub fn doctor_entries(n: usize, home: &str, bucket: &str) -> String {
    format!("{n} entries in {home} of {bucket}.")
}

pub fn doctor_may_not_list(role: &str, home: &str, bucket: &str) -> String {
    format!("{role} may not list {home} in {bucket} (AccessDenied).")
}

pub const DOCTOR_LIST_POLICY_FIX: &str = "The role's permission policy must allow \
    s3:ListBucket on the bucket for the user's own prefix (condition s3:prefix); this is the \
    policy the app needs:";

/// What was being done when an S3 request failed (the start of a finding).
pub fn doctor_listing(home: &str) -> String {
    format!("listing {home}")
}

pub fn doctor_writing(key: &str) -> String {
    format!("writing the test object {key}")
}

pub fn doctor_reading(key: &str) -> String {
    format!("reading {key}")
}

pub fn doctor_deleting(key: &str) -> String {
    format!("deleting {key}")
}

/// What the role may not do with the test object, for [`doctor_may_not`].
pub const DOCTOR_WRITE: &str = "write";
pub const DOCTOR_READ: &str = "read";
pub const DOCTOR_DELETE: &str = "delete";

/// `action`: [`DOCTOR_WRITE`], [`DOCTOR_READ`] or [`DOCTOR_DELETE`].
pub fn doctor_may_not(role: &str, action: &str, key: &str) -> String {
    format!("{role} may not {action} {key} in your own folder (AccessDenied).")
}

pub const DOCTOR_OBJECT_POLICY_FIX: &str = "The role's permission policy must allow \
    s3:GetObject, s3:PutObject and s3:DeleteObject in the user's own prefix; this is the policy \
    the app needs:";

pub const DOCTOR_NOT_WRITTEN: &str = "The test object was not written.";

/// `hidden`: the headers S3's CORS rules keep from the page.
pub fn doctor_headers_hidden(hidden: &[String]) -> String {
    format!(
        "The browser cannot read {} from S3's answers: the bucket's CORS rules do not expose \
         {}.",
        hidden.join(", "),
        if hidden.len() == 1 { "it" } else { "them" }
    )
}

pub fn doctor_headers_hidden_fix(bucket: &str) -> String {
    format!(
        "List each header in ExposeHeaders of the bucket's CORS rule (S3 takes no wildcards \
         there). Without ETag, multipart uploads cannot complete; without x-amz-meta-*, \
         descriptions do not show. aws s3api put-bucket-cors --bucket {bucket} \
         --cors-configuration file://cors.json"
    )
}

/// `exposed`: the headers read, comma-separated.
pub fn doctor_headers_readable(exposed: &str) -> String {
    format!("{exposed} readable (a test object was written, read with HEAD and deleted).")
}

/// The test object's contents (seen only if deleting it failed).
pub fn doctor_probe_body(at_unix_seconds: u64) -> String {
    format!("Written and deleted by Pail's setup check at {at_unix_seconds}.\n")
}

// ---- a failed S3 request

pub fn doctor_no_bucket(bucket: &str) -> String {
    format!("There is no bucket {bucket} (NoSuchBucket).")
}

pub fn doctor_unknown_credentials(code: &str) -> String {
    format!("S3 does not know the credentials STS issued ({code}).")
}

pub fn doctor_unknown_credentials_fix(sts_endpoint: &str, s3_endpoint: &str) -> String {
    format!(
        "{sts_endpoint} and {s3_endpoint} must belong to the same service (both AWS, or both \
         your S3-compatible store)."
    )
}

pub fn doctor_bad_signature(code: &str) -> String {
    format!("S3 refused the request's signature ({code}).")
}

pub fn doctor_region_fix(region_name: &str, region: &str) -> String {
    format!("{region_name} (now {region}) must be the bucket's region.")
}

pub const DOCTOR_SESSION_EXPIRED: &str = "The AWS session has expired (ExpiredToken).";
pub const DOCTOR_CLOCK_SKEW: &str = "S3 refused the request because this device's clock is more \
    than 15 minutes off (RequestTimeTooSkewed), and the Date header that would correct it is \
    hidden by CORS.";
pub const DOCTOR_CLOCK_SKEW_FIX: &str = "Set the device's clock to update automatically, and add \
    Date to the bucket's CORS ExposeHeaders.";

/// `what`: what was being done ([`doctor_listing`], [`doctor_writing`], …).
pub fn doctor_s3_unreadable(what: &str, endpoint: &str, detail: &str) -> String {
    format!("{what}: S3 at {endpoint} answered, but the browser hid the answer (CORS): {detail}")
}

pub const DOCTOR_SEE_BUCKET_CORS: &str =
    "See the bucket CORS line: the bucket's CORS rules must allow this site.";

pub fn doctor_s3_unreachable(what: &str, endpoint: &str, detail: &str) -> String {
    format!("{what}: nothing answers at {endpoint} ({detail}).")
}

pub const DOCTOR_SEE_ENDPOINT: &str = "See the S3 endpoint line.";

pub fn doctor_bucket_elsewhere(code: &str, message: &str) -> String {
    format!("S3 says the bucket is elsewhere ({code}: {message}).")
}

pub fn doctor_bucket_elsewhere_fix(region_name: &str, path_style: &str) -> String {
    format!("Set {region_name} to the bucket's region, and check {path_style}.")
}

pub fn doctor_s3_no_credentials(what: &str, why: &str) -> String {
    format!("{what}: no AWS credentials ({why}).")
}

pub const DOCTOR_SEE_STS: &str = "See the STS line.";

pub fn doctor_s3_failed(what: &str, why: &str) -> String {
    format!("{what} failed: {why}.")
}

// ---------------------------------------------------------------- the settings-error page

pub const NOT_CONFIGURED: &str = "This app is not configured correctly";
pub const SETTINGS_EXPLAINED: &str =
    "Every setting is explained in the README (\u{201c}Configure it\u{201d}).";
pub const SETTINGS_FILE: &str = "The settings file ";
pub const SETTINGS_MUST_BE: &str =
    "Whoever deployed this app needs to fix it: it must be a JSON object of settings like ";
pub const SERVED_BESIDE: &str = ", served beside ";
pub const PUT_A: &str = "Whoever deployed it needs to put a ";
pub const AT: &str = " at ";
pub const START_FROM: &str = " (start from ";
pub const AND_RELOAD: &str = "and reload the page";
pub const AND_REBUILD: &str = "and rebuild";
pub const SETTING: &str = "Setting";
pub const PROBLEM: &str = "Problem";
pub const MEANING: &str = "Meaning";

pub fn cannot_be_used(problem: &str) -> String {
    format!(" cannot be used: {problem}.")
}

pub fn no_settings(why: &str) -> String {
    format!("This app has no settings: {why}, and none were built in.")
}

pub fn not_a_setting(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("not a setting; did you mean {s}?"),
        None => "not a setting".to_owned(),
    }
}

pub fn settings_come(from: &str) -> String {
    format!("The settings come {from}. Whoever deployed the app needs to fix these in ")
}

// ---------------------------------------------------------------- settings: meanings and problems

pub const SETTING_OIDC_ISSUER: &str = "Issuer URL of the OpenID provider";
pub const SETTING_OIDC_CLIENT_ID: &str = "Client id of this app at the provider";
pub const SETTING_OIDC_REDIRECT_URI: &str = "Where the provider sends the user back";
pub const SETTING_OIDC_POST_LOGOUT_REDIRECT_URI: &str = "Where sign-out returns to";
pub const SETTING_OIDC_SCOPES: &str = "Space-separated scopes (must include openid)";
pub const SETTING_AWS_REGION: &str = "AWS region of the bucket and of STS";
pub const SETTING_ROLE_ARN: &str =
    "IAM role assumed with the ID token; {sub} in its name gives each user a role of their own";
pub const SETTING_SESSION_DURATION_SECONDS: &str = "Lifetime of the STS credentials";
pub const SETTING_STS_ENDPOINT: &str = "Custom STS endpoint (S3-compatible stores, tests)";
pub const SETTING_S3_BUCKET: &str = "Bucket holding the users' files";
pub const SETTING_S3_ENDPOINT: &str = "Custom S3 endpoint (S3-compatible stores, tests)";
pub const SETTING_S3_FORCE_PATH_STYLE: &str = "true to address the bucket in the path";
pub const SETTING_PREFIX_TEMPLATE: &str = "Each user's home prefix; {sub} is their id";
pub const SETTING_METADATA_KEYS: &str =
    "x-amz-meta-* keys in use; the bucket's CORS must expose each";
pub const HINT_OIDC_ISSUER: &str = "e.g. https://login.example.com";
pub const HINT_OIDC_CLIENT_ID: &str = "the id of this app's public client";
pub const HINT_AWS_REGION: &str = "e.g. eu-west-1";
pub const HINT_ROLE_ARN: &str = "e.g. arn:aws:iam::123456789012:role/files";
pub const HINT_S3_BUCKET: &str = "the bucket's name, e.g. acme-user-files";
pub const SCOPES_NEED_OPENID: &str = "must include openid";
pub const SETTINGS_NOT_AN_OBJECT: &str =
    r#"it must be a JSON object, e.g. {"oidc_issuer": "https://…", …}"#;
pub const SETTING_VALUE_KINDS: &str = "must be a string, a number, true/false or a list";

/// Where the settings came from: `config.json` at `url`…
pub fn settings_from(url: &str) -> String {
    format!("from {url}")
}

/// …or the build's `.env`, and why not `config.json`.
pub fn settings_built_in(why: &str) -> String {
    format!("built into this build from .env ({why})")
}

pub fn settings_not_fetched(detail: &str) -> String {
    format!("it could not be fetched ({detail})")
}

pub fn settings_not_found(file: &str, url: &str) -> String {
    format!("no {file} at {url} (HTTP 404)")
}

pub fn settings_web_page(url: &str) -> String {
    format!("{url} answered with a web page, the host's fallback for unknown paths")
}

pub fn settings_http_status(status: u16) -> String {
    format!("the host answered HTTP {status} instead of the file")
}

pub fn settings_not_json(why: &str) -> String {
    format!("it is not valid JSON ({why})")
}

pub fn list_of_strings_only(other: &str) -> String {
    format!("the list may hold only strings, not {other}")
}
pub const PREFIX_NEEDS_SUB: &str =
    "must contain {sub}, so that each user gets a prefix of their own";
pub const PREFIX_LEADING_SLASH: &str = "must not start with '/' (S3 keys have no leading slash)";
pub const PREFIX_TRAILING_SLASH: &str = "must end with '/', e.g. users/{sub}/";
pub const PREFIX_UNKNOWN_PLACEHOLDER: &str = "only the placeholder {sub} is known";

/// A setting's value, quoted, and what is wrong with it.
pub fn quoted_problem(value: &str, problem: &str) -> String {
    format!("'{value}' {problem}")
}

/// A required setting that is missing, with a hint of what it looks like.
pub fn not_set(hint: &str) -> String {
    format!("is not set ({hint})")
}

pub fn not_a_url(value: &str, why: &str) -> String {
    format!("'{value}' is not a URL ({why})")
}

pub fn not_a_url_write_ascii(value: &str, why: &str) -> String {
    format!(
        "'{value}' is not a URL ({why}); write a non-ASCII host name in its ASCII form \
         (punycode, e.g. xn--bcher-kva.example for bücher.example)"
    )
}

pub fn needs_https(value: &str) -> String {
    format!("'{value}' must use https (plain http is only allowed on loopback)")
}

pub fn wrong_scheme(value: &str, scheme: &str) -> String {
    format!("'{value}' has scheme '{scheme}'; use https")
}

pub fn not_a_region(value: &str) -> String {
    format!("'{value}' is not a region name (lowercase letters, digits and '-')")
}

pub fn not_a_role_arn(value: &str) -> String {
    format!(
        "'{value}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>; Ceph RGW's \
         arn:aws:iam:::role/<name> or arn:aws:iam::<tenant>:role/<name>; MinIO's \
         arn:minio:iam:::role/<id>)"
    )
}

pub fn bad_session_duration(value: &str, min: u64, max: u64) -> String {
    format!(
        "'{value}' must be a whole number of seconds from {min} to {max} (AWS accepts 900 and \
         up, within the role's maximum)"
    )
}

pub fn not_a_bool(value: &str) -> String {
    format!("'{value}' must be true or false")
}

pub fn bad_metadata_key(key: &str) -> String {
    format!("'{key}' may use only letters, digits, '-' and '_' (names as in x-amz-meta-<name>)")
}

pub fn metadata_keys_need(value: &str, key: &str) -> String {
    format!("'{value}' must include {key}, where the app stores an upload's description")
}

pub fn bucket_length(name: &str) -> String {
    format!("'{name}' must be 3 to 63 characters long")
}

pub fn bucket_characters(name: &str) -> String {
    format!("'{name}' may use only lowercase letters, digits, '.' and '-'")
}

pub fn bucket_edges(name: &str) -> String {
    format!("'{name}' must start and end with a letter or digit")
}

pub fn bucket_dots(name: &str) -> String {
    format!("'{name}' must not contain '..'")
}

// ---------------------------------------------------------------- errors: what happened, what to do

pub const CONFIG_BROKEN: &str = "This app is not configured correctly.";
pub const CONFIG_BROKEN_ACTION: &str = "Ask whoever deployed it to fix the settings listed below.";

pub(crate) fn explain_auth(e: &AuthError) -> Explanation {
    use AuthError as A;
    match e {
        A::ProviderUnreachable { issuer, detail } => Explanation::new(
            format!("The sign-in service at {issuer} cannot be reached."),
            "Check your connection and try again. If it keeps failing, the identity provider \
             may be down, or it does not allow this site (CORS) — tell your administrator.",
        )
        .detail(detail.clone())
        .check_setup(),
        A::DiscoveryInvalid { issuer, detail } => Explanation::new(
            format!("The sign-in service at {issuer} is not set up as this app expects."),
            "Tell your administrator: the issuer URL in the settings must match the provider's \
             discovery document exactly.",
        )
        .detail(detail.clone())
        .check_setup(),
        A::NoPendingLogin => Explanation::new(
            "This sign-in link has already been used or belongs to another tab.",
            "Sign in again from this tab.",
        )
        .sign_in_again(),
        A::SignedOutElsewhere => Explanation::new(
            "You signed out in another tab, so this one is signed out too.",
            "Sign in again to go on.",
        )
        .sign_in_again(),
        A::StateMismatch => Explanation::new(
            "The sign-in response did not match the sign-in you started, so it was refused.",
            "Sign in again. If this keeps happening, someone may be trying to sign you in to \
             their account.",
        )
        .sign_in_again(),
        A::IssuerMismatch { expected, got } => Explanation::new(
            "The sign-in response came from a different identity provider, so it was refused.",
            "Sign in again.",
        )
        .detail(format!("expected {expected}, got {got}"))
        .sign_in_again(),
        A::Refused { error, description } => {
            let title = if error == "access_denied" {
                "Sign-in was cancelled or refused by the identity provider."
            } else {
                "The identity provider could not sign you in."
            };
            Explanation::new(title, "Try again, or ask your administrator for access.")
                .detail(match description {
                    Some(d) => format!("{error}: {d}"),
                    None => error.clone(),
                })
                .sign_in_again()
        }
        A::LoginRequired => Explanation::new(
            "Your session with the identity provider has ended.",
            "Sign in again to continue.",
        )
        .sign_in_again(),
        A::TokenRefused { detail } => Explanation::new(
            "The identity provider did not complete the sign-in.",
            "Sign in again. The sign-in code may have expired or been used already.",
        )
        .detail(detail.clone())
        .sign_in_again(),
        A::TokenEndpointUnreachable { detail } => Explanation::new(
            "The identity provider could not be reached to finish signing in.",
            "Check your connection and sign in again. If it persists, the provider may not \
             allow this site's origin (CORS) — tell your administrator.",
        )
        .detail(detail.clone())
        .sign_in_again()
        .check_setup(),
        A::NoIdToken => Explanation::new(
            "The identity provider did not send an ID token.",
            "Tell your administrator: the client must be an OpenID Connect client with the \
             openid scope.",
        )
        .check_setup(),
        A::IdTokenRejected { reason } => Explanation::new(
            "The sign-in was refused because its ID token is not valid.",
            "Sign in again. If this keeps happening, tell your administrator — the token may \
             have been tampered with, or the client settings do not match.",
        )
        .detail(format!("The ID token was rejected: {reason}."))
        .sign_in_again(),
        A::SessionExpired => {
            Explanation::new("Your sign-in has expired.", "Sign in again to continue.")
                .sign_in_again()
        }
        A::NoRefreshToken => Explanation::new(
            "The identity provider gave this sign-in no way to renew itself (no refresh token).",
            "Sign in again before the sign-in ends; your place is kept.",
        )
        .sign_in_again(),
        A::SilentRenewalTimedOut => Explanation::new(
            "The identity provider did not renew your sign-in in the background.",
            "Sign in again in a small window; this page and its uploads stay as they are. \
             Browsers that block the provider's cookies inside other sites need this.",
        )
        .sign_in_again(),
    }
}

pub(crate) fn explain_credentials(e: &CredentialsError) -> Explanation {
    use CredentialsError as C;
    match e {
        C::InvalidIdentityToken(m) => Explanation::new(
            "AWS did not accept your sign-in (InvalidIdentityToken).",
            "Sign in again. If it keeps failing, tell your administrator: the IAM OIDC provider \
             must name this issuer and list this app's client id as an audience.",
        )
        .detail(m.clone())
        .sign_in_again()
        .check_setup(),
        C::IdTokenExpired => Explanation::new(
            "Your sign-in has expired (ExpiredToken), so AWS will not issue new credentials.",
            "Sign in again; your place is kept.",
        )
        .sign_in_again(),
        C::TrustPolicyDenied(m) => Explanation::new(
            "Your account is not allowed to use this storage (AccessDenied from STS).",
            "Ask your administrator to allow you in the role's trust policy.",
        )
        .detail(m.clone())
        .check_setup(),
        C::IdpUnreachable(m) => Explanation::new(
            "AWS could not reach the identity provider to check your sign-in.",
            "Try again in a minute. If it persists, tell your administrator.",
        )
        .detail(m.clone())
        .check_setup(),
        C::Invalid(m) => Explanation::new(
            "AWS refused the request for credentials.",
            "Tell your administrator: a setting (role ARN or session duration) is not accepted.",
        )
        .detail(m.clone())
        .check_setup(),
        C::Unreachable { endpoint, detail } => Explanation::new(
            format!("AWS STS at {endpoint} cannot be reached."),
            "Check your connection and try again. If it keeps failing, the STS endpoint \
             setting may be wrong or not allow this site (CORS).",
        )
        .detail(detail.clone())
        .check_setup(),
        C::Unavailable { code } => Explanation::new(
            format!("AWS STS is not answering right now ({code}), also when asked again."),
            "Nothing was changed and you are still signed in. Try again in a minute; the \
             credentials you have keep working until they expire.",
        ),
        C::Other(m) => Explanation::new(
            "AWS credentials could not be obtained.",
            "Try again. If it keeps failing, tell your administrator.",
        )
        .detail(m.clone()),
        C::SignedOut => {
            Explanation::new("You are signed out.", "Sign in to continue.").sign_in_again()
        }
    }
}

pub(crate) fn explain_storage(e: &StorageError) -> Explanation {
    use StorageError as S;
    match e {
        S::AccessDenied { target } => Explanation::new(
            format!("Access denied: you do not have permission for “{target}”."),
            "You can only open files in your own folder. If this is your file, ask your \
             administrator to check the role's permission policy.",
        ),
        S::NoSuchKey { key } => Explanation::new(
            format!("“{key}” does not exist (NoSuchKey)."),
            "It may have been deleted or renamed. Refresh the list.",
        ),
        S::NoSuchUpload { key } => Explanation::new(
            format!("The unfinished upload of “{key}” no longer exists in S3 (NoSuchUpload)."),
            "It was completed or cancelled elsewhere. Upload the file again to start over.",
        ),
        S::NoSuchBucket { bucket } => Explanation::new(
            format!("The bucket “{bucket}” does not exist."),
            "Tell your administrator: the bucket setting is wrong.",
        )
        .check_setup(),
        S::ExpiredToken => Explanation::new(
            "Your AWS session has expired (ExpiredToken).",
            "Sign in again; your place is kept.",
        )
        .sign_in_again(),
        S::BadCredentials { code } => Explanation::new(
            format!("S3 did not accept this session's credentials ({code})."),
            "Sign in again. If it persists, the region or S3 endpoint setting may be wrong.",
        )
        .sign_in_again()
        .check_setup(),
        S::ClockSkew => Explanation::new(
            "Your device's clock is more than 15 minutes off, so AWS refused the request \
             (RequestTimeTooSkewed), and Pail could not correct for it: it reads AWS's time from \
             the Date header, which the bucket's CORS rules do not let it see.",
            "Set your device's clock to update automatically, then try again. Administrators: \
             add Date to the bucket's CORS ExposeHeaders.",
        )
        .check_setup(),
        S::Credentials(c) => explain_credentials(c),
        S::Unreachable { endpoint, detail } => Explanation::new(
            format!("S3 at {endpoint} cannot be reached."),
            "Check your connection and try again. If it keeps failing, the bucket's CORS rules \
             may not allow this site — tell your administrator.",
        )
        .detail(detail.clone())
        .check_setup(),
        S::Key(k @ KeyError::DotSegment(_)) => Explanation::new(
            format!("{k}."),
            "Upload it under another name. An object that already has such a key (made with \
             another tool) can only be renamed or downloaded with another tool, such as the AWS \
             CLI.",
        ),
        S::Key(KeyError::UnsafeSubject(sub)) => Explanation::new(
            if sub.contains('/') {
                format!(
                    "Pail cannot give you a folder of your own: your user id “{sub}” contains \
                     “/”, so its folder would lie inside someone else's."
                )
            } else {
                format!("Pail cannot give you a folder of your own: your user id is “{sub}”.")
            },
            "Nothing was opened. Tell your administrator: the sign-in service must give user \
             ids without “/”.",
        )
        .check_setup(),
        S::Rename(e) => Explanation::new(
            format!("The file was not moved: {e}."),
            "Choose another name; nothing was changed.",
        ),
        S::Key(k) => Explanation::new(
            format!("That name cannot be used: {k}."),
            "Choose another name.",
        ),
        S::Edit(e @ EditError::NoEtag) => Explanation::new(
            format!(
                "The metadata was not saved: {e}, so Pail could not make sure nobody changed \
                 the file meanwhile."
            ),
            "Administrators: add ETag to the bucket's CORS ExposeHeaders.",
        )
        .check_setup(),
        S::Edit(e @ EditError::NotReadable { .. }) => Explanation::new(
            format!("The metadata was not saved: {e}."),
            "Use one of those names. Administrators can add a name to the app's metadata_keys \
             setting and to the bucket's CORS ExposeHeaders (as x-amz-meta-<name>).",
        ),
        S::Edit(e) => Explanation::new(
            format!("The metadata was not saved: {e}."),
            "Correct the entries and save again; nothing was changed.",
        ),
        S::Changed { key } => Explanation::new(
            format!(
                "“{key}” was changed by someone else since you opened it, so your edit was \
                 not saved (PreconditionFailed: its ETag no longer matches)."
            ),
            "Nothing was overwritten. Close the details and open them again to see the current \
             version, then make your change again.",
        ),
        S::Exists { key } => Explanation::new(
            format!(
                "“{}” was created in this folder by someone else while yours was uploading, so \
                 it was not replaced.",
                crate::storage::keys::file_name(key)
            ),
            "Nothing was lost. Choose Retry to replace it, keep both, or skip yours.",
        ),
        S::PreconditionFailed { key } => Explanation::new(
            format!(
                "S3 did not change “{key}”: it is no longer as it was when read \
                 (PreconditionFailed)."
            ),
            "Refresh the list and try again.",
        ),
        S::Other {
            status,
            code,
            message,
        } => Explanation::new(
            if *status >= 500 {
                format!("S3 could not answer ({code}), also when asked again.")
            } else {
                format!("S3 refused the request ({code}).")
            },
            if *status >= 500 {
                "S3 is busy or had a problem; nothing was changed by the failed request — try again in a moment."
            } else {
                "Try again. If it keeps failing, tell your administrator."
            },
        )
        .detail(format!("HTTP {status}: {message}")),
    }
}

pub(crate) fn explain_upload(e: &UploadError) -> Explanation {
    match e {
        UploadError::Storage(s) => explain_storage(s),
        UploadError::EtagHidden {
            part,
            bucket,
            origin,
        } => Explanation::new(
            format!(
                "The upload cannot be finished: the CORS rules of bucket “{bucket}” do not expose \
                 the ETag header, so the browser hides it from this app (part {part} was stored, \
                 but S3 needs each part's ETag to assemble the file)."
            ),
            "Ask the bucket's administrator to add \"ETag\" to ExposeHeaders in the bucket's CORS \
             configuration, as in the rule below; then choose Retry. Until then, Cancel removes \
             the stored parts.",
        )
        .detail(format!(
            "aws s3api put-bucket-cors --bucket {bucket} --cors-configuration \
             '{{\"CORSRules\": {}}}'\n\nCORS rule:\n{}",
            cors_rule(origin).replace(['\n', ' '], ""),
            cors_rule(origin)
        )),
        UploadError::Unreadable(detail) => Explanation::new(
            "The file could not be read: it may have been changed, moved or deleted since it was \
             chosen.",
            "Choose the file again. A file that is still being written cannot be uploaded.",
        )
        .detail(detail.clone()),
        UploadError::Plan(PlanError::TooLarge { .. }) => Explanation::new(
            "The file is too large: S3 stores objects of up to 5 TiB.",
            "Split the file, or store it elsewhere.",
        ),
        UploadError::Plan(p) => Explanation::new(
            "The file cannot be cut into parts S3 accepts.",
            "Upload it again from the start.",
        )
        .detail(p.to_string()),
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
        assert_eq!(downloads_started(1, 0), "Started 1 download");
        assert_eq!(
            downloads_started(1200, 2),
            "Started 1,200 downloads; 2 folders skipped (download the files inside instead)"
        );
        assert_eq!(
            confirm_delete_body(2, 1),
            "This deletes 2 files and 1 folder with everything in it. It cannot be undone."
        );
    }
}
