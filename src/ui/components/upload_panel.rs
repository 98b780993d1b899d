use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement};

use crate::platform::files;
use crate::ui::session::use_session;
use crate::ui::toast::use_toaster;
use crate::ui::uploads::{Limits, use_uploads};

use super::{OverwriteDialog, UploadQueue};
use crate::text;

/// Choose or drop files and folders, describe them, set how much runs at once, and upload into
/// the open folder. The queue below shows each file's progress.
#[component]
pub fn UploadPanel(
    /// Where new files go (a full prefix ending in `/`).
    folder: Memo<String>,
) -> impl IntoView {
    let uploads = use_uploads();
    let toaster = use_toaster();
    let session = use_session();
    let description = RwSignal::new(String::new());
    let content_type = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);

    let add = move |offered: Vec<files::Offered>| {
        for error in uploads.add(offered, &folder.get_untracked()) {
            toaster.error(&error);
        }
    };
    let from_input = move |ev: leptos::ev::Event| {
        let input: Option<HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(input) = input {
            if let Some(list) = input.files() {
                add(files::from_list(&list));
            }
            input.set_value("");
        }
    };
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        let Some(data) = ev.data_transfer() else {
            return;
        };
        // Entries must be taken now; the browser empties the DataTransfer after the event.
        let (entries, plain) = files::dropped_entries(&data);
        let mut offered: Vec<files::Offered> = plain
            .into_iter()
            .map(|file| files::Offered {
                path: file.name(),
                file,
            })
            .collect();
        spawn_local(async move {
            match files::walk(entries).await {
                Ok(found) => offered.extend(found),
                Err(e) => leptos::logging::warn!("{e}"),
            }
            add(offered);
        });
    };
    // The description and type belong to the batch they were typed for: the next one starts
    // from empty fields.
    let start = move |_| {
        uploads.start_ready(&description.get_untracked(), &content_type.get_untracked());
        description.set(String::new());
        content_type.set(String::new());
    };
    let ready = move || {
        uploads
            .items
            .read()
            .iter()
            .filter(|i| i.status.get() == crate::ui::uploads::Status::Ready)
            .count()
    };
    let limit_select = move |which: &'static str, max: usize| {
        let value = move || {
            let l = uploads.limits.get();
            if which == "parts" { l.parts } else { l.files }.to_string()
        };
        let change = move |ev| {
            let Ok(n) = event_target_value(&ev).parse::<usize>() else {
                return;
            };
            let mut l = uploads.limits.get_untracked();
            if which == "parts" {
                l.parts = n;
            } else {
                l.files = n;
            }
            uploads.set_limits(l);
        };
        view! {
            <select id=format!("upload-{which}") prop:value=value on:change=change>
                {(1..=max)
                    .map(|n| view! { <option value=n.to_string()>{n.to_string()}</option> })
                    .collect_view()}
            </select>
        }
    };

    view! {
        <section class="upload" aria-label=text::UPLOAD>
            <div
                class="dropzone"
                class:dropzone-active=move || dragging.get()
                on:dragover=move |ev: DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                // Each hidden input right before its label, which shows its keyboard focus.
                <input
                    id="file-input"
                    class="visually-hidden"
                    type="file"
                    multiple
                    on:change=from_input
                />
                <label for="file-input" class="button">{text::CHOOSE_FILES}</label>
                " "
                <input
                    id="folder-input"
                    class="visually-hidden"
                    type="file"
                    // The property, not an attribute: view! knows no `webkitdirectory`.
                    prop:webkitdirectory=true
                    on:change=from_input
                />
                <label for="folder-input" class="button">{text::CHOOSE_FOLDER}</label>
                <span class="muted">{text::OR_DROP_HERE}</span>
            </div>
            <div class="upload-fields">
                <label>
                    {text::DESCRIPTION}
                    <input
                        id="upload-description"
                        type="text"
                        placeholder=text::DESCRIPTION_PLACEHOLDER
                        prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    {text::CONTENT_TYPE}
                    <input
                        id="upload-content-type"
                        type="text"
                        placeholder=text::CONTENT_TYPE_PLACEHOLDER
                        prop:value=move || content_type.get()
                        on:input=move |ev| content_type.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    {text::PARTS_AT_ONCE}
                    {limit_select("parts", Limits::MAX_PARTS)}
                </label>
                <label>
                    {text::FILES_AT_ONCE}
                    {limit_select("files", Limits::MAX_FILES)}
                </label>
            </div>
            {move || uploads.paused.get().map(|error| view! {
                <div class="notice notice-error upload-paused" role="alert">
                    <p class="notice-title">{text::uploads_paused(&error.explain().title)}</p>
                    <p>
                        {text::UPLOADS_PAUSED_ACTION}
                    </p>
                    <button
                        class="button button-primary"
                        on:click=move |_| session.sign_in_again_in_window(move |outcome| match outcome {
                            Ok(()) => uploads.resume_after_sign_in(),
                            Err(e) => uploads.paused.set(Some(e)),
                        })
                    >
                        {text::SIGN_IN_AND_CONTINUE}
                    </button>
                </div>
            })}
            {move || uploads.question.get().map(|question| view! {
                <OverwriteDialog uploads question/>
            })}
            <Show when=move || !uploads.items.read().is_empty()>
                <UploadQueue/>
                <div class="upload-actions">
                    <button
                        class="button button-primary"
                        disabled=move || ready() == 0
                        on:click=start
                    >
                        {move || text::upload_files(ready())}
                    </button>
                    <button class="button" on:click=move |_| uploads.clear_finished()>
                        {text::CLEAR_FINISHED}
                    </button>
                </div>
            </Show>
        </section>
    }
}
