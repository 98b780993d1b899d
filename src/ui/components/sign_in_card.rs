use leptos::prelude::*;

use super::ErrorNotice;
use crate::error::AppError;
use crate::platform::browser;
use crate::text;
use crate::ui::session::use_session;

/// The signed-out screen: what the app is, the sign-in button, and why the user is here when
/// it was not their choice.
#[component]
pub fn SignInCard(
    /// Why the user is signed out, if it was not their choice.
    notice: Option<AppError>,
) -> impl IntoView {
    let session = use_session();
    let issuer = session.config().oidc.issuer.to_string();
    view! {
        <main class="centered">
            <div class="card">
                <h1 class="brand">{text::APP_NAME}</h1>
                <p>{text::TAGLINE}</p>
                {notice.map(|error| view! { <ErrorNotice error/> })}
                <button
                    class="button button-primary button-large"
                    on:click=move |_| session.sign_in(&browser::path_and_query(), false)
                >
                    {text::SIGN_IN}
                </button>
                <p class="muted small">{text::signing_in_at(&issuer)}</p>
            </div>
        </main>
    }
}
