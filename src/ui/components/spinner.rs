use leptos::prelude::*;

/// A centred "working on it" state with its reason.
#[component]
pub fn Spinner(
    /// What is happening, e.g. "Signing you in…".
    label: &'static str,
) -> impl IntoView {
    view! {
        <main class="centered" aria-busy="true">
            <div class="spinner" aria-hidden="true"></div>
            <p class="muted">{label}</p>
        </main>
    }
}
