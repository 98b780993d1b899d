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
            <p>{text::SETTINGS_FILE}<code>{url}</code>{text::cannot_be_used(&problem)}</p>
            <p>
                {text::SETTINGS_MUST_BE}<code>"public/config.example.json"</code>{text::SERVED_BESIDE}
                <code>"index.html"</code>"."
            </p>
        }
        .into_any(),
        LoadError::Missing { url, why } => view! {
            <p>{text::no_settings(&why)}</p>
            <p>
                {text::PUT_A}<code>"config.json"</code>{text::AT}
                <code>{url}</code>{text::START_FROM}<code>"public/config.example.json"</code>")."
            </p>
        }
        .into_any(),
        LoadError::Invalid {
            from: source,
            errors,
            unknown,
        } => {
            let (file, fix) = match &source {
                Source::ConfigJson { url } => (url.clone(), text::AND_RELOAD),
                Source::Build { .. } => (".env".to_owned(), text::AND_REBUILD),
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
                    let problem = text::not_a_setting(u.suggestion);
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
                    {text::settings_come(&source.describe())}<code>{file}</code>" "{fix}":"
                </p>
                <table class="config-errors">
                    <thead><tr><th>{text::SETTING}</th><th>{text::PROBLEM}</th><th>{text::MEANING}</th></tr></thead>
                    <tbody>{rows}{unknown_rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <main class="centered">
            <div class="card card-wide" role="alert">
                <h1>{text::NOT_CONFIGURED}</h1>
                {body}
                <p class="muted">
                    {text::SETTINGS_EXPLAINED}
                </p>
            </div>
        </main>
    }
}
