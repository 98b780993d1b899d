//! Temporary AWS credentials from the ID token: STS `AssumeRoleWithWebIdentity`, renewed
//! before they expire.
//!
//! Owns the STS conversation and the credentials' lifetime; not the ID token's (that is
//! `crate::auth`). [`WebIdentityCredentials`] is the S3 client's credentials provider: every
//! request asks it, and it calls STS only when the credentials it holds are about to expire —
//! so a long upload renews them between parts without noticing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, future};
use aws_sdk_sts::config::Builder as StsConfigBuilder;
use aws_smithy_async::time::SharedTimeSource;
use futures::lock::Mutex as AsyncMutex;

use crate::auth::IdTokenJwt;
use crate::config::AwsConfig;
use crate::sdk::{SdkFailure, classify};

/// Why no credentials could be obtained. Explained to the user by `crate::error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// STS does not accept the token (signature, issuer, audience, unknown provider…).
    #[error("STS rejected the ID token: {0}")]
    InvalidIdentityToken(String),
    /// The ID token's `exp` has passed: the user must sign in again.
    #[error("the ID token has expired")]
    IdTokenExpired,
    /// The role's trust policy does not let this token assume it.
    #[error("the role's trust policy refused this sign-in: {0}")]
    TrustPolicyDenied(String),
    /// STS could not fetch the provider's keys.
    #[error("STS could not reach the identity provider: {0}")]
    IdpUnreachable(String),
    #[error("STS refused the request: {0}")]
    Invalid(String),
    #[error("STS could not be reached at {endpoint}: {detail}")]
    Unreachable { endpoint: String, detail: String },
    /// STS is down or throttling (5xx, `ServiceUnavailable`, `Throttling`…), also after the
    /// SDK's retries: nothing is wrong with the sign-in, a later try may work.
    #[error("STS is not answering right now ({code})")]
    Unavailable { code: String },
    #[error("STS answered with an error: {0}")]
    Other(String),
    #[error("not signed in")]
    SignedOut,
}

/// A valid `RoleSessionName` (`[\w+=,.@-]{2,64}`) derived from the token's subject, so that
/// CloudTrail shows who did what.
pub fn role_session_name(sub: &str) -> String {
    let cleaned: String = sub
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = format!("pail-{cleaned}");
    name.truncate(64);
    name
}

/// STS credentials as the SDK's type, with their expiry.
pub fn from_sts(c: &aws_sdk_sts::types::Credentials) -> Result<Credentials, CredentialsError> {
    let expiry = SystemTime::try_from(*c.expiration())
        .map_err(|e| CredentialsError::Other(format!("unreadable expiration: {e}")))?;
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        Some(expiry),
        "AssumeRoleWithWebIdentity",
    ))
}

/// How long before expiry the credentials are renewed: five minutes, or a quarter of their
/// lifetime when that is shorter (short test sessions).
pub fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(300))
}

/// When to renew a sign-in whose ID token arrived at `received_ms` and expires at
/// `expires_ms` (milliseconds since the epoch): the same margin as for the credentials, so a
/// renewed token is in hand before STS needs it. A token that arrived already expired (or
/// with a clock gone backwards) is due at once.
pub fn renewal_due_ms(received_ms: u64, expires_ms: u64) -> u64 {
    let lifetime = Duration::from_millis(expires_ms.saturating_sub(received_ms));
    let margin = u64::try_from(renewal_margin(lifetime).as_millis()).unwrap_or(u64::MAX);
    expires_ms.saturating_sub(margin)
}

/// Milliseconds since the Unix epoch, for the UI.
pub fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The STS client: the shared browser config, the optional custom endpoint, no credentials
/// (AssumeRoleWithWebIdentity is an unsigned call).
pub fn sts_client(sdk: &aws_config::SdkConfig, aws: &AwsConfig) -> aws_sdk_sts::Client {
    let mut builder = StsConfigBuilder::from(sdk).retry_classifier(crate::clock_skew::SkewRetry);
    if let Some(endpoint) = &aws.sts_endpoint {
        builder = builder.endpoint_url(endpoint.as_str().trim_end_matches('/'));
    }
    aws_sdk_sts::Client::from_conf(builder.build())
}

/// The S3 client's credentials provider; cheap to clone (shared state).
#[derive(Clone, Debug)]
pub struct WebIdentityCredentials {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    lifetime: Duration,
    clock: SharedTimeSource,
    endpoint: String,
    /// The ID token, the role session name and the role (the template filled in for its user).
    token: Mutex<Option<(IdTokenJwt, String, String)>>,
    /// Held across the STS call, so concurrent requests wait for one renewal.
    current: AsyncMutex<Option<Credentials>>,
    /// The expiry of `current`, readable without waiting (for the UI).
    expiry: Mutex<Option<SystemTime>>,
    /// How long `current` was valid for when it arrived: its renewal margin follows from that,
    /// not from the lifetime asked for (STS may give less; a short-lived session must not be
    /// renewed on every request).
    held_for: Mutex<Option<Duration>>,
    /// Bumped by `set_token` and `clear`: an STS answer for an older token is dropped, so a
    /// renewal in flight cannot bring credentials back after sign-out.
    generation: AtomicU64,
    renewals: Mutex<u32>,
}

