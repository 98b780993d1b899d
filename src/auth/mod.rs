//! Sign-in with OpenID Connect: authorization code + PKCE (S256), `state` and `nonce`, the ID
//! token verified (JWKS signature, `iss`, `aud`, `exp`, `nonce`).
//!
//! Owns the protocol; not the browser. What crosses a redirect lives in [`pending`], the
//! provider conversation in [`provider`] (generic over the HTTP client, so the host tests replay
//! recorded HTTP), the provider's keys and where a signature is checked in [`jwk`], and the
//! parsed redirect in [`callback`]. The browser glue that stores the
//! pending record and moves `window.location` is in `crate::platform`.

pub mod callback;
pub mod jwk;
pub mod pending;
pub mod provider;

use std::fmt;

use openidconnect::{Nonce, RefreshToken};

pub use callback::Callback;
pub use pending::PendingLogin;
pub use provider::Provider;

/// The raw ID token. Its `Debug` never prints it, so it cannot leak into logs or messages.
#[derive(Clone, PartialEq, Eq)]
pub struct IdTokenJwt(String);

impl IdTokenJwt {
    pub fn new(jwt: String) -> Self {
        Self(jwt)
    }
    /// The token itself, for STS and `id_token_hint` only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdTokenJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdTokenJwt(<redacted>)")
    }
}

/// Who is signed in, from the verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub sub: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `exp` of the ID token, in milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
}

impl Identity {
    /// What the header shows: name, else email, else the subject.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.email.as_deref())
            .unwrap_or(&self.sub)
    }
}

/// A verified sign-in, and what renewing it takes.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub id_token: IdTokenJwt,
    pub identity: Identity,
    /// Where the user was when sign-in started.
    pub return_to: String,
    /// When the provider issued one: renews the sign-in without the browser leaving the page
    /// (`Provider::refresh`). Held in memory only; its `Debug` is redacted.
    pub refresh_token: Option<RefreshToken>,
    /// The nonce of this sign-in: a renewed ID token that carries one must carry this one.
    pub nonce: Nonce,
}

/// Why sign-in did not happen. Each variant is explained to the user by `crate::error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the identity provider at {issuer} could not be reached: {detail}")]
    ProviderUnreachable { issuer: String, detail: String },
    #[error("the identity provider's discovery document is not usable: {detail}")]
    DiscoveryInvalid { issuer: String, detail: String },
    #[error("a sign-in response arrived, but this tab did not start a sign-in")]
    NoPendingLogin,
    #[error("signed out in another tab")]
    SignedOutElsewhere,
    #[error(
        "the sign-in response does not belong to the sign-in this tab started (state mismatch)"
    )]
    StateMismatch,
    #[error("the sign-in response names issuer {got}, not {expected}")]
    IssuerMismatch { expected: String, got: String },
    #[error("the identity provider refused the sign-in: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        error: String,
        description: Option<String>,
    },
    /// `prompt=none` found no session at the provider.
    #[error("no session at the identity provider")]
    LoginRequired,
    #[error("the token endpoint refused the code: {detail}")]
    TokenRefused { detail: String },
    #[error("the token endpoint could not be reached: {detail}")]
    TokenEndpointUnreachable { detail: String },
    #[error("the identity provider returned no ID token")]
    NoIdToken,
    #[error("the ID token was rejected: {reason}")]
    IdTokenRejected { reason: String },
    #[error("the sign-in has expired")]
    SessionExpired,
    /// Renewal by refresh token was asked for, but the provider gave none.
    #[error("the identity provider issued no refresh token")]
    NoRefreshToken,
    /// The silent renewal's hidden frame got no answer (the provider page did not come back,
    /// e.g. because it refuses to be framed or the browser blocks its cookies there).
    #[error("the identity provider did not answer the silent renewal in time")]
    SilentRenewalTimedOut,
}
