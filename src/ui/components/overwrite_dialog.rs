//! "Already in this folder": asked once for a batch of uploads whose names are taken —
//! replace, keep both or skip — before anything is sent (`crate::storage::overwrite`).

use leptos::prelude::*;

use super::modal::{on_dialog_keydown, use_modal};
use crate::storage::overwrite::Choice;
use crate::text;
use crate::ui::uploads::{Question, Uploads};

/// How many of the taken names the dialog lists.
const NAMES_SHOWN: usize = 5;

/// The question for `question`'s batch, as a modal dialog: Tab stays inside, Escape is
/// Cancel (nothing is sent, the files stay ready), focus returns where it was.
#[component]
pub fn OverwriteDialog(
    /// The upload queue, which gets the answer.
    uploads: Uploads,
    /// The batch and its taken names.
    question: Question,
) -> impl IntoView {
    let n = question.taken.len();
    let first = question.taken.first().cloned().unwrap_or_default();
    let more = n.saturating_sub(NAMES_SHOWN);
    let names = question
        .taken
        .iter()
        .take(NAMES_SHOWN)
        .map(|name| view! { <li>{name.clone()}</li> })
        .collect_view();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let replace = NodeRef::<leptos::html::Button>::new();
    use_modal(dialog, Some(replace));
    let answer = move |choice: Option<Choice>| uploads.answer(choice);
    view! {
        <dialog
            class="overwrite-dialog"
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="overwrite-title"
            aria-describedby="overwrite-body"
            data-testid="overwrite-dialog"
            node_ref=dialog
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                answer(None);
            }
            on:keydown=move |ev| on_dialog_keydown(dialog, &ev)
        >
            <h3 id="overwrite-title">{text::overwrite_title(n, &first)}</h3>
            {(n > 1).then(|| view! {
                <ul class="overwrite-names">
                    {names}
                    {(more > 0).then(|| view! { <li>{text::and_more(more)}</li> })}
                </ul>
            })}
            <p id="overwrite-body">{text::overwrite_body(n)}</p>
            <p class="muted small">
                {if question.versioned { text::OVERWRITE_VERSIONED } else { text::OVERWRITE_NOT_VERSIONED }}
            </p>
            <div class="dialog-actions">
                <button
                    class="button button-danger"
                    node_ref=replace
                    on:click=move |_| answer(Some(Choice::Replace))
                >
                    {text::REPLACE}
                </button>
                <button class="button button-primary" on:click=move |_| answer(Some(Choice::KeepBoth))>
                    {text::KEEP_BOTH}
                </button>
                <button class="button" on:click=move |_| answer(Some(Choice::Skip))>{text::SKIP}</button>
                <button class="button" on:click=move |_| answer(None)>{text::CANCEL}</button>
            </div>
        </dialog>
    }
}
