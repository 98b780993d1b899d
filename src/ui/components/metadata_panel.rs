use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use super::{ErrorNotice, MetadataEditor, ObjectVersions, PreviewPanel};
use crate::error::AppError;
use crate::format;
use crate::platform::browser;
use crate::routes::files_href;
use crate::storage::versions::is_versioned;
use crate::storage::{ObjectMetadata, keys};
use crate::text;
use crate::ui::session::{Account, use_session};
use crate::ui::toast::use_toaster;

/// The selected object's details from HeadObject: system headers and every user metadata
/// entry (`x-amz-meta-*`), with download and delete.
#[component]
pub fn MetadataPanel(
    /// The signed-in account.
    account: Arc<Account>,
    /// The object.
    key: String,
    /// The folder shown beside the panel (closing returns to it).
    folder: Memo<String>,
    /// Called after the object is deleted.
    on_deleted: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let navigate = use_navigate();
    let navigate_after_rename = navigate.clone();
    let key_for_rename = key.clone();
    let home = account.storage.home().to_owned();
    let close = move || {
        navigate(
            &files_href(Some(&folder.get_untracked()), None),
            NavigateOptions::default(),
        );
    };
    // Keyboard: Escape closes the panel from anywhere; opening it moves focus to its heading
    // so keyboard and screen-reader users land where the new content is.
    let escape = window_event_listener(leptos::ev::keydown, {
        let close = close.clone();
        move |ev| {
            if ev.key() == "Escape" {
                close();
            }
        }
    });
    on_cleanup(move || escape.remove());
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let head = LocalResource::new({
        let storage = account.storage.clone();
        let key = key.clone();
        move || {
            let storage = storage.clone();
            let key = key.clone();
            async move { storage.head(&key).await.map_err(AppError::from) }
        }
    });
    // Download: a presigned GET that S3 answers as an attachment under the real name; the
    // bytes go straight to the browser's downloads, never through the app's memory.
    let download = Action::new_local({
        let storage = account.storage.clone();
        move |meta: &ObjectMetadata| {
            let storage = storage.clone();
            let key = meta.key.clone();
            async move { super::download_selected::download_one(&storage, &key, None).await }
        }
    });
    // Metadata edit (MetadataEditor) and versions (ObjectVersions): after either changes the
    // object, it is read again with HeadObject.
    let editing = RwSignal::new(false);
    let readable = use_session().config().s3.metadata_keys;
    // Share link: the credentials are made fresh first, so the link lasts as long as it can.
    // Only durations a link can keep: it ends with the credentials that sign it, which last
    // the configured session length once renewed.
    let session = use_session().config().aws.session_duration;
    let durations: Vec<u64> = crate::storage::share::honoured(
        &text::SHARE_DURATIONS
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        session,
    );
    let share_for = RwSignal::new(
        durations
            .iter()
            .copied()
            .filter(|&d| d <= 3600)
            .max()
            .unwrap_or(session.as_secs()),
    );
    let share = Action::new_local({
        let storage = account.storage.clone();
        let credentials = account.credentials.clone();
        let key = key.clone();
        move |(): &()| {
            let storage = storage.clone();
            let credentials = credentials.clone();
            let key = key.clone();
            let wanted = std::time::Duration::from_secs(share_for.get_untracked());
            async move {
                credentials
                    .credentials()
                    .await
                    .map_err(|e| AppError::from(crate::storage::StorageError::Credentials(e)))?;
                storage
                    .share_link(&key, wanted, credentials.expires_at())
                    .await
                    .map_err(AppError::from)
            }
        }
    });
    // Rename / move: asks for the new path inside the user's home, copies, then deletes.
    let rename = Action::new_local({
        let storage = account.storage.clone();
        move |to: &String| {
            let storage = storage.clone();
            let to = to.clone();
            let from = key_for_rename.clone();
            async move {
                storage.rename(&from, &to).await.map_err(AppError::from)?;
                toaster.success(text::renamed(keys::display_name(storage.home(), &to)));
                on_deleted.run(());
                Ok::<String, AppError>(to)
            }
        }
    });
    Effect::new({
        let navigate = navigate_after_rename.clone();
        move |_| {
            if let Some(Ok(to)) = rename.value().get() {
                // Show it where it now is.
                let parent = &to[..to.rfind('/').map_or(0, |i| i + 1)];
                navigate(
                    &files_href(Some(parent), Some(&to)),
                    NavigateOptions::default(),
                );
            }
        }
    });
    let delete = Action::new_local({
        let storage = account.storage.clone();
        let close = close.clone();
        move |key: &String| {
            let storage = storage.clone();
            let key = key.clone();
            let close = close.clone();
            async move {
                storage.delete(&key).await.map_err(AppError::from)?;
                toaster.success(text::deleted_one(keys::file_name(&key)));
                on_deleted.run(());
                close();
                Ok::<(), AppError>(())
            }
        }
    });

    let storage_for_preview = account.storage.clone();
    let body = move || {
        head.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(meta) => {
                let preview = view! { <PreviewPanel storage=storage_for_preview.clone() meta=meta.clone()/> };
                let system = system_rows(&meta);
                let user = meta.user.clone();
                let for_download = meta.clone();
                let key_for_delete = meta.key.clone();
                view! {
                    {preview}
                    <dl class="props">
                        {system.into_iter().map(|(name, value)| view! {
                            <dt>{name}</dt><dd>{value}</dd>
                        }).collect_view()}
                    </dl>
                    <h3>{text::USER_METADATA}</h3>
                    {
                    let (storage, meta, readable) = (account.storage.clone(), meta.clone(), readable.clone());
                    move || if editing.get() {
                        view! {
                            <MetadataEditor storage=storage.clone() meta=meta.clone() readable=readable.clone()
                                on_saved=Callback::new(move |()| { editing.set(false); head.refetch(); })
                                on_cancel=Callback::new(move |()| editing.set(false))/>
                        }.into_any()
                    } else if user.is_empty() {
                        view! { <p class="muted">{text::NONE}</p> }.into_any()
                    } else {
                        view! {
                            <table class="user-metadata">
                                <thead><tr><th scope="col">{text::COLUMN_NAME}</th><th scope="col">{text::VALUE}</th></tr></thead>
                                <tbody>
                                    {user.clone().into_iter().map(|(k, v)| view! {
                                        <tr><th scope="row"><code>{format!("x-amz-meta-{k}")}</code></th>
                                            <td data-meta=k>{v}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                    }
                    <div class="panel-actions">
                        {move || (!editing.get()).then(|| view! {
                            <button class="button" on:click=move |_| editing.set(true)>{text::EDIT_METADATA}</button>
                        })}
                        <button
                            class="button"
                            disabled=move || download.pending().get()
                            on:click=move |_| { download.dispatch_local(for_download.clone()); }
                        >
                            {move || if download.pending().get() { text::DOWNLOADING } else { text::DOWNLOAD }}
                        </button>
                        <button
                            class="button"
                            disabled=move || rename.pending().get()
                            on:click={
                                let home = home.clone();
                                let current = meta.key.clone();
                                move |_| {
                                    let shown = keys::display_name(&home, &current).to_owned();
                                    let answer = window()
                                        .prompt_with_message_and_default(text::RENAME_PROMPT, &shown)
                                        .ok()
                                        .flatten();
                                    if let Some(answer) = answer.map(|a| a.trim().trim_start_matches('/').to_owned())
                                        && !answer.is_empty()
                                        && answer != shown
                                    {
                                        rename.dispatch_local(format!("{home}{answer}"));
                                    }
                                }
                            }
                        >
                            {text::RENAME}
                        </button>
                        <button
                            class="button button-danger"
                            disabled=move || delete.pending().get()
                            on:click=move |_| {
                                let name = keys::file_name(&key_for_delete).to_owned();
                                let confirmed = window()
                                    .confirm_with_message(&text::confirm_delete_one(&name))
                                    .unwrap_or(false);
                                if confirmed {
                                    delete.dispatch_local(key_for_delete.clone());
                                }
                            }
                        >
                            {text::DELETE}
                        </button>
                    </div>
                    {is_versioned(meta.version_id.as_deref()).then(|| view! {
                        <ObjectVersions storage=account.storage.clone() key=meta.key.clone()
                            on_restored=Callback::new(move |()| head.refetch())/>
                    })}
                    <section class="share" aria-label=text::SHARE_LINK_LABEL>
                        <h3>{text::SHARE_LINK}</h3>
                        <div class="share-controls">
                            <label>
                                {text::SHARE_VALID_FOR}
                                <select
                                    id="share-valid-for"
                                    on:change=move |ev| {
                                        if let Ok(secs) = event_target_value(&ev).parse() {
                                            share_for.set(secs);
                                        }
                                    }
                                >
                                    {durations.iter().map(|&secs| view! {
                                        <option value=secs.to_string() selected=move || share_for.get() == secs>{text::share_duration(secs)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <button
                                class="button"
                                disabled=move || share.pending().get()
                                on:click=move |_| { share.dispatch_local(()); }
                            >
                                {text::CREATE_LINK}
                            </button>
                        </div>
                        <p class="muted small" data-testid="share-limit">
                            {text::share_limit(&text::share_duration(session.as_secs()))}
                        </p>
                        {move || share.value().get().map(|result| match result {
                            Err(error) => view! { <ErrorNotice error/> }.into_any(),
                            Ok(link) => {
                                // The expiry is AWS's time; show it on this device's clock.
                                #[allow(clippy::cast_possible_wrap)]
                                let device_ms = link.expires_at_ms as i64 - crate::clock_skew::offset_ms();
                                let until = text::share_until(&browser::local_datetime(device_ms), link.cut_short);
                                let url = link.url.clone();
                                view! {
                                    <input class="share-url" id="share-url" type="text" readonly value=link.url.clone()
                                        aria-label=text::SHARE_LINK on:focus=move |ev| {
                                            if let Some(input) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) {
                                                input.select();
                                            }
                                        }/>
                                    <p class="muted small" data-testid="share-until">{until}</p>
                                    <button class="button" on:click=move |_| {
                                        let url = url.clone();
                                        leptos::task::spawn_local(async move {
                                            if browser::copy_text(&url).await.is_ok() {
                                                toaster.success(text::LINK_COPIED.to_owned());
                                            }
                                        });
                                    }>{text::COPY_LINK}</button>
                                }.into_any()
                            }
                        })}
                    </section>
                    {move || download.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
                    {move || delete.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
                    {move || rename.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
                }.into_any()
            }
        })
    };

    view! {
        <aside class="details" aria-label=text::DETAILS>
            <div class="details-header">
                <h2 class="details-title" tabindex="-1" node_ref=heading>
                    {keys::file_name(&key).to_owned()}
                </h2>
                <button class="icon-button" aria-label=text::CLOSE_DETAILS on:click=move |_| close()>"×"</button>
            </div>
            <p class="muted small key" data-testid="details-key">{key.clone()}</p>
            <Transition fallback=|| view! { <p class="muted">{text::LOADING_DETAILS}</p> }>{body}</Transition>
        </aside>
    }
}

fn system_rows(meta: &ObjectMetadata) -> Vec<(&'static str, String)> {
    let size = if meta.size < 1024 {
        format::bytes(meta.size)
    } else {
        format!("{} ({} bytes)", format::bytes(meta.size), meta.size)
    };
    let mut rows = vec![(text::COLUMN_SIZE, size)];
    let optional = [
        (text::CONTENT_TYPE, meta.content_type.clone()),
        (
            text::COLUMN_MODIFIED,
            meta.last_modified_ms.map(browser::local_datetime),
        ),
        ("ETag", meta.etag.clone()),
        (text::VERSION, meta.version_id.clone()),
        (text::STORAGE_CLASS, meta.storage_class.clone()),
        (text::ENCRYPTION, meta.server_side_encryption.clone()),
        (text::CHECKSUM_CRC32, meta.checksum_crc32.clone()),
        ("Cache-Control", meta.cache_control.clone()),
        ("Content-Disposition", meta.content_disposition.clone()),
        ("Content-Encoding", meta.content_encoding.clone()),
        ("Content-Language", meta.content_language.clone()),
        ("Expires", meta.expires.clone()),
    ];
    rows.extend(optional.into_iter().filter_map(|(n, v)| Some((n, v?))));
    rows
}
