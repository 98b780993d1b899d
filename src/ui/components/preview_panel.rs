//! The preview in the details panel: an image, the start of a text file, or a PDF — or a
//! sentence saying there is none, with a download. What is previewed and how much is fetched
//! is decided in `crate::preview`; this file only fetches and shows.
//!
//! Everything stays inside the strict Content-Security-Policy (README, "Security"): bytes come
//! through the SDK like any other request (`connect-src`) and are shown from `blob:` URLs —
//! images in `<img>` (`img-src blob:`; an SVG's scripts never run in an image), PDFs in a frame
//! (`frame-src blob:`, the one directive previews add) typed `application/pdf`, so the browser's
//! viewer renders them whatever the object claims to be. Text is a text node.

use leptos::prelude::*;

use super::ErrorNotice;
use crate::error::AppError;
use crate::platform::browser;
use crate::preview::{self, PreviewKind};
use crate::storage::{ObjectMetadata, Storage, keys};
use crate::text;

/// The preview of one object, under its details.
#[component]
pub fn PreviewPanel(
    /// Where the object is.
    storage: Storage,
    /// The object, as HeadObject described it.
    meta: ObjectMetadata,
) -> impl IntoView {
    let kind = preview::kind(meta.content_type.as_deref(), &meta.key);
    let name = keys::file_name(&meta.key).to_owned();
    let content = match kind {
        _ if meta.size == 0 => view! { <p class="muted">{text::PREVIEW_EMPTY}</p> }.into_any(),
        PreviewKind::Image(image_type) if meta.size <= preview::IMAGE_PREVIEW_MAX => {
            let alt = text::preview_of(&name);
            blob_view(storage, meta, image_type, move |url| {
                view! { <img class="preview-image" src=url alt=alt.clone() data-testid="preview-image"/> }
                    .into_any()
            })
        }
        PreviewKind::Pdf if meta.size <= preview::PDF_PREVIEW_MAX => {
            let title = text::preview_of(&name);
            blob_view(storage, meta, "application/pdf", move |url| {
                // The viewer runs the document's own scripts (README, "Security"); say so.
                view! {
                    <iframe class="preview-pdf" src=url title=title.clone() data-testid="preview-pdf"></iframe>
                    <p class="muted preview-note" data-testid="preview-pdf-note">{text::PREVIEW_PDF_SCRIPTS}</p>
                }
                .into_any()
            })
        }
        PreviewKind::Text => text_view(storage, meta),
        PreviewKind::Image(_) | PreviewKind::Pdf => {
            no_preview(storage, meta, text::PREVIEW_TOO_BIG)
        }
        PreviewKind::None => no_preview(storage, meta, text::NO_PREVIEW),
    };
    view! {
        <section class="preview" aria-label=text::PREVIEW data-testid="preview">
            <h3>{text::PREVIEW}</h3>
            {content}
        </section>
    }
}

/// The whole object fetched into a `blob:` URL of `content_type` and shown by `show`; the URL
/// is revoked when the preview goes.
fn blob_view(
    storage: Storage,
    meta: ObjectMetadata,
    content_type: &'static str,
    show: impl Fn(String) -> AnyView + Send + Sync + 'static,
) -> AnyView {
    let made = StoredValue::new_local(None::<String>);
    let url = LocalResource::new(move || {
        let storage = storage.clone();
        let key = meta.key.clone();
        async move {
            let bytes = storage.get(&key).await.map_err(AppError::from)?;
            // The browser refusing a blob (out of memory) leaves `None`: no preview.
            let url = browser::object_url(&bytes, Some(content_type)).ok();
            if let Some(old) = made.get_value() {
                browser::revoke_object_url(&old);
            }
            made.set_value(url.clone());
            Ok::<Option<String>, AppError>(url)
        }
    });
    on_cleanup(move || {
        if let Some(url) = made.try_get_value().flatten() {
            browser::revoke_object_url(&url);
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">{text::LOADING_PREVIEW}</p> }>
            {move || url.get().map(|result| match result {
                Ok(Some(url)) => show(url),
                Ok(None) => view! { <p class="muted">{text::PREVIEW_FAILED}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

/// The first [`preview::TEXT_PREVIEW_BYTES`] as text, with a note when the file goes on.
fn text_view(storage: Storage, meta: ObjectMetadata) -> AnyView {
    let size = meta.size;
    let shown = LocalResource::new(move || {
        let storage = storage.clone();
        let key = meta.key.clone();
        async move {
            let bytes = storage
                .get_first(&key, size, preview::TEXT_PREVIEW_BYTES)
                .await
                .map_err(AppError::from)?;
            Ok::<_, AppError>(preview::decode_text(&bytes, size))
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">{text::LOADING_PREVIEW}</p> }>
            {move || shown.get().map(|result| match result {
                Ok(p) => view! {
                    {p.cut.then(|| view! {
                        <p class="muted small" data-testid="preview-cut">
                            {text::preview_cut(preview::TEXT_PREVIEW_BYTES, size)}
                        </p>
                    })}
                    // Focusable, so a keyboard can scroll a long line sideways.
                    <pre class="preview-text" tabindex="0" aria-label=text::PREVIEW_TEXT_LABEL
                        data-testid="preview-text">{p.text}</pre>
                }
                .into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

/// No preview: why, and the download.
fn no_preview(storage: Storage, meta: ObjectMetadata, why: &'static str) -> AnyView {
    let download = Action::new_local(move |(): &()| {
        let storage = storage.clone();
        let meta = meta.clone();
        async move { super::download_selected::download_one(&storage, &meta.key, None).await }
    });
    view! {
        <p class="muted" data-testid="no-preview">{why}</p>
        <button
            class="button"
            disabled=move || download.pending().get()
            on:click=move |_| { download.dispatch_local(()); }
        >
            {move || if download.pending().get() { text::DOWNLOADING } else { text::DOWNLOAD_TO_OPEN }}
        </button>
        {move || download.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
    }
    .into_any()
}