impl WebIdentityCredentials {
    pub fn new(sts: aws_sdk_sts::Client, aws: &AwsConfig, clock: SharedTimeSource) -> Self {
        let endpoint = aws.sts_endpoint.as_ref().map_or_else(
            || format!("https://sts.{}.amazonaws.com", aws.region),
            ToString::to_string,
        );
        Self {
            inner: Arc::new(Inner {
                sts,
                role_arn: aws.role_arn.clone(),
                lifetime: aws.session_duration,
                clock,
                endpoint,
                token: Mutex::new(None),
                current: AsyncMutex::new(None),
                expiry: Mutex::new(None),
                held_for: Mutex::new(None),
                generation: AtomicU64::new(0),
                renewals: Mutex::new(0),
            }),
        }
    }

    /// Uses this ID token from now on (after sign-in or its renewal). Credentials already held
    /// stay valid until they near expiry.
    pub fn set_token(&self, token: IdTokenJwt, sub: &str) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut slot) = self.inner.token.lock() {
            *slot = Some((
                token,
                role_session_name(sub),
                role_for(&self.inner.role_arn, sub),
            ));
        }
    }

    /// Forgets the token and the credentials (sign-out).
    pub fn clear(&self) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut slot) = self.inner.token.lock() {
            *slot = None;
        }
        if let Some(mut current) = self.inner.current.try_lock() {
            *current = None;
        }
        if let Ok(mut e) = self.inner.expiry.lock() {
            *e = None;
        }
    }

    /// When the credentials in hand expire, if there are any.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.inner.expiry.lock().ok().and_then(|e| *e)
    }

    /// How many times STS has been called (the first exchange counts).
    pub fn exchanges(&self) -> u32 {
        self.inner.renewals.lock().map_or(0, |n| *n)
    }

    /// Credentials valid for at least the renewal margin, calling STS when needed.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut current = self.inner.current.lock().await;
        let now = self.inner.clock.now();
        let held_for = self.inner.held_for.lock().ok().and_then(|h| *h);
        let margin = renewal_margin(held_for.unwrap_or(self.inner.lifetime));
        if let Some(c) = current.as_ref()
            && c.expiry().is_some_and(|exp| exp > now + margin)
        {
            return Ok(c.clone());
        }
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let fresh = self.assume().await?;
        if self.inner.generation.load(Ordering::SeqCst) != generation {
            // Signed out (or signed in as someone else) while STS was answering.
            return Err(CredentialsError::SignedOut);
        }
        if let Ok(mut e) = self.inner.expiry.lock() {
            *e = fresh.expiry();
        }
        if let Ok(mut h) = self.inner.held_for.lock() {
            *h = fresh.expiry().and_then(|e| e.duration_since(now).ok());
        }
        *current = Some(fresh.clone());
        Ok(fresh)
    }

    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let Some((token, session_name, role_arn)) =
            self.inner.token.lock().ok().and_then(|t| t.clone())
        else {
            return Err(CredentialsError::SignedOut);
        };
        if let Ok(mut n) = self.inner.renewals.lock() {
            *n += 1;
        }
        let out = self
            .inner
            .sts
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .web_identity_token(token.secret())
            .duration_seconds(i32::try_from(self.inner.lifetime.as_secs()).unwrap_or(3600))
            .send()
            .await
            .map_err(|e| sts_error(classify(e), &self.inner.endpoint))?;
        let creds = out
            .credentials()
            .ok_or_else(|| CredentialsError::Other("the answer carried no credentials".into()))?;
        from_sts(creds)
    }
}

impl ProvideCredentials for WebIdentityCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(provider::error::CredentialsError::provider_error)
        })
    }
}

/// The role a user assumes: `role_arn` with `{sub}` filled in, for stores that need one role
/// per user (Ceph RGW refuses `${issuer:sub}` in a policy's resources:
/// `arn:aws:iam:::role/pail-{sub}`); a role ARN without `{sub}` is everyone's.
pub fn role_for(role_arn: &str, sub: &str) -> String {
    role_arn.replace("{sub}", sub)
}

