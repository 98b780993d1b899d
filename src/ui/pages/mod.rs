//! One page per route, thin: they pick what to show for the session's phase.

use leptos::prelude::*;

use crate::config::Setting;
use crate::config::source::{LoadError, Source};
use crate::text;
use crate::ui::components::{AppHeader, ErrorNotice, FilesView, SetupDoctor, SignInCard, Spinner};
use crate::ui::session::{Phase, use_session};

/// `/`: the files when signed in, the sign-in card otherwise.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    move || match session.phase() {
        Phase::Starting => view! { <Spinner label=text::STARTING/> }.into_any(),
        Phase::Redirecting => view! { <Spinner label=text::REDIRECTING/> }.into_any(),
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
        _ => view! { <Spinner label=text::SIGNING_IN/> }.into_any(),
    }
}

/// `/doctor`: the setup check, with every check when signed in, the ones that need no
/// sign-in otherwise (and why sign-in failed, when it did).
#[component]
pub fn DoctorPage() -> impl IntoView {
    let session = use_session();
    move || match session.phase() {
        Phase::Starting => view! { <Spinner label=text::STARTING/> }.into_any(),
        Phase::Redirecting => view! { <Spinner label=text::REDIRECTING/> }.into_any(),
        Phase::SignedOut { notice } => view! {
            <main class="doctor-page">
                <p><a href="/">{text::BACK_TO_APP}</a></p>
                {notice.map(|error| view! { <ErrorNotice error/> })}
                <SetupDoctor account=None/>
            </main>
        }
        .into_any(),
        Phase::SignedIn(account) => view! {
            <AppHeader account=account.clone()/>
            <main class="doctor-page">
                <p><a href="/">{text::BACK_TO_FILES}</a></p>
                <SetupDoctor account=Some(account)/>
            </main>
        }
        .into_any(),
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main class="centered">
            <div class="card">
                <h1>{text::PAGE_NOT_FOUND}</h1>
                <p><a href="/">{text::GO_TO_FILES}</a></p>
            </div>
        </main>
    }
}

/// Shown instead of the app when the settings cannot be used: which setting, in the source it
/// came from (`config.json` or the build's `.env`), and what is wrong with it.
#[component]
pub fn ConfigErrorPage(
    /// Why there are no usable settings.
    error: LoadError,
) -> impl IntoView {
    let body = match error {
        LoadError::Unusable { url, problem } => view! {
            <p>"The settings file "<code>{url}</code>" cannot be used: "{problem}"."</p>
            <p>
                "Whoever deployed this app needs to fix it: it must be a JSON object of settings \
                 like "<code>"public/config.example.json"</code>", served beside "
                <code>"index.html"</code>"."
            </p>
        }
        .into_any(),
        LoadError::Missing { url, why } => view! {
            <p>"This app has no settings: "{why}", and none were built in."</p>
            <p>
                "Whoever deployed it needs to put a "<code>"config.json"</code>" at "
                <code>{url}</code>" (start from "<code>"public/config.example.json"</code>")."
            </p>
        }
        .into_any(),
        LoadError::Invalid {
            from: source,
            errors,
            unknown,
        } => {
            let (file, fix) = match &source {
                Source::ConfigJson { url } => (url.clone(), "and reload the page"),
                Source::Build { .. } => (".env".to_owned(), "and rebuild"),
            };
            let rows = errors
                .into_iter()
                .map(|e| {
                    let setting = Setting::by_key(e.key);
                    let name = source.name_of_key(e.key);
                    view! {
                        <tr>
                            <th scope="row"><code>{name}</code></th>
                            <td>{e.problem}</td>
                            <td class="muted">{setting.map(|s| s.meaning)}</td>
                        </tr>
                    }
                })
                .collect_view();
            let unknown_rows = unknown
                .into_iter()
                .map(|u| {
                    let problem = match u.suggestion {
                        Some(s) => format!("not a setting; did you mean {s}?"),
                        None => "not a setting".to_owned(),
                    };
                    view! {
                        <tr>
                            <th scope="row"><code>{u.name}</code></th>
                            <td>{problem}</td>
                            <td></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p>
                    "The settings come "{source.describe()}". Whoever deployed the app needs to \
                     fix these in "<code>{file}</code>" "{fix}":"
                </p>
                <table class="config-errors">
                    <thead><tr><th>"Setting"</th><th>"Problem"</th><th>"Meaning"</th></tr></thead>
                    <tbody>{rows}{unknown_rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <main class="centered">
            <div class="card card-wide" role="alert">
                <h1>"This app is not configured correctly"</h1>
                {body}
                <p class="muted">
                    "Every setting is explained in the README (\u{201c}Configure it\u{201d})."
                </p>
            </div>
        </main>
    }
}
