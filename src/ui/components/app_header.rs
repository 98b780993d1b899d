use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;

use crate::credentials::epoch_ms;
use crate::platform::browser;
use crate::text;
use crate::ui::components::RenewalNotice;
use crate::ui::session::{Account, use_session};

/// The bar across the top: the app, who is signed in, until when the AWS credentials in hand
/// are valid (they renew by themselves), and sign-out.
#[component]
pub fn AppHeader(
    /// The signed-in account.
    account: Arc<Account>,
) -> impl IntoView {
    let session = use_session();
    // One tick reads both expiries: the credentials' and the ID token's (which moves with
    // each renewal; shown on the device's clock).
    let expiry = RwSignal::new(None::<u64>);
    let token_expiry = RwSignal::new(account.expires_at_ms());
    let tick = {
        let account = account.clone();
        move || {
            expiry.set(account.credentials.expires_at().map(epoch_ms));
            token_expiry.set(account.expires_at_ms());
        }
    };
    tick();
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
    let expires_at_ms = Signal::derive(move || {
        let aws_ms = i64::try_from(token_expiry.get()).unwrap_or(i64::MAX);
        u64::try_from(aws_ms - crate::clock_skew::offset_ms()).unwrap_or(0)
    });
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
        <RenewalNotice expires_at_ms/>
    }
}