/// STS error codes (API reference, AssumeRoleWithWebIdentity "Errors") to what they mean here.
pub fn sts_error(failure: SdkFailure, endpoint: &str) -> CredentialsError {
    match failure {
        SdkFailure::Service {
            code,
            message,
            status,
        } => {
            let message = message.unwrap_or_default();
            match code.as_deref() {
                Some("ExpiredTokenException") => CredentialsError::IdTokenExpired,
                Some("InvalidIdentityToken" | "IDPRejectedClaim") => {
                    CredentialsError::InvalidIdentityToken(message)
                }
                Some("AccessDenied") => CredentialsError::TrustPolicyDenied(message),
                Some("IDPCommunicationError") => CredentialsError::IdpUnreachable(message),
                Some("ValidationError" | "MalformedPolicyDocument" | "PackedPolicyTooLarge") => {
                    CredentialsError::Invalid(message)
                }
                Some(
                    code @ ("ServiceUnavailable"
                    | "InternalFailure"
                    | "InternalError"
                    | "Throttling"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"),
                ) => CredentialsError::Unavailable {
                    code: code.to_owned(),
                },
                Some(other) if status >= 500 => CredentialsError::Unavailable {
                    code: other.to_owned(),
                },
                None if status >= 500 => CredentialsError::Unavailable {
                    code: format!("HTTP {status}"),
                },
                Some(other) => CredentialsError::Other(format!("{other}: {message}")),
                None => CredentialsError::Other(format!("HTTP {status} {message}")),
            }
        }
        SdkFailure::Unreachable { detail } => CredentialsError::Unreachable {
            endpoint: endpoint.to_owned(),
            detail,
        },
        SdkFailure::Unreadable { status, detail } => CredentialsError::Other(format!(
            "{endpoint} answered{} with something that is not STS ({detail})",
            status.map(|s| format!(" HTTP {s}")).unwrap_or_default()
        )),
        SdkFailure::NotSent { detail, .. } => CredentialsError::Other(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_per_user_comes_from_the_template() {
        assert_eq!(
            role_for("arn:aws:iam:::role/pail-{sub}", "alice"),
            "arn:aws:iam:::role/pail-alice"
        );
        let shared = "arn:aws:iam::123456789012:role/pail-web-user";
        assert_eq!(role_for(shared, "alice"), shared);
    }

    #[test]
    fn session_names_are_valid_for_sts() {
        assert_eq!(role_session_name("alice"), "pail-alice");
        assert_eq!(role_session_name("auth0|5f7c/ü x"), "pail-auth0-5f7c---x");
        let long = role_session_name(&"a".repeat(200));
        assert_eq!(long.len(), 64);
        let valid = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
        };
        assert!(valid(&role_session_name("a b/c:d?e")));
    }

    #[test]
    fn sign_ins_are_renewed_a_quarter_of_their_life_ahead_at_most_five_minutes() {
        // One hour: five minutes ahead.
        assert_eq!(renewal_due_ms(0, 3_600_000), 3_300_000);
        // Twenty seconds (the renewal tests' tokens): five seconds ahead.
        assert_eq!(renewal_due_ms(1_000, 21_000), 16_000);
        // Already expired when it arrived: due at its expiry, which has passed.
        assert_eq!(renewal_due_ms(50_000, 40_000), 40_000);
    }

    #[test]
    fn renewal_margin_is_bounded() {
        assert_eq!(
            renewal_margin(Duration::from_secs(3600)),
            Duration::from_secs(300)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(60)),
            Duration::from_secs(15)
        );
    }

    #[test]
    fn sts_codes_map_to_meanings() {
        let service = |code: &str| SdkFailure::Service {
            status: 400,
            code: Some(code.into()),
            message: Some("m".into()),
        };
        assert_eq!(
            sts_error(service("ExpiredTokenException"), "e"),
            CredentialsError::IdTokenExpired
        );
        assert_eq!(
            sts_error(service("InvalidIdentityToken"), "e"),
            CredentialsError::InvalidIdentityToken("m".into())
        );
        assert_eq!(
            sts_error(service("AccessDenied"), "e"),
            CredentialsError::TrustPolicyDenied("m".into())
        );
        assert_eq!(
            sts_error(
                SdkFailure::Unreachable {
                    detail: "refused".into()
                },
                "http://sts"
            ),
            CredentialsError::Unreachable {
                endpoint: "http://sts".into(),
                detail: "refused".into()
            }
        );
    }

    #[test]
    fn an_sts_outage_or_throttling_is_unavailable_not_a_setup_problem() {
        let failure = |status: u16, code: Option<&str>| SdkFailure::Service {
            status,
            code: code.map(Into::into),
            message: Some("m".into()),
        };
        let unavailable = |code: &str| CredentialsError::Unavailable { code: code.into() };
        assert_eq!(
            sts_error(failure(503, Some("ServiceUnavailable")), "e"),
            unavailable("ServiceUnavailable")
        );
        assert_eq!(
            sts_error(failure(400, Some("Throttling")), "e"),
            unavailable("Throttling")
        );
        assert_eq!(
            sts_error(failure(500, Some("SomethingNew")), "e"),
            unavailable("SomethingNew")
        );
        assert_eq!(sts_error(failure(502, None), "e"), unavailable("HTTP 502"));
        // A 4xx the app does not know stays "other".
        assert_eq!(
            sts_error(failure(400, Some("SomethingNew")), "e"),
            CredentialsError::Other("SomethingNew: m".into())
        );
    }
}
