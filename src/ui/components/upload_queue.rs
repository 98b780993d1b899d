use leptos::prelude::*;

use super::ErrorNotice;
use crate::format;
use crate::text;
use crate::ui::uploads::{Item, Status, Uploads, use_uploads};

/// Bytes per second as people read them: `85 MB/s`.
fn rate(bytes_per_sec: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // display only
    let whole = bytes_per_sec.max(0.0) as u64;
    format!("{}/s", format::bytes(whole))
}

/// A byte count for a `<progress>` element (an attribute inside `view!` would be shown as
/// text, so the cast lives here).
#[allow(clippy::cast_precision_loss)] // display only; exact below 2^53 bytes
fn as_f64(bytes: u64) -> f64 {
    bytes as f64
}

fn percent(sent: u64, size: u64) -> u64 {
    (sent.min(size) * 100).checked_div(size).unwrap_or(100)
}

/// Every file offered, with its progress (bytes, rate, time left), what is going on, and what
/// can be done with it; above them, all files together.
#[component]
pub fn UploadQueue() -> impl IntoView {
    let uploads = use_uploads();
    view! {
        <Overall uploads/>
        <ul class="upload-queue" aria-label="Upload queue">
            // Keyed by the key too: "keep both" gives a file a new name.
            <For each=move || uploads.items.get() key=|i| (i.id, i.key.clone()) let:item>
                <QueueItem uploads item/>
            </For>
        </ul>
    }
}

/// The line above the queue while anything runs: files done, bytes, rate, time left.
#[component]
fn Overall(uploads: Uploads) -> impl IntoView {
    let totals = move || {
        let items = uploads.items.get();
        let counted: Vec<&Item> = items
            .iter()
            .filter(|i| {
                let s = i.status.get();
                s.is_active() || s == Status::Done
            })
            .collect();
        let running = counted.iter().any(|i| i.status.get().is_active());
        let size: u64 = counted.iter().map(|i| i.size).sum();
        let sent: u64 = counted.iter().map(|i| i.sent.get().min(i.size)).sum();
        let done = counted
            .iter()
            .filter(|i| i.status.get() == Status::Done)
            .count();
        (running, counted.len(), done, sent, size)
    };
    move || {
        let (running, files, done, sent, size) = totals();
        running.then(|| {
            let speed = uploads.rate.get();
            let left = speed
                .filter(|r| *r > 0.0)
                .map(|r| {
                    #[allow(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        clippy::cast_precision_loss
                    )]
                    let secs = (size.saturating_sub(sent) as f64 / r).ceil() as u64;
                    text::about_left(&format::duration_secs(secs))
                })
                .unwrap_or_default();
            #[allow(clippy::cast_precision_loss)] // display only
            let (max, value) = (size.max(1) as f64, sent as f64);
            view! {
                <div class="upload-overall" data-testid="upload-overall">
                    <progress max=max value=value aria-label=text::ALL_UPLOADS></progress>
                    <span class="small">
                        {text::overall_progress(
                            done,
                            files,
                            &format::bytes(sent),
                            &format::bytes(size),
                            speed.map(rate).as_deref(),
                            &left,
                        )}
                    </span>
                </div>
            }
        })
    }
}

#[component]
fn QueueItem(uploads: Uploads, item: Item) -> impl IntoView {
    let id = item.id;
    let size = item.size;
    let status = item.status;
    let sent = item.sent;
    let speed = item.rate;
    let status_text = move || match status.get() {
        Status::Ready => text::UPLOAD_READY.to_owned(),
        Status::Waiting => text::UPLOAD_WAITING.to_owned(),
        Status::Checking => text::UPLOAD_CHECKING.to_owned(),
        Status::Uploading => {
            let sent = sent.get().min(size);
            let mut line = text::item_progress(
                percent(sent, size),
                &format::bytes(sent),
                &format::bytes(size),
            );
            if let Some(r) = speed.get().filter(|r| *r > 0.0) {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss
                )]
                let secs = ((size - sent) as f64 / r).ceil() as u64;
                line.push_str(&text::rate_and_time_left(
                    &rate(r),
                    &format::duration_secs(secs),
                ));
            }
            line
        }
        Status::Done => text::UPLOAD_DONE.to_owned(),
        Status::Failed(_) => text::UPLOAD_FAILED.to_owned(),
        Status::Cancelling => text::UPLOAD_CANCELLING.to_owned(),
        Status::Cancelled => text::UPLOAD_CANCELLED.to_owned(),
        Status::Looking => text::UPLOAD_LOOKING.to_owned(),
        Status::Skipped => text::UPLOAD_SKIPPED.to_owned(),
    };
    let active = move || status.get().is_active();
    view! {
        <li class="upload-item" data-key=item.key.clone()>
            <span class="upload-name">{item.path.clone()}</span>
            <span class="muted small">{format::bytes(size)}</span>
            <span class="upload-status" data-testid="upload-status">{status_text}</span>
            <span class="upload-buttons">
                {move || match status.get() {
                    Status::Ready => view! {
                        <button class="button button-small" on:click=move |_| uploads.remove(id)>{text::REMOVE}</button>
                    }.into_any(),
                    Status::Waiting | Status::Checking | Status::Uploading => view! {
                        <button class="button button-small" on:click=move |_| uploads.cancel(id)>{text::CANCEL}</button>
                    }.into_any(),
                    Status::Failed(_) => view! {
                        <button class="button button-small button-primary" on:click=move |_| uploads.retry(id)>{text::RETRY}</button>
                        <button class="button button-small" on:click=move |_| uploads.cancel(id)>{text::CANCEL}</button>
                    }.into_any(),
                    Status::Done | Status::Cancelled | Status::Skipped => view! {
                        <button class="button button-small" on:click=move |_| uploads.remove(id)>{text::REMOVE}</button>
                    }.into_any(),
                    Status::Cancelling | Status::Looking => ().into_any(),
                }}
            </span>
            <Show when=active>
                <progress
                    class="upload-progress"
                    max=as_f64(size.max(1))
                    value=move || as_f64(sent.get().min(size))
                    aria-label=text::uploading(&item.path)
                ></progress>
            </Show>
            {move || item.note.get().map(|note| view! { <p class="upload-note small muted">{note}</p> })}
            {move || match status.get() {
                Status::Failed(error) => Some(view! { <ErrorNotice error/> }),
                _ => None,
            }}
        </li>
    }
}
