//! The app-level error and the sentence the user reads: what happened and what to do.
//!
//! Every module's error enum is explained here, in one place, so wording stays consistent and
//! no raw `SdkError` or HTTP detail is the first thing a user sees (details follow the advice).

use crate::auth::AuthError;
use crate::config::ConfigError;
use crate::credentials::CredentialsError;
use crate::storage::StorageError;
use crate::storage::edit::EditError;
use crate::storage::keys::KeyError;
use crate::storage::upload::{PlanError, UploadError, cors_rule};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    #[error("configuration")]
    Config(Vec<ConfigError>),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Upload(#[from] UploadError),
}

/// What the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// One line: what happened.
    pub title: String,
    /// What to do about it.
    pub action: String,
    /// The technical detail, for a bug report or an administrator.
    pub detail: Option<String>,
    /// Signing in again is the fix.
    pub sign_in_again: bool,
    /// The setup is probably wrong: the setup doctor can tell where.
    pub check_setup: bool,
}

impl Explanation {
    fn new(title: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            action: action.into(),
            detail: None,
            sign_in_again: false,
            check_setup: false,
        }
    }
    fn detail(mut self, detail: impl Into<String>) -> Self {
        let d = detail.into();
        self.detail = (!d.is_empty()).then_some(d);
        self
    }
    fn sign_in_again(mut self) -> Self {
        self.sign_in_again = true;
        self
    }
    fn check_setup(mut self) -> Self {
        self.check_setup = true;
        self
    }
}

impl AppError {
    /// Does the session need a new sign-in?
    pub fn needs_sign_in(&self) -> bool {
        self.explain().sign_in_again
    }

