//! S3 failures, sorted into what the user can act on. The only place S3 error codes are read.

use crate::credentials::CredentialsError;
use crate::sdk::SdkFailure;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// IAM refused: outside the user's prefix, or the role lacks the permission.
    #[error("access denied to {target}")]
    AccessDenied { target: String },
    #[error("no object at {key}")]
    NoSuchKey { key: String },
    #[error("the bucket {bucket} does not exist")]
    NoSuchBucket { bucket: String },
    /// The multipart upload is gone: completed, or aborted (by the user elsewhere, or by a
    /// lifecycle rule).
    #[error("the unfinished upload of {key} no longer exists in S3")]
    NoSuchUpload { key: String },
    /// S3 refused the session credentials as expired.
    #[error("the AWS session has expired")]
    ExpiredToken,
    /// Signature or key id refused: wrong endpoint/region, or credentials revoked.
    #[error("S3 did not accept the credentials: {code}")]
    BadCredentials { code: String },
    #[error("this device's clock is off by more than 15 minutes")]
    ClockSkew,
    #[error("no AWS credentials: {0}")]
    Credentials(CredentialsError),
    /// Nothing came back: down, unreachable, or blocked by CORS.
    #[error("S3 at {endpoint} could not be reached: {detail}")]
    Unreachable { endpoint: String, detail: String },
    #[error("{0}")]
    Key(#[from] super::keys::KeyError),
    #[error("{0}")]
    Rename(#[from] super::rename::RenameError),
    #[error("{0}")]
    Edit(#[from] super::edit::EditError),
    /// A conditional request's condition did not hold (HTTP 412).
    #[error("a precondition for {key} did not hold")]
    PreconditionFailed { key: String },
    /// A new file's name was taken meanwhile: the write asked S3 to store it only where no
    /// object was (`If-None-Match: *`), and one had appeared. Nothing was replaced.
    #[error("{key} was created by someone else meanwhile")]
    Exists { key: String },
    /// The object is no longer the one the user was shown: a guarded edit was refused.
    #[error("{key} was changed by someone else")]
    Changed { key: String },
    #[error("S3 error {code} (HTTP {status}): {message}")]
    Other {
        status: u16,
        code: String,
        message: String,
    },
}

/// What the failed request was about, for the message.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub endpoint: &'a str,
    pub bucket: &'a str,
    /// The object key or listed prefix.
    pub path: &'a str,
}

impl StorageError {
    /// An object too large to copy (past S3's 5 TiB, so it cannot exist).
    pub fn too_large(detail: impl std::fmt::Display) -> Self {
        Self::Other {
            status: 0,
            code: "TooLarge".into(),
            message: detail.to_string(),
        }
    }

    pub fn from_failure(failure: SdkFailure, target: Target<'_>) -> Self {
        match failure {
            SdkFailure::Service {
                status,
                code,
                message,
            } => {
                let message = message.unwrap_or_default();
                // HEAD responses have no body, so only the status tells what happened.
                let code = code.unwrap_or_else(|| match status {
                    403 => "AccessDenied".into(),
                    404 => "NoSuchKey".into(),
                    // A success the SDK could not read as the answer it expected.
                    200..300 => "UnreadableResponse".into(),
                    _ => format!("HTTP{status}"),
                });
                match code.as_str() {
                    "AccessDenied" | "AllAccessDisabled" | "Forbidden" => Self::AccessDenied {
                        target: target.path.to_owned(),
                    },
                    "NoSuchKey" | "NotFound" => Self::NoSuchKey {
                        key: target.path.to_owned(),
                    },
                    "NoSuchBucket" => Self::NoSuchBucket {
                        bucket: target.bucket.to_owned(),
                    },
                    "NoSuchUpload" => Self::NoSuchUpload {
                        key: target.path.to_owned(),
                    },
                    "ExpiredToken" | "TokenRefreshRequired" => Self::ExpiredToken,
                    "InvalidAccessKeyId"
                    | "SignatureDoesNotMatch"
                    | "InvalidToken"
                    | "AuthorizationHeaderMalformed" => Self::BadCredentials { code },
                    "RequestTimeTooSkewed" => Self::ClockSkew,
                    "PreconditionFailed" | "HTTP412" => Self::PreconditionFailed {
                        key: target.path.to_owned(),
                    },
                    _ => Self::Other {
                        status,
                        code,
                        message,
                    },
                }
            }
            SdkFailure::Unreachable { detail } => Self::Unreachable {
                endpoint: target.endpoint.to_owned(),
                detail,
            },
            SdkFailure::Unreadable { status, detail } => Self::Other {
                status: status.unwrap_or(0),
                code: "UnreadableResponse".into(),
                message: format!(
                    "{} answered with something that is not S3: {detail}",
                    target.endpoint
                ),
            },
            SdkFailure::NotSent {
                credentials: Some(c),
                ..
            } => Self::Credentials(c),
            SdkFailure::NotSent {
                detail,
                credentials: None,
            } => Self::Other {
                status: 0,
                code: "NotSent".into(),
                message: detail,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Target<'static> = Target {
        endpoint: "http://s3",
        bucket: "b",
        path: "users/bob/x.txt",
    };

    fn service(status: u16, code: Option<&str>) -> SdkFailure {
        SdkFailure::Service {
            status,
            code: code.map(str::to_owned),
            message: None,
        }
    }

    #[test]
    fn codes_and_bare_statuses() {
        assert_eq!(
            StorageError::from_failure(service(403, Some("AccessDenied")), T),
            StorageError::AccessDenied {
                target: "users/bob/x.txt".into()
            }
        );
        // HeadObject: no body, no code.
        assert_eq!(
            StorageError::from_failure(service(403, None), T),
            StorageError::AccessDenied {
                target: "users/bob/x.txt".into()
            }
        );
        assert_eq!(
            StorageError::from_failure(service(404, None), T),
            StorageError::NoSuchKey {
                key: "users/bob/x.txt".into()
            }
        );
        assert_eq!(
            StorageError::from_failure(service(400, Some("ExpiredToken")), T),
            StorageError::ExpiredToken
        );
        assert_eq!(
            StorageError::from_failure(service(403, Some("RequestTimeTooSkewed")), T),
            StorageError::ClockSkew
        );
        assert_eq!(
            StorageError::from_failure(service(412, Some("PreconditionFailed")), T),
            StorageError::PreconditionFailed {
                key: "users/bob/x.txt".into()
            }
        );
        assert_eq!(
            StorageError::from_failure(service(412, None), T),
            StorageError::PreconditionFailed {
                key: "users/bob/x.txt".into()
            }
        );
        assert!(matches!(
            StorageError::from_failure(service(503, Some("SlowDown")), T),
            StorageError::Other { status: 503, .. }
        ));
    }

    #[test]
    fn credentials_failures_surface_as_such() {
        let f = SdkFailure::NotSent {
            detail: "x".into(),
            credentials: Some(CredentialsError::IdTokenExpired),
        };
        assert_eq!(
            StorageError::from_failure(f, T),
            StorageError::Credentials(CredentialsError::IdTokenExpired)
        );
    }
}
