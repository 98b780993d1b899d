//! The notice that the sign-in could not be renewed in the background, with "Sign in again"
//! in a small window (the page, the open folder and waiting uploads stay).

use leptos::prelude::*;

use crate::error::AppError;
use crate::platform::browser;
use crate::text;
use crate::ui::session::use_session;
use crate::ui::uploads::Uploads;

#[component]
pub fn RenewalNotice(
    /// When the ID token in use expires (ms since the epoch, the device's clock).
    expires_at_ms: Signal<u64>,
) -> impl IntoView {
    let session = use_session();
    let uploads = use_context::<Uploads>();
    // What the sign-in window itself ran into (blocked, another user…).
    let window_problem = RwSignal::new(None::<AppError>);
    let sign_in_again = move |_| {
        window_problem.set(None);
        session.sign_in_again_in_window(move |outcome| match outcome {
            Ok(()) => {
                if let Some(uploads) = uploads
                    && uploads.paused.get_untracked().is_some()
                {
                    uploads.resume_after_sign_in();
                }
            }
            Err(e) => window_problem.set(Some(e)),
        });
    };
    move || {
        session.renewal_problem().map(|problem| {
            let why = problem.explain();
            let ends = i64::try_from(expires_at_ms.get()).unwrap_or(i64::MAX);
            view! {
                <div class="notice notice-warning renewal-notice" role="alert" data-testid="renewal-notice">
                    <p class="notice-title">{text::RENEWAL_FAILED}</p>
                    <p>{text::renewal_ends(&browser::local_datetime(ends))}</p>
                    <details>
                        <summary>{text::TECHNICAL_DETAILS}</summary>
                        <pre>{why.title} " " {why.detail.unwrap_or_default()}</pre>
                    </details>
                    <button class="button button-primary" on:click=sign_in_again>
                        {text::SIGN_IN_AGAIN}
                    </button>
                    {move || window_problem.get().map(|e| {
                        let x = e.explain();
                        view! { <p class="small">{x.title} " " {x.action}</p> }
                    })}
                </div>
            }
        })
    }
}
