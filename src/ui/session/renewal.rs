//! Keeps a sign-in alive without leaving the page. Before the ID token expires (the same
//! margin as for STS credentials: a quarter of its lifetime, at most five minutes) it is
//! renewed with the refresh token when the provider issued one — rotated on every use, so
//! the answer's token replaces it — and otherwise, or when that is refused, with a fresh
//! authorization request (`prompt=none`) in a hidden frame. When both fail the page says so
//! and offers to sign in again in a small window, which keeps the open folder and any
//! waiting uploads; it keeps trying in the background meanwhile.
//!
//! Each tab renews its own tokens (a refresh token is never shared between tabs), so two
//! tabs cannot spend the same rotated refresh token.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Account, Phase, Session};
use crate::auth::{AuthError, Callback, SignIn};
use crate::credentials::renewal_due_ms;
use crate::error::AppError;
use crate::platform::browser::frame;
use crate::platform::clock::{BrowserClock, timeout};
use crate::platform::http::oidc_client;

/// How long the hidden frame may take to come back from the provider.
const SILENT_WAIT: Duration = Duration::from_secs(20);
/// After a failed renewal, the next try waits this long.
const RETRY_AFTER_MS: u64 = 30_000;
/// The longest sleep between looks at the clock (a suspended laptop wakes up late).
const MAX_NAP_MS: u64 = 10_000;

impl Session {
    /// Renews `account`'s sign-in before it expires, for as long as it is this session's.
    pub(super) fn keep_renewed(&self, account: Arc<Account>) {
        let session = *self;
        spawn_local(async move {
            let mut not_before = 0;
            loop {
                let now = BrowserClock::now_ms();
                let due = account
                    .with_current(|c| {
                        renewal_due_ms(c.received_ms, c.sign_in.identity.expires_at_ms)
                    })
                    .max(not_before);
                if now < due {
                    timeout(Duration::from_millis((due - now).min(MAX_NAP_MS))).await;
                }
                if !session.holds(&account) {
                    return;
                }
                if BrowserClock::now_ms() < due {
                    continue;
                }
                match session.renew(&account).await {
                    Ok(()) => {
                        not_before = 0;
                        session.renewal.try_set(None);
                    }
                    Err(e) => {
                        leptos::logging::warn!("sign-in renewal failed: {e}");
                        not_before = BrowserClock::now_ms() + RETRY_AFTER_MS;
                        if session.holds(&account) {
                            session.renewal.try_set(Some(e));
                        }
                    }
                }
            }
        });
    }

    /// Is `account` still the signed-in one (not signed out, not replaced)?
    fn holds(&self, account: &Arc<Account>) -> bool {
        matches!(
            self.phase.try_get_untracked(),
            Some(Phase::SignedIn(current)) if Arc::ptr_eq(&current, account)
        )
    }

    /// One renewal: the refresh token first, then `prompt=none` in a hidden frame.
    async fn renew(&self, account: &Account) -> Result<(), AppError> {
        let provider = self
            .provider
            .get_untracked()
            .ok_or(AppError::Auth(AuthError::SessionExpired))?;
        let current = account.with_current(|c| c.sign_in.clone());
        if current.refresh_token.is_some() {
            match provider.refresh(&current, &oidc_client).await {
                Ok(next) => {
                    account.renewed(next);
                    return Ok(());
                }
                Err(e) => {
                    // Refused (spent, revoked, expired): it will not work again.
                    if matches!(e, AuthError::TokenRefused { .. }) {
                        account.forget_refresh_token();
                    }
                    leptos::logging::warn!("refresh token: {e}; trying prompt=none");
                }
            }
        }
        let (url, pending) = provider.begin_login("/", true);
        let query = frame::authorize(url.as_str(), SILENT_WAIT)
            .await
            .ok_or(AuthError::SilentRenewalTimedOut)?;
        let callback = Callback::parse(&query).ok_or(AuthError::SilentRenewalTimedOut)?;
        let next = provider
            .complete_login(pending, callback, &oidc_client)
            .await
            .map_err(AppError::from)
            .and_then(|sign_in| same_user(account, sign_in))?;
        account.renewed(next);
        Ok(())
    }
}

impl Account {
    fn forget_refresh_token(&self) {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        current.sign_in.refresh_token = None;
    }
}

/// A new sign-in for an account must be its user's: anything else is refused, and the
/// account keeps what it has.
pub(super) fn same_user(account: &Account, sign_in: SignIn) -> Result<SignIn, AppError> {
    if sign_in.identity.sub == account.identity.sub {
        Ok(sign_in)
    } else {
        Err(AppError::Auth(AuthError::Refused {
            error: "other_user".into(),
            description: Some(format!(
                "the sign-in named {} instead of {}, who is signed in on this page",
                sign_in.identity.sub, account.identity.sub
            )),
        }))
    }
}
