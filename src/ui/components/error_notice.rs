use leptos::prelude::*;

use crate::error::AppError;
use crate::platform::browser;
use crate::routes;
use crate::text;
use crate::ui::session::use_session;

/// An error where the user is looking: what happened, what to do, the technical detail folded
/// away, and "Sign in again" when that is the fix.
#[component]
pub fn ErrorNotice(
    /// The error to explain.
    error: AppError,
) -> impl IntoView {
    let session = use_session();
    let x = error.explain();
    view! {
        <div class="notice notice-error" role="alert">
            <p class="notice-title">{x.title}</p>
            <p>{x.action}</p>
            {x.detail.map(|d| view! {
                <details>
                    <summary>{text::TECHNICAL_DETAILS}</summary>
                    <pre>{d}</pre>
                </details>
            })}
            {x.check_setup.then(|| view! {
                <p><a href=routes::DOCTOR data-testid="check-setup">{text::CHECK_SETUP}</a>
                    {text::CHECK_SETUP_WHAT}</p>
            })}
            {x.sign_in_again.then(|| view! {
                <button
                    class="button button-primary"
                    on:click=move |_| session.sign_in(&browser::path_and_query(), false)
                >
                    {text::SIGN_IN_AGAIN}
                </button>
            })}
        </div>
    }
}
