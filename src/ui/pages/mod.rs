//! One page per route, thin: they pick what to show for the session's phase.

use leptos::prelude::*;

use crate::config::{ConfigError, SETTINGS};
use crate::ui::components::{FilesView, SignInCard, Spinner};
use crate::ui::session::{Phase, use_session};

/// `/`: the files when signed in, the sign-in card otherwise.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    move || match session.phase() {
        Phase::Starting => view! { <Spinner label="Starting…"/> }.into_any(),
        Phase::Redirecting => view! { <Spinner label="Taking you to sign-in…"/> }.into_any(),
        Phase::SignedOut { notice } => view! { <SignInCard notice/> }.into_any(),
        Phase::SignedIn(account) => view! { <FilesView account/> }.into_any(),
    }
}

/// `/callback`: shown while the sign-in completes; the session then replaces the URL.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let session = use_session();
    move || match session.phase() {
        Phase::SignedOut { notice } => view! { <SignInCard notice/> }.into_any(),
        _ => view! { <Spinner label="Signing you in…"/> }.into_any(),
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main class="centered">
            <div class="card">
                <h1>"Page not found"</h1>
                <p><a href="/">"Go to your files"</a></p>
            </div>
        </main>
    }
}

/// Shown instead of the app when a setting is missing or malformed: which, and what is wrong.
#[component]
pub fn ConfigErrorPage(
    /// Every problem found, in settings order.
    errors: Vec<ConfigError>,
) -> impl IntoView {
    let rows = errors
        .into_iter()
        .map(|e| {
            let meaning = SETTINGS.iter().find(|s| s.key == e.key).map(|s| s.meaning);
            view! {
                <tr>
                    <th scope="row"><code>{e.key}</code></th>
                    <td>{e.problem}</td>
                    <td class="muted">{meaning}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <main class="centered">
            <div class="card card-wide" role="alert">
                <h1>"This app is not configured correctly"</h1>
                <p>
                    "Whoever deployed it needs to fix these settings (in "<code>".env"</code>
                    " for a development build) and rebuild:"
                </p>
                <table class="config-errors">
                    <thead><tr><th>"Setting"</th><th>"Problem"</th><th>"Meaning"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                <p class="muted">"Every setting is documented in .env.example."</p>
            </div>
        </main>
    }
}
