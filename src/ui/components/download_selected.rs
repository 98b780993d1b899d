//! "Download selected": each selected file through its own presigned link, started one after
//! another, straight from S3 to the browser's downloads.

use std::collections::HashSet;
use std::time::Duration;

use leptos::prelude::*;

use crate::error::AppError;
use crate::platform::{browser, clock};
use crate::storage::Storage;
use crate::text;
use crate::ui::toast::use_toaster;

/// Downloads `key` (or one version of it) through a presigned link, straight from S3 to the
/// browser's downloads under its own name.
pub(super) async fn download_one(
    storage: &Storage,
    key: &str,
    version_id: Option<&str>,
) -> Result<(), AppError> {
    let url = storage.download_url(key, version_id).await?;
    browser::start_download(&url).map_err(|detail| {
        AppError::from(crate::storage::StorageError::Other {
            status: 0,
            code: "DownloadNotStarted".into(),
            message: detail,
        })
    })
}

/// Between two downloads. A page that starts a navigation while the previous one has not had
/// its answer yet cancels the previous one, and a download is such a navigation.
const SPACING: Duration = Duration::from_millis(800);

/// The toolbar button for the files among the selected rows (folders are left out and counted).
#[component]
pub fn DownloadSelected(
    /// Where the files are.
    storage: Storage,
    /// The selected rows' keys (a folder's ends with `/`).
    chosen: RwSignal<HashSet<String>>,
) -> impl IntoView {
    let toaster = use_toaster();
    let storage = StoredValue::new(storage);
    let files = move || chosen.with(|c| c.iter().filter(|k| !k.ends_with('/')).count());
    let download = Action::new_local(move |(): &()| {
        let (mut keys, folders): (Vec<String>, usize) = chosen.with_untracked(|c| {
            (
                c.iter().filter(|k| !k.ends_with('/')).cloned().collect(),
                c.iter().filter(|k| k.ends_with('/')).count(),
            )
        });
        keys.sort();
        // Taken now: the button goes away if the selection is cleared meanwhile.
        let storage = storage.get_value();
        async move {
            let mut started = 0;
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    clock::timeout(SPACING).await;
                }
                // Presigned just before it goes, so renewed credentials are picked up.
                match storage.download_url(key, None).await {
                    Ok(url) if browser::start_download(&url).is_ok() => started += 1,
                    Ok(_) => {}
                    Err(e) => toaster.error(&AppError::from(e)),
                }
            }
            toaster.success(text::downloads_started(started, folders));
        }
    });
    view! {
        <Show when=move || { files() > 0 }>
            <button
                class="button"
                title=text::DOWNLOADS_ALLOW
                disabled=move || download.pending().get()
                on:click=move |_| { download.dispatch_local(()); }
            >
                {move || text::download_selected(files())}
            </button>
        </Show>
    }
}
