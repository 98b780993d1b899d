//! The details panel's metadata editor: add, change and remove `x-amz-meta-*` entries, then save
//! them as a copy of the object onto itself (see `storage::edit`), guarded by the ETag shown.

use leptos::prelude::*;

use super::ErrorNotice;
use crate::error::AppError;
use crate::storage::edit::entries;
use crate::storage::{ObjectMetadata, Storage, StorageError};
use crate::text;
use crate::ui::toast::use_toaster;

/// One row of the editor; `id` keeps the row's inputs when others are removed.
#[derive(Clone, Copy)]
struct Row {
    id: u32,
    name: RwSignal<String>,
    value: RwSignal<String>,
}

/// Edits the user metadata of the object `meta` describes. Only the names the app can read back
/// (`metadata_keys`, and those the object already shows) are accepted: an entry the browser
/// cannot see would vanish at the next edit.
#[component]
pub fn MetadataEditor(
    /// Where the object is.
    storage: Storage,
    /// The object as the panel showed it (its ETag guards the save).
    meta: ObjectMetadata,
    /// The user metadata names the bucket's CORS rules let the browser read.
    readable: Vec<String>,
    /// Called after the metadata was saved.
    on_saved: Callback<()>,
    /// Called when the user leaves without saving.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let next_id = StoredValue::new(0_u32);
    let new_row = move |name: &str, value: &str| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        Row {
            id,
            name: RwSignal::new(name.to_owned()),
            value: RwSignal::new(value.to_owned()),
        }
    };
    let rows = RwSignal::new(
        meta.user
            .iter()
            .map(|(k, v)| new_row(k, v))
            .collect::<Vec<_>>(),
    );
    if rows.with_untracked(Vec::is_empty) {
        rows.update(|r| r.push(new_row("", "")));
    }
    // The names on the object were read back, so they can be written again too.
    let mut readable = readable;
    for name in meta.user.keys() {
        if !readable.contains(name) {
            readable.push(name.clone());
        }
    }
    let hint = text::metadata_names(&readable);
    let names = readable.clone();
    let meta = StoredValue::new(meta);
    let storage = StoredValue::new(storage);
    let save = Action::new_local(move |(): &()| {
        let typed: Vec<(String, String)> = rows.with_untracked(|r| {
            r.iter()
                .map(|row| (row.name.get_untracked(), row.value.get_untracked()))
                .collect()
        });
        let readable = readable.clone();
        let (storage, meta) = (storage.get_value(), meta.get_value());
        async move {
            let user = entries(&typed, &readable).map_err(StorageError::from)?;
            storage.save_metadata(&meta, user).await?;
            toaster.success(text::METADATA_SAVED);
            on_saved.try_run(());
            Ok::<(), AppError>(())
        }
    });

    view! {
        <form
            class="metadata-editor"
            aria-label=text::EDIT_METADATA
            on:submit=move |ev| {
                ev.prevent_default();
                if !save.pending().get_untracked() {
                    save.dispatch_local(());
                }
            }
        >
            <datalist id="metadata-names">
                {names.into_iter().map(|n| view! { <option value=n></option> }).collect_view()}
            </datalist>
            <For each=move || rows.get() key=|row| row.id let:row>
                <div class="metadata-row" data-testid="metadata-row">
                    <input
                        type="text"
                        class="metadata-name"
                        list="metadata-names"
                        aria-label=text::METADATA_NAME
                        placeholder=text::METADATA_NAME
                        prop:value=move || row.name.get()
                        on:input=move |ev| row.name.set(event_target_value(&ev))
                    />
                    <input
                        type="text"
                        class="metadata-value"
                        aria-label=text::METADATA_VALUE
                        placeholder=text::METADATA_VALUE
                        prop:value=move || row.value.get()
                        on:input=move |ev| row.value.set(event_target_value(&ev))
                    />
                    <button
                        type="button"
                        class="button"
                        on:click=move |_| rows.update(|r| r.retain(|x| x.id != row.id))
                    >
                        {text::REMOVE_ENTRY}
                    </button>
                </div>
            </For>
            <p class="muted small">{hint}</p>
            <p class="muted small">{text::METADATA_EDIT_NOTE}</p>
            <div class="panel-actions">
                <button
                    type="button"
                    class="button"
                    on:click=move |_| rows.update(|r| r.push(new_row("", "")))
                >
                    {text::ADD_ENTRY}
                </button>
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { text::SAVING } else { text::SAVE_METADATA }}
                </button>
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                    {text::CANCEL}
                </button>
            </div>
            {move || save.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
        </form>
    }
}
