//! Background outcomes (an upload finished or failed, a session expired) where the user is
//! looking: a live region in the corner. Successes fade; errors stay until dismissed.

use std::time::Duration;

use leptos::prelude::*;

use crate::error::AppError;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Debug, Clone)]
struct Toast {
    id: u64,
    kind: ToastKind,
    title: String,
    body: Option<String>,
}

/// Handle to the toast region; from context via [`use_toaster`].
#[derive(Clone, Copy)]
pub struct Toaster {
    toasts: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

pub fn provide_toaster() {
    provide_context(Toaster {
        toasts: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    });
}

pub fn use_toaster() -> Toaster {
    expect_context::<Toaster>()
}

impl Toaster {
    pub fn success(&self, title: impl Into<String>) {
        let id = self.push(ToastKind::Success, title.into(), None);
        let toasts = self.toasts;
        set_timeout(
            move || toasts.update(|t| t.retain(|x| x.id != id)),
            Duration::from_secs(6),
        );
    }

    pub fn error(&self, error: &AppError) {
        let x = error.explain();
        self.push(ToastKind::Error, x.title, Some(x.action));
    }

    /// An outcome that is partly a failure, in words already made (e.g. a report).
    pub fn failure(&self, title: String, body: String) {
        self.push(ToastKind::Error, title, Some(body));
    }

    fn push(&self, kind: ToastKind, title: String, body: Option<String>) -> u64 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.toasts.update(|t| {
            t.push(Toast {
                id,
                kind,
                title,
                body,
            })
        });
        id
    }

    fn dismiss(&self, id: u64) {
        self.toasts.update(|t| t.retain(|x| x.id != id));
    }
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toaster = use_toaster();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toaster.toasts.get() key=|t| t.id let:toast>
                <div class="toast" class:toast-error=toast.kind == ToastKind::Error>
                    <div>
                        <p class="toast-title">{toast.title.clone()}</p>
                        {toast.body.clone().map(|b| view! { <p class="toast-body">{b}</p> })}
                    </div>
                    <button
                        class="icon-button"
                        aria-label=text::DISMISS
                        on:click=move |_| toaster.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