    pub fn explain(&self) -> Explanation {
        match self {
            Self::Config(errors) => Explanation::new(
                "This app is not configured correctly.",
                "Ask whoever deployed it to fix the settings listed below.",
            )
            .detail(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Self::Auth(e) => explain_auth(e),
            Self::Credentials(e) => explain_credentials(e),
            Self::Storage(e) => explain_storage(e),
            Self::Upload(e) => explain_upload(e),
        }
    }
}

fn explain_auth(e: &AuthError) -> Explanation {
    use AuthError as A;
    match e {
        A::ProviderUnreachable { issuer, detail } => Explanation::new(
            format!("The sign-in service at {issuer} cannot be reached."),
            "Check your connection and try again. If it keeps failing, the identity provider \
             may be down, or it does not allow this site (CORS) — tell your administrator.",
        )
        .detail(detail.clone())
        .check_setup(),
        A::DiscoveryInvalid { issuer, detail } => Explanation::new(
            format!("The sign-in service at {issuer} is not set up as this app expects."),
            "Tell your administrator: the issuer URL in the settings must match the provider's \
             discovery document exactly.",
        )
        .detail(detail.clone())
        .check_setup(),
        A::NoPendingLogin => Explanation::new(
            "This sign-in link has already been used or belongs to another tab.",
            "Sign in again from this tab.",
        )
        .sign_in_again(),
        A::SignedOutElsewhere => Explanation::new(
            "You signed out in another tab, so this one is signed out too.",
            "Sign in again to go on.",
        )
        .sign_in_again(),
        A::StateMismatch => Explanation::new(
            "The sign-in response did not match the sign-in you started, so it was refused.",
            "Sign in again. If this keeps happening, someone may be trying to sign you in to \
             their account.",
        )
        .sign_in_again(),
        A::IssuerMismatch { expected, got } => Explanation::new(
            "The sign-in response came from a different identity provider, so it was refused.",
            "Sign in again.",
        )
        .detail(format!("expected {expected}, got {got}"))
        .sign_in_again(),
        A::Refused { error, description } => {
            let title = if error == "access_denied" {
                "Sign-in was cancelled or refused by the identity provider."
            } else {
                "The identity provider could not sign you in."
            };
            Explanation::new(title, "Try again, or ask your administrator for access.")
                .detail(match description {
                    Some(d) => format!("{error}: {d}"),
                    None => error.clone(),
                })
                .sign_in_again()
        }
        A::LoginRequired => Explanation::new(
            "Your session with the identity provider has ended.",
            "Sign in again to continue.",
        )
        .sign_in_again(),
        A::TokenRefused { detail } => Explanation::new(
            "The identity provider did not complete the sign-in.",
            "Sign in again. The sign-in code may have expired or been used already.",
        )
        .detail(detail.clone())
        .sign_in_again(),
        A::TokenEndpointUnreachable { detail } => Explanation::new(
            "The identity provider could not be reached to finish signing in.",
            "Check your connection and sign in again. If it persists, the provider may not \
             allow this site's origin (CORS) — tell your administrator.",
        )
        .detail(detail.clone())
        .sign_in_again()
        .check_setup(),
        A::NoIdToken => Explanation::new(
            "The identity provider did not send an ID token.",
            "Tell your administrator: the client must be an OpenID Connect client with the \
             openid scope.",
        )
        .check_setup(),
        A::IdTokenRejected { reason } => Explanation::new(
            "The sign-in was refused because its ID token is not valid.",
            "Sign in again. If this keeps happening, tell your administrator — the token may \
             have been tampered with, or the client settings do not match.",
        )
        .detail(format!("The ID token was rejected: {reason}."))
        .sign_in_again(),
        A::SessionExpired => {
            Explanation::new("Your sign-in has expired.", "Sign in again to continue.")
                .sign_in_again()
        }
        A::NoRefreshToken => Explanation::new(
            "The identity provider gave this sign-in no way to renew itself (no refresh token).",
            "Sign in again before the sign-in ends; your place is kept.",
        )
        .sign_in_again(),
        A::SilentRenewalTimedOut => Explanation::new(
            "The identity provider did not renew your sign-in in the background.",
            "Sign in again in a small window; this page and its uploads stay as they are. \
             Browsers that block the provider's cookies inside other sites need this.",
        )
        .sign_in_again(),
    }
}

fn explain_credentials(e: &CredentialsError) -> Explanation {
    use CredentialsError as C;
    match e {
        C::InvalidIdentityToken(m) => Explanation::new(
            "AWS did not accept your sign-in (InvalidIdentityToken).",
            "Sign in again. If it keeps failing, tell your administrator: the IAM OIDC provider \
             must name this issuer and list this app's client id as an audience.",
        )
        .detail(m.clone())
        .sign_in_again()
        .check_setup(),
        C::IdTokenExpired => Explanation::new(
            "Your sign-in has expired (ExpiredToken), so AWS will not issue new credentials.",
            "Sign in again; your place is kept.",
        )
        .sign_in_again(),
        C::TrustPolicyDenied(m) => Explanation::new(
            "Your account is not allowed to use this storage (AccessDenied from STS).",
            "Ask your administrator to allow you in the role's trust policy.",
        )
        .detail(m.clone())
        .check_setup(),
        C::IdpUnreachable(m) => Explanation::new(
            "AWS could not reach the identity provider to check your sign-in.",
            "Try again in a minute. If it persists, tell your administrator.",
        )
        .detail(m.clone())
        .check_setup(),
        C::Invalid(m) => Explanation::new(
            "AWS refused the request for credentials.",
            "Tell your administrator: a setting (role ARN or session duration) is not accepted.",
        )
        .detail(m.clone())
        .check_setup(),
        C::Unreachable { endpoint, detail } => Explanation::new(
            format!("AWS STS at {endpoint} cannot be reached."),
            "Check your connection and try again. If it keeps failing, the STS endpoint \
             setting may be wrong or not allow this site (CORS).",
        )
        .detail(detail.clone())
        .check_setup(),
        C::Unavailable { code } => Explanation::new(
            format!("AWS STS is not answering right now ({code}), also when asked again."),
            "Nothing was changed and you are still signed in. Try again in a minute; the \
             credentials you have keep working until they expire.",
        ),
        C::Other(m) => Explanation::new(
            "AWS credentials could not be obtained.",
            "Try again. If it keeps failing, tell your administrator.",
        )
        .detail(m.clone()),
        C::SignedOut => {
            Explanation::new("You are signed out.", "Sign in to continue.").sign_in_again()
        }
    }
}

fn explain_storage(e: &StorageError) -> Explanation {
    use StorageError as S;
    match e {
        S::AccessDenied { target } => Explanation::new(
            format!("Access denied: you do not have permission for “{target}”."),
            "You can only open files in your own folder. If this is your file, ask your \
             administrator to check the role's permission policy.",
        ),
        S::NoSuchKey { key } => Explanation::new(
            format!("“{key}” does not exist (NoSuchKey)."),
            "It may have been deleted or renamed. Refresh the list.",
        ),
        S::NoSuchUpload { key } => Explanation::new(
            format!("The unfinished upload of “{key}” no longer exists in S3 (NoSuchUpload)."),
            "It was completed or cancelled elsewhere. Upload the file again to start over.",
        ),
        S::NoSuchBucket { bucket } => Explanation::new(
            format!("The bucket “{bucket}” does not exist."),
            "Tell your administrator: the bucket setting is wrong.",
        )
        .check_setup(),
        S::ExpiredToken => Explanation::new(
            "Your AWS session has expired (ExpiredToken).",
            "Sign in again; your place is kept.",
        )
        .sign_in_again(),
        S::BadCredentials { code } => Explanation::new(
            format!("S3 did not accept this session's credentials ({code})."),
            "Sign in again. If it persists, the region or S3 endpoint setting may be wrong.",
        )
        .sign_in_again()
        .check_setup(),
        S::ClockSkew => Explanation::new(
            "Your device's clock is more than 15 minutes off, so AWS refused the request \
             (RequestTimeTooSkewed), and Pail could not correct for it: it reads AWS's time from \
             the Date header, which the bucket's CORS rules do not let it see.",
            "Set your device's clock to update automatically, then try again. Administrators: \
             add Date to the bucket's CORS ExposeHeaders.",
        )
        .check_setup(),
        S::Credentials(c) => explain_credentials(c),
        S::Unreachable { endpoint, detail } => Explanation::new(
            format!("S3 at {endpoint} cannot be reached."),
            "Check your connection and try again. If it keeps failing, the bucket's CORS rules \
             may not allow this site — tell your administrator.",
        )
        .detail(detail.clone())
        .check_setup(),
        S::Key(k @ KeyError::DotSegment(_)) => Explanation::new(
            format!("{k}."),
            "Upload it under another name. An object that already has such a key (made with \
             another tool) can only be renamed or downloaded with another tool, such as the AWS \
             CLI.",
        ),
        S::Rename(e) => Explanation::new(
            format!("The file was not moved: {e}."),
            "Choose another name; nothing was changed.",
        ),
        S::Key(k) => Explanation::new(
            format!("That name cannot be used: {k}."),
            "Choose another name.",
        ),
        S::Edit(e @ EditError::NoEtag) => Explanation::new(
            format!("The metadata was not saved: {e}, so Pail could not make sure nobody changed \
                 the file meanwhile."),
            "Administrators: add ETag to the bucket's CORS ExposeHeaders.",
        )
        .check_setup(),
        S::Edit(e @ EditError::NotReadable { .. }) => Explanation::new(
            format!("The metadata was not saved: {e}."),
            "Use one of those names. Administrators can add a name to the app's metadata_keys \
             setting and to the bucket's CORS ExposeHeaders (as x-amz-meta-<name>).",
        ),
        S::Edit(e) => Explanation::new(
            format!("The metadata was not saved: {e}."),
            "Correct the entries and save again; nothing was changed.",
        ),
        S::Changed { key } => Explanation::new(
            format!("“{key}” was changed by someone else since you opened it, so your edit was \
                 not saved (PreconditionFailed: its ETag no longer matches)."),
            "Nothing was overwritten. Close the details and open them again to see the current \
             version, then make your change again.",
        ),
        S::PreconditionFailed { key } => Explanation::new(
            format!("S3 did not change “{key}”: it is no longer as it was when read \
                 (PreconditionFailed)."),
            "Refresh the list and try again.",
        ),
        S::Other {
            status,
            code,
            message,
        } => Explanation::new(
            if *status >= 500 {
                format!("S3 could not answer ({code}), also when asked again.")
            } else {
                format!("S3 refused the request ({code}).")
            },
            if *status >= 500 {
                "S3 is busy or had a problem; nothing was changed by the failed request — try again in a moment."
            } else {
                "Try again. If it keeps failing, tell your administrator."
            },
        )
        .detail(format!("HTTP {status}: {message}")),
    }
}

fn explain_upload(e: &UploadError) -> Explanation {
    match e {
        UploadError::Storage(s) => explain_storage(s),
        UploadError::EtagHidden {
            part,
            bucket,
            origin,
        } => Explanation::new(
            format!(
                "The upload cannot be finished: the CORS rules of bucket “{bucket}” do not expose \
                 the ETag header, so the browser hides it from this app (part {part} was stored, \
                 but S3 needs each part's ETag to assemble the file)."
            ),
            "Ask the bucket's administrator to add \"ETag\" to ExposeHeaders in the bucket's CORS \
             configuration, as in the rule below; then choose Retry. Until then, Cancel removes \
             the stored parts.",
        )
        .detail(format!(
            "aws s3api put-bucket-cors --bucket {bucket} --cors-configuration \
             '{{\"CORSRules\": {}}}'\n\nCORS rule:\n{}",
            cors_rule(origin).replace(['\n', ' '], ""),
            cors_rule(origin)
        )),
        UploadError::Unreadable(detail) => Explanation::new(
            "The file could not be read: it may have been changed, moved or deleted since it was \
             chosen.",
            "Choose the file again. A file that is still being written cannot be uploaded.",
        )
        .detail(detail.clone()),
        UploadError::Plan(PlanError::TooLarge { .. }) => Explanation::new(
            "The file is too large: S3 stores objects of up to 5 TiB.",
            "Split the file, or store it elsewhere.",
        ),
        UploadError::Plan(p) => Explanation::new(
            "The file cannot be cut into parts S3 accepts.",
            "Upload it again from the start.",
        )
        .detail(p.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_object_and_is_not_a_sign_in_problem() {
        let e = AppError::from(StorageError::AccessDenied {
            target: "users/alice/a.txt".into(),
        });
        let x = e.explain();
        assert!(x.title.contains("Access denied"), "{x:?}");
        assert!(x.title.contains("users/alice/a.txt"), "{x:?}");
        assert!(!e.needs_sign_in());
    }

    #[test]
    fn expiry_asks_for_sign_in() {
        assert!(AppError::from(StorageError::ExpiredToken).needs_sign_in());
        assert!(AppError::from(CredentialsError::IdTokenExpired).needs_sign_in());
        assert!(
            AppError::from(StorageError::Credentials(CredentialsError::IdTokenExpired))
                .needs_sign_in()
        );
    }

    #[test]
    fn config_errors_list_every_setting() {
        let e = AppError::Config(vec![
            ConfigError {
                key: "PAIL_S3_BUCKET",
                problem: "is not set".into(),
            },
            ConfigError {
                key: "PAIL_ROLE_ARN",
                problem: "is not set".into(),
            },
        ]);
        let detail = e.explain().detail.unwrap_or_default();
        assert!(detail.contains("PAIL_S3_BUCKET: is not set"));
        assert!(detail.contains("PAIL_ROLE_ARN: is not set"));
    }

    #[test]
    fn a_tampered_token_reads_as_such() {
        let e = AppError::from(AuthError::IdTokenRejected {
            reason: "its signature does not verify (tampered or forged)".into(),
        });
        let x = e.explain();
        assert!(x.title.contains("not valid"), "{x:?}");
        assert!(x.detail.unwrap_or_default().contains("tampered"));
    }

    #[test]
    fn setup_problems_point_at_the_setup_check() {
        let setup: Vec<AppError> = vec![
            CredentialsError::TrustPolicyDenied("m".into()).into(),
            CredentialsError::InvalidIdentityToken("m".into()).into(),
            // Skew reaches the user only when the Date header that corrects it is hidden.
            StorageError::ClockSkew.into(),
            StorageError::Unreachable {
                endpoint: "e".into(),
                detail: "d".into(),
            }
            .into(),
            AuthError::ProviderUnreachable {
                issuer: "i".into(),
                detail: "d".into(),
            }
            .into(),
        ];
        for e in setup {
            assert!(e.explain().check_setup, "{e:?}");
        }
        let not_setup: Vec<AppError> = vec![
            StorageError::NoSuchKey { key: "k".into() }.into(),
            AuthError::StateMismatch.into(),
            CredentialsError::IdTokenExpired.into(),
        ];
        for e in not_setup {
            assert!(!e.explain().check_setup, "{e:?}");
        }
    }

    #[test]
    fn every_message_says_what_to_do() {
        let samples: Vec<AppError> = vec![
            AuthError::ProviderUnreachable {
                issuer: "i".into(),
                detail: "d".into(),
            }
            .into(),
            AuthError::StateMismatch.into(),
            AuthError::LoginRequired.into(),
            CredentialsError::InvalidIdentityToken("m".into()).into(),
            CredentialsError::TrustPolicyDenied("m".into()).into(),
            StorageError::NoSuchKey { key: "k".into() }.into(),
            StorageError::Unreachable {
                endpoint: "e".into(),
                detail: "d".into(),
            }
            .into(),
        ];
        for e in samples {
            let x = e.explain();
            assert!(x.title.ends_with('.') && x.action.ends_with('.'), "{x:?}");
        }
    }

    #[test]
    fn a_hidden_etag_names_the_header_and_shows_the_rule() {
        let e = AppError::from(UploadError::EtagHidden {
            part: 1,
            bucket: "pail-demo".into(),
            origin: "https://files.example.com".into(),
        });
        let x = e.explain();
        assert!(x.title.contains("do not expose the ETag header"), "{x:?}");
        assert!(x.action.contains("ExposeHeaders"), "{x:?}");
        let detail = x.detail.unwrap_or_default();
        assert!(detail.contains(r#""ExposeHeaders": ["ETag""#), "{detail}");
        assert!(detail.contains(r#""AllowedOrigins": ["https://files.example.com"]"#));
        assert!(
            detail.contains("put-bucket-cors --bucket pail-demo"),
            "{detail}"
        );
        assert!(!e.needs_sign_in());
    }

    #[test]
    fn upload_errors_say_what_to_do() {
        let samples: Vec<AppError> = vec![
            UploadError::Unreadable("NotReadableError".into()).into(),
            UploadError::Plan(PlanError::TooLarge { size: 1 }).into(),
            UploadError::Storage(StorageError::NoSuchUpload { key: "k".into() }).into(),
            UploadError::Storage(StorageError::Credentials(CredentialsError::IdTokenExpired))
                .into(),
        ];
        for e in samples {
            let x = e.explain();
            assert!(x.title.ends_with('.') && x.action.ends_with('.'), "{x:?}");
        }
    }
}
