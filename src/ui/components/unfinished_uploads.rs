use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::ErrorNotice;
use crate::error::AppError;
use crate::format;
use crate::platform::{browser, files};
use crate::storage::keys;
use crate::storage::upload::record::ResumeRecord;
use crate::storage::upload::{DEFAULT_PART_SIZE, Plan, UnfinishedUpload, UploadError};
use crate::text;
use crate::ui::session::Account;
use crate::ui::uploads::use_uploads;

/// An unfinished multipart upload in S3, with what this browser remembers of it.
#[derive(Debug, Clone)]
struct Row {
    upload: UnfinishedUpload,
    record: Option<ResumeRecord>,
}

/// Multipart uploads that were started (here or elsewhere) and never finished — a reload, a
/// crash, a closed tab. Their parts take space in the bucket. Each can be resumed by offering
/// the same file again, or aborted.
#[component]
pub fn UnfinishedUploads(
    /// The signed-in account.
    account: Arc<Account>,
) -> impl IntoView {
    let uploads = use_uploads();
    let rows = RwSignal::new(Vec::<Row>::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(None::<String>);
    // The upload the file picker is choosing a file for.
    let resuming = StoredValue::new(None::<Row>);

    let load = {
        let account = account.clone();
        move || {
            let account = account.clone();
            spawn_local(async move {
                match account
                    .storage
                    .list_unfinished_uploads(account.storage.home())
                    .await
                {
                    Ok(listed) => {
                        let mut records = uploads.records();
                        // What S3 no longer lists was completed or aborted elsewhere.
                        records.retain_listed(listed.iter().map(|u| u.upload_id.as_str()));
                        let active = uploads.active_upload_ids();
                        rows.set(
                            listed
                                .into_iter()
                                .filter(|u| !active.contains(&u.upload_id))
                                .map(|upload| Row {
                                    record: records.get(&upload.upload_id).cloned(),
                                    upload,
                                })
                                .collect(),
                        );
                        error.set(None);
                    }
                    // A side list: when it cannot be read (a store that does not fill
                    // `s3:prefix` for ListMultipartUploads refuses it, as Ceph RGW 16 does),
                    // it stays away instead of putting an error under every folder. Uploads
                    // this page started still resume from its own records.
                    Err(e) => {
                        leptos::logging::warn!("unfinished uploads cannot be listed: {e}");
                        rows.set(Vec::new());
                    }
                }
            });
        }
    };
    Effect::new({
        let load = load.clone();
        move |_| {
            uploads.changed.track();
            load();
        }
    });

    let abort = {
        let account = account.clone();
        let load = load.clone();
        move |row: Row| {
            let account = account.clone();
            let load = load.clone();
            busy.set(Some(row.upload.upload_id.clone()));
            spawn_local(async move {
                let u = &row.upload;
                match account
                    .storage
                    .abort_multipart_upload(&u.key, &u.upload_id)
                    .await
                {
                    Ok(()) => uploads.forget(&u.upload_id),
                    Err(e) => error.set(Some(e.into())),
                }
                busy.set(None);
                load();
            });
        }
    };

    let on_file = {
        let account = account.clone();
        move |ev: leptos::ev::Event| {
            let input: Option<HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
            let Some(input) = input else { return };
            let file = input.files().and_then(|l| l.get(0));
            input.set_value("");
            let (Some(file), Some(row)) = (file, resuming.get_value()) else {
                return;
            };
            let account = account.clone();
            spawn_local(async move {
                match resume_record(&account, &row, &file).await {
                    Ok(record) => {
                        uploads.add_resume(file, &record);
                        uploads.changed.update(|n| *n += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };

    let home = StoredValue::new(account.storage.home().to_owned());
    let on_abort = Callback::new(abort);
    let on_resume = Callback::new(move |row: Row| {
        resuming.set_value(Some(row));
        click_resume_input();
    });
    view! {
        <Show when=move || !rows.read().is_empty() || error.read().is_some()>
            <section class="unfinished" aria-label=text::UNFINISHED_UPLOADS>
                <h2 class="section-title">{text::UNFINISHED_UPLOADS}</h2>
                <p class="muted small">
                    {text::UNFINISHED_HELP}
                </p>
                {move || error.get().map(|error| view! { <ErrorNotice error/> })}
                <input
                    id="resume-input"
                    class="visually-hidden"
                    type="file"
                    on:change=on_file.clone()
                />
                <ul class="unfinished-list">
                    <For
                        each=move || rows.get()
                        key=|r| r.upload.upload_id.clone()
                        let:row
                    >
                        <UnfinishedRow row home busy on_abort on_resume/>
                    </For>
                </ul>
            </section>
        </Show>
    }
}

#[component]
fn UnfinishedRow(
    row: Row,
    /// The user's home prefix: keys are shown relative to it.
    home: StoredValue<String>,
    /// The upload id being aborted, if any.
    busy: RwSignal<Option<String>>,
    on_abort: Callback<Row>,
    on_resume: Callback<Row>,
) -> impl IntoView {
    let shown = home.with_value(|h| keys::display_name(h, &row.upload.key).to_owned());
    let started = row
        .upload
        .initiated_ms
        .map(browser::local_datetime)
        .unwrap_or_default();
    let file = row
        .record
        .as_ref()
        .map(|r| format!(" · {}, {}", r.file.name, format::bytes(r.file.size)));
    let id = row.upload.upload_id.clone();
    let (for_abort, for_resume) = (row.clone(), row.clone());
    view! {
        <li class="unfinished-item" data-key=row.upload.key.clone()>
            <span class="upload-name">{shown}</span>
            <span class="muted small">{text::started_at(&started)}{file}</span>
            <span class="upload-buttons">
                <button
                    class="button button-small"
                    on:click=move |_| on_resume.run(for_resume.clone())
                >
                    {text::RESUME}
                </button>
                <button
                    class="button button-small"
                    disabled=move || busy.get().as_deref() == Some(id.as_str())
                    on:click=move |_| on_abort.run(for_abort.clone())
                >
                    {text::ABORT}
                </button>
            </span>
        </li>
    }
}

fn click_resume_input() {
    let input = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("resume-input"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(input) = input {
        input.click();
    }
}

/// The record to resume `row` with `file`. With a record from this browser, the file must be
/// the one the upload was started with; without one (started elsewhere), the part size comes
/// from the parts S3 holds, and each of them is checked against the file before it is kept.
async fn resume_record(
    account: &Account,
    row: &Row,
    file: &web_sys::File,
) -> Result<ResumeRecord, AppError> {
    let fingerprint = files::fingerprint(file);
    if let Some(record) = &row.record {
        if record.file != fingerprint {
            return Err(crate::storage::StorageError::Other {
                status: 0,
                code: "NotTheSameFile".into(),
                message: text::not_the_same_file(
                    (
                        &record.file.name,
                        &format::bytes(record.file.size),
                        &browser::local_datetime(record.file.last_modified_ms),
                    ),
                    (
                        &fingerprint.name,
                        &format::bytes(fingerprint.size),
                        &browser::local_datetime(fingerprint.last_modified_ms),
                    ),
                ),
            }
            .into());
        }
        return Ok(record.clone());
    }
    let u = &row.upload;
    let parts = account.storage.list_parts(&u.key, &u.upload_id).await?;
    let part_size = match parts.iter().map(|p| p.size).max() {
        Some(size) => size,
        None => match Plan::new(fingerprint.size, DEFAULT_PART_SIZE) {
            Ok(Plan::Multipart { part_size, .. }) => part_size,
            Ok(Plan::Single { .. }) => DEFAULT_PART_SIZE,
            Err(e) => return Err(UploadError::from(e).into()),
        },
    };
    let record = ResumeRecord {
        bucket: account.storage.bucket().to_owned(),
        key: u.key.clone(),
        upload_id: u.upload_id.clone(),
        file: fingerprint,
        part_size,
        first_part_crc32: None,
        content_type: None,
        metadata: std::collections::BTreeMap::new(),
        // Nobody said to replace: it completes only where no file is.
        replace: false,
        started_ms: u
            .initiated_ms
            .and_then(|t| u64::try_from(t).ok())
            .unwrap_or(0),
    };
    Ok(record)
}
