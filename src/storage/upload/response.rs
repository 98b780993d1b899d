//! What an answer to a part (or whole-object) PUT means: stored, worth another attempt, or
//! final. The browser sends these requests itself (not the SDK), so S3's XML errors are read
//! here, and then explained like every other S3 error (`StorageError::from_failure`).

use super::engine::HttpAnswer;
use crate::sdk::{SdkFailure, error_fields};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartOutcome {
    /// 2xx. The ETag is `None` when the bucket's CORS rules hide it.
    Stored { etag: Option<String> },
    /// Another attempt may succeed (with a fresh signature: credentials may have renewed).
    Retry(SdkFailure),
    /// It will fail again.
    Fail(SdkFailure),
}

/// S3 error codes a second attempt can fix (S3 API reference, "Error responses"; checksum
/// mismatches because the bytes may have been damaged on the way).
const RETRYABLE: &[&str] = &[
    "RequestTimeout",
    "ExpiredToken",
    "TokenRefreshRequired",
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "BadDigest",
    "XAmzContentChecksumMismatch",
    "XAmzContentSHA256Mismatch",
    "IncompleteBody",
    // The device's clock is off: the refusal's Date has corrected it (`crate::clock_skew`).
    "RequestTimeTooSkewed",
];

pub fn classify_response(answer: &HttpAnswer) -> PartOutcome {
    if (200..300).contains(&answer.status) {
        return PartOutcome::Stored {
            etag: answer.etag.clone().filter(|e| !e.is_empty()),
        };
    }
    let (code, message) = error_fields(&answer.body);
    let retry = answer.status == 0
        || answer.status >= 500
        || answer.status == 408
        || answer.status == 429
        || code.as_deref().is_some_and(|c| RETRYABLE.contains(&c))
        // A presigned URL used after its X-Amz-Expires: signing again fixes it.
        || (code.as_deref() == Some("AccessDenied")
            && message.as_deref().is_some_and(|m| m.contains("expired")));
    let failure = SdkFailure::Service {
        status: answer.status,
        code,
        message,
    };
    if retry {
        PartOutcome::Retry(failure)
    } else {
        PartOutcome::Fail(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpAnswer {
        HttpAnswer {
            status,
            etag: None,
            body: body.into(),
        }
    }

    fn xml(code: &str, message: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
             <Message>{message}</Message><RequestId>1</RequestId></Error>"
        )
    }

    #[test]
    fn success_with_and_without_a_readable_etag() {
        let mut ok = answer(200, "");
        ok.etag = Some("\"abc\"".into());
        assert_eq!(
            classify_response(&ok),
            PartOutcome::Stored {
                etag: Some("\"abc\"".into())
            }
        );
        assert_eq!(
            classify_response(&answer(200, "")),
            PartOutcome::Stored { etag: None }
        );
    }

    #[test]
    fn transient_failures_are_retried() {
        for (status, code, message) in [
            (500, "InternalError", "We encountered an internal error."),
            (503, "SlowDown", "Please reduce your request rate."),
            (
                400,
                "RequestTimeout",
                "Your socket connection to the server was not read.",
            ),
            (400, "ExpiredToken", "The provided token has expired."),
            (
                400,
                "BadDigest",
                "The CRC32 you specified did not match the calculated checksum.",
            ),
            (403, "AccessDenied", "Request has expired"),
        ] {
            match classify_response(&answer(status, &xml(code, message))) {
                PartOutcome::Retry(SdkFailure::Service { code: Some(c), .. }) => {
                    assert_eq!(c, code);
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        assert!(matches!(
            classify_response(&answer(0, "")),
            PartOutcome::Retry(_)
        ));
    }

    #[test]
    fn permanent_failures_are_not() {
        for (status, code) in [
            (403, "AccessDenied"),
            (404, "NoSuchUpload"),
            (400, "EntityTooSmall"),
            (403, "SignatureDoesNotMatch"),
        ] {
            assert!(
                matches!(
                    classify_response(&answer(status, &xml(code, "Access Denied"))),
                    PartOutcome::Fail(_)
                ),
                "{code}"
            );
        }
    }

    #[test]
    fn error_fields_are_unescaped_and_optional() {
        assert_eq!(
            error_fields(&xml("NoSuchUpload", "a &lt;b&gt; &amp; c")),
            (Some("NoSuchUpload".into()), Some("a <b> & c".into()))
        );
        assert_eq!(error_fields("not xml"), (None, None));
        assert_eq!(error_fields("<Code></Code>"), (None, None));
    }
}
