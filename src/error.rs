//! The app-level error and the sentence the user reads: what happened and what to do.
//!
//! Every module's error enum is explained in one place, so wording stays consistent and no raw
//! `SdkError` or HTTP detail is the first thing a user sees (details follow the advice). The
//! sentences themselves, and which error gets which, are in `crate::text` with every other text.

use crate::auth::AuthError;
use crate::config::ConfigError;
use crate::credentials::CredentialsError;
use crate::storage::StorageError;
use crate::storage::upload::UploadError;
use crate::text;

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
    pub(crate) fn new(title: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            action: action.into(),
            detail: None,
            sign_in_again: false,
            check_setup: false,
        }
    }
    pub(crate) fn detail(mut self, detail: impl Into<String>) -> Self {
        let d = detail.into();
        self.detail = (!d.is_empty()).then_some(d);
        self
    }
    pub(crate) fn sign_in_again(mut self) -> Self {
        self.sign_in_again = true;
        self
    }
    pub(crate) fn check_setup(mut self) -> Self {
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
            Self::Config(errors) => {
                Explanation::new(text::CONFIG_BROKEN, text::CONFIG_BROKEN_ACTION).detail(
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
            }
            Self::Auth(e) => text::explain_auth(e),
            Self::Credentials(e) => text::explain_credentials(e),
            Self::Storage(e) => text::explain_storage(e),
            Self::Upload(e) => text::explain_upload(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::upload::PlanError;

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
