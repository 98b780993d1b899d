use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::config::source::Source;
use crate::doctor::{self, Check, Inputs, Line, SignedIn, Status};
use crate::platform::browser;
use crate::platform::http::PageWeb;
use crate::routes;
use crate::text;
use crate::ui::session::{Account, use_session};

/// The setup check: one line per check with a tick or what to fix, filled in as the checks
/// run; "Run again", "Copy report", and "Sign in" for the checks that need a sign-in.
#[component]
pub fn SetupDoctor(
    /// The signed-in account; without one, the checks that need an ID token are skipped.
    account: Option<Arc<Account>>,
) -> impl IntoView {
    let session = use_session();
    let source = expect_context::<Source>();
    let origin = browser::origin();
    let lines = RwSignal::new(Vec::<Line>::new());
    let running = RwSignal::new(false);
    let copied = RwSignal::new(None::<Result<(), String>>);
    let signed_in = account.is_some();

    let run = {
        let source = source.clone();
        let origin = origin.clone();
        move || {
            if running.get_untracked() {
                return;
            }
            running.set(true);
            copied.set(None);
            lines.set(Vec::new());
            let account = account.clone();
            let source = source.clone();
            let origin = origin.clone();
            spawn_local(async move {
                let config = session.config();
                let sdk = session.sdk_config();
                let token = account.as_ref().map(|a| a.id_token());
                let inputs = Inputs {
                    config: &config,
                    source: &source,
                    origin: &origin,
                    signed_in: account
                        .as_ref()
                        .zip(token.as_ref())
                        .map(|(a, token)| SignedIn {
                            token,
                            sub: &a.identity.sub,
                        }),
                    sdk: &sdk,
                    clock: session.time_source(),
                };
                // The page may be left while checks run; a disposed signal just drops lines.
                doctor::run(&inputs, &PageWeb, |line| {
                    lines.try_update(|l| l.push(line));
                })
                .await;
                running.try_set(false);
            });
        }
    };
    run();

    let header = StoredValue::new(text::doctor_report_header(&origin, &source.describe()));
    let report = move || header.with_value(|h| doctor::report_text(h, &lines.get()));
    let copy = move |_| {
        let text = report();
        spawn_local(async move {
            copied.set(Some(browser::copy_text(&text).await));
        });
    };
    let rows = move || {
        let done = lines.get();
        Check::ALL
            .iter()
            .map(|check| match done.iter().find(|l| l.check == *check) {
                Some(line) => view! { <DoctorLine line=line.clone()/> }.into_any(),
                None => view! {
                    <li class="doctor-line doctor-pending" data-check=check.id() data-status="pending">
                        <span class="doctor-mark" aria-hidden="true">"…"</span>
                        <span class="doctor-title">{check.title()}</span>
                        <span class="visually-hidden">{text::DOCTOR_NOT_YET}</span>
                    </li>
                }
                .into_any(),
            })
            .collect_view()
    };
    let summary = move || {
        let done = lines.get();
        let failed = done.iter().filter(|l| l.status == Status::Fail).count();
        if running.get() {
            text::DOCTOR_CHECKING.to_owned()
        } else {
            text::problems_found(failed)
        }
    };

    view! {
        <section class="doctor" aria-labelledby="doctor-title" data-testid="doctor">
            <h2 id="doctor-title">{text::SETUP_CHECK}</h2>
            <p class="muted">
                {text::SETUP_CHECK_WHAT}
            </p>
            <ol class="doctor-lines">{rows}</ol>
            <p class="doctor-summary" role="status" data-testid="doctor-summary">{summary}</p>
            <div class="doctor-actions">
                <button class="button" disabled=move || running.get() on:click=move |_| run()>
                    {text::RUN_AGAIN}
                </button>
                <button class="button" disabled=move || running.get() on:click=copy>
                    {text::COPY_REPORT}
                </button>
                {(!signed_in).then(|| view! {
                    <button
                        class="button button-primary"
                        on:click=move |_| session.sign_in(routes::DOCTOR, false)
                    >
                        {text::SIGN_IN_FOR_EVERY_CHECK}
                    </button>
                })}
                <span class="muted small" role="status">
                    {move || match copied.get() {
                        Some(Ok(())) => text::COPIED.to_owned(),
                        Some(Err(e)) => text::could_not_copy(&e),
                        None => String::new(),
                    }}
                </span>
            </div>
            <details class="doctor-report">
                <summary>{text::REPORT_AS_TEXT}</summary>
                <textarea readonly rows="12" data-testid="doctor-report" prop:value=report></textarea>
            </details>
        </section>
    }
}

/// One check's outcome.
#[component]
fn DoctorLine(
    /// What the check found.
    line: Line,
) -> impl IntoView {
    let (class, status, said) = match line.status {
        Status::Pass => ("doctor-line doctor-pass", "pass", text::DOCTOR_PASSED),
        Status::Fail => ("doctor-line doctor-fail", "fail", text::DOCTOR_FAILED),
        Status::Skipped => (
            "doctor-line doctor-skipped",
            "skipped",
            text::DOCTOR_NOT_RUN,
        ),
    };
    view! {
        <li class=class data-check=line.check.id() data-status=status>
            <span class="doctor-mark" aria-hidden="true">{line.status.mark()}</span>
            <span class="doctor-title">{line.check.title()}</span>
            <span class="visually-hidden">{format!(" — {said}")}</span>
            <p class="doctor-finding">{line.finding}</p>
            {line.fix.map(|fix| view! {
                <p class="doctor-fix"><strong>"Fix: "</strong>{fix}</p>
            })}
            {line.snippet.map(|s| view! { <pre class="doctor-snippet">{s}</pre> })}
        </li>
    }
}
