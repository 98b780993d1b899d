//! The details panel's version list, for a bucket that keeps versions: every version of the
//! object newest first (the current one marked, delete markers shown as such), each one
//! downloadable, and any earlier one restorable as the current version.

use leptos::prelude::*;

use super::ErrorNotice;
use crate::error::AppError;
use crate::format;
use crate::platform::browser;
use crate::storage::Storage;
use crate::storage::versions::Version;
use crate::text;
use crate::ui::toast::use_toaster;

/// The versions of `key`.
#[component]
pub fn ObjectVersions(
    /// Where the object is.
    storage: Storage,
    /// The object.
    key: String,
    /// Called after a version was restored (the panel reads the object again).
    on_restored: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let storage = StoredValue::new(storage);
    let key = StoredValue::new(key);
    let versions = LocalResource::new(move || async move {
        storage
            .get_value()
            .versions(&key.get_value())
            .await
            .map_err(AppError::from)
    });
    let download = Action::new_local(move |version_id: &String| {
        let version_id = version_id.clone();
        let (storage, key) = (storage.get_value(), key.get_value());
        async move { super::download_selected::download_one(&storage, &key, Some(&version_id)).await }
    });
    let restore = Action::new_local(move |(version, when): &(Version, String)| {
        let (version, when) = (version.clone(), when.clone());
        let (storage, key) = (storage.get_value(), key.get_value());
        async move {
            storage.restore_version(&key, &version).await?;
            toaster.success(text::restored(&when));
            on_restored.try_run(());
            Ok::<(), AppError>(())
        }
    });

    let list = move || {
        versions.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(list) if list.len() < 2 => {
                view! { <p class="muted small">{text::NO_OTHER_VERSIONS}</p> }.into_any()
            }
            Ok(list) => view! {
                <ol class="versions">
                    {list.into_iter().map(|v| {
                        let when = v.last_modified_ms.map(browser::local_datetime).unwrap_or_default();
                        let id = v.version_id.clone();
                        let what = if v.delete_marker {
                            text::DELETE_MARKER.to_owned()
                        } else {
                            v.size.map(format::bytes).unwrap_or_default()
                        };
                        let can_download = !v.delete_marker;
                        let can_restore = !v.delete_marker && !v.latest;
                        let for_restore = (v.clone(), when.clone());
                        let label = text::download_version(&when);
                        view! {
                            <li data-version=id.clone() class:version-current=v.latest>
                                <span class="version-when">{when.clone()}</span>
                                " "
                                <span class="muted small">{what}</span>
                                {v.latest.then(|| view! { " " <span class="badge">{text::CURRENT_VERSION}</span> })}
                                <span class="version-actions">
                                    {can_download.then(|| {
                                        let id = id.clone();
                                        view! {
                                            <button class="button" aria-label=label
                                                on:click=move |_| { download.dispatch_local(id.clone()); }>
                                                {text::DOWNLOAD}
                                            </button>
                                        }
                                    })}
                                    {can_restore.then(|| view! {
                                        <button class="button" disabled=move || restore.pending().get()
                                            on:click=move |_| {
                                                let confirmed = window()
                                                    .confirm_with_message(&text::confirm_restore(&for_restore.1))
                                                    .unwrap_or(false);
                                                if confirmed {
                                                    restore.dispatch_local(for_restore.clone());
                                                }
                                            }>
                                            {text::RESTORE}
                                        </button>
                                    })}
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
            .into_any(),
        })
    };

    view! {
        <section class="versions-section" aria-label=text::VERSIONS_LABEL>
            <h3>{text::VERSIONS}</h3>
            <Transition fallback=|| view! { <p class="muted small">{text::LOADING_VERSIONS}</p> }>{list}</Transition>
            {move || download.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
            {move || restore.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}
