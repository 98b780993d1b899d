use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;

use crate::credentials::epoch_ms;
use crate::platform::browser;
use crate::text;
use crate::ui::session::{Account, use_session};

/// The bar across the top: the app, who is signed in, until when the AWS credentials in hand
/// are valid (they renew by themselves), and sign-out.
#[component]
pub fn AppHeader(
    /// The signed-in account.
    account: Arc<Account>,
) -> impl IntoView {
    let session = use_session();
    let expiry = RwSignal::new(None::<u64>);
    let creds = account.credentials.clone();
    let tick = move || expiry.set(creds.expires_at().map(epoch_ms));
    tick();
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
    let name = account.identity.display_name().to_owned();
    let sub = account.identity.sub.clone();
    view! {
        <header class="app-header">
            <a class="brand" href="/">{text::APP_NAME}</a>
            <div class="user">
                <span class="user-name" title=sub data-testid="user-name">{name}</span>
                <span class="muted small session-expiry">
                    {move || expiry.get().map(|ms| {
                        let ms = i64::try_from(ms).unwrap_or(i64::MAX);
                        text::aws_access_until(&browser::local_datetime(ms))
                    })}
                </span>
                <button class="button" on:click=move |_| session.sign_out()>{text::SIGN_OUT}</button>
            </div>
        </header>
    }
}
