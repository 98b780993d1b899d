use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ErrorNotice;
use crate::error::AppError;
use crate::storage::{Storage, StorageError, keys};
use crate::text;
use crate::ui::toast::use_toaster;

/// "New folder": a button that opens a one-field form; the folder is created inside the one
/// shown (a zero-byte `name/` object) and the listing refreshed.
#[component]
pub fn NewFolderForm(
    /// Where the folder is created.
    storage: Storage,
    /// The folder shown.
    folder: Memo<String>,
    /// Called once the folder exists.
    on_created: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let storage = StoredValue::new(storage);
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    // Closing the form puts focus back on the button that opened it.
    let button = NodeRef::<leptos::html::Button>::new();
    let focus_button = StoredValue::new(false);
    Effect::new(move |_| {
        if let Some(b) = button.get()
            && focus_button.get_value()
        {
            focus_button.set_value(false);
            let _ = b.focus();
        }
    });
    let close = move || {
        focus_button.set_value(true);
        open.set(false);
        name.set(String::new());
        error.set(None);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let key = match keys::folder_key(&folder.get_untracked(), &name.get_untracked()) {
            Ok(key) => key,
            Err(e) => {
                error.set(Some(AppError::from(StorageError::from(e))));
                return;
            }
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = storage.get_value().create_folder(&key).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    toaster.success(text::folder_created(keys::file_name(&key)));
                    close();
                    on_created.run(());
                }
                Err(e) => error.set(Some(AppError::from(e))),
            }
        });
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button class="button" node_ref=button on:click=move |_| open.set(true)>{text::NEW_FOLDER}</button>
            }
        >
            <form class="new-folder" on:submit=submit>
                <input
                    type="text"
                    node_ref=input
                    aria-label=text::NEW_FOLDER_NAME
                    placeholder=text::NEW_FOLDER_NAME
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Escape" { close() }
                />
                <button type="submit" class="button button-primary" disabled=move || busy.get()>
                    {text::CREATE}
                </button>
                <button type="button" class="button" on:click=move |_| close()>{text::CANCEL}</button>
            </form>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        </Show>
    }
}
