//! How far this device's clock is from AWS's, learned from the `Date` header of S3 and STS
//! answers, so that every signature — the SDK's and the presigned part URLs — is made at
//! AWS's time. S3 refuses a request signed more than 15 minutes off (RequestTimeTooSkewed)
//! and a presigned URL whose window has passed by its clock ("Request has expired"); and the
//! credentials' `Expiration` is AWS's time too, so renewing them on time needs the same
//! correction.
//!
//! The AWS SDK corrects skew by itself, but only for the requests it signs and sends, and it
//! keeps what it learns to itself: presigned URLs (how Pail uploads, `storage::upload`) are
//! never corrected. So the app keeps one offset, the SDK's clock is `Date.now()` plus it
//! (`platform::clock`), and the SDK's own correction is turned off (`sdk::sdk_config`) so the
//! two never add up. A request refused for skew is retried once the offset is known
//! ([`SkewRetry`] for the SDK; the upload engine's part retries for presigned requests).
//!
//! The offset is process-wide (an atomic): one page talks to one AWS.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_types::date_time::{DateTime, Format};
use aws_smithy_types::retry::ErrorKind;

/// Differences smaller than this are left alone: `Date` has one-second resolution, and it is
/// stamped when the server starts answering, which for a large download can be well before
/// the last byte arrives. S3 itself tolerates 15 minutes.
pub const IGNORED_BELOW: Duration = Duration::from_secs(60);

/// Error codes AWS answers a request signed at the wrong time with (S3: RequestTimeTooSkewed;
/// STS and the other query services: RequestExpired).
const SKEW_CODES: &[&str] = &["RequestTimeTooSkewed", "RequestExpired"];

static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

/// AWS's time minus this device's, in milliseconds (0 until a skew has been seen).
pub fn offset_ms() -> i64 {
    OFFSET_MS.load(Ordering::Relaxed)
}

/// `local_ms` (milliseconds since the epoch by this device's clock) at AWS's time.
pub fn corrected_ms(local_ms: u64) -> u64 {
    local_ms.saturating_add_signed(offset_ms())
}

/// Learns from a `Date` header received at `local_ms` (this device's clock, uncorrected).
/// Returns the new offset when it changed: when the server's time and the corrected local
/// time differ by [`IGNORED_BELOW`] or more. A skew below that counts as none, so a device
/// whose clock is right again goes back to an offset of exactly zero. An unreadable `Date`
/// changes nothing.
pub fn observe(date: &str, local_ms: u64) -> Option<i64> {
    let ignored = IGNORED_BELOW.as_millis() as u64;
    let candidate = offset_from(date, local_ms)?;
    let candidate = if candidate.unsigned_abs() < ignored {
        0
    } else {
        candidate
    };
    let current = offset_ms();
    if candidate.abs_diff(current) < ignored {
        return None;
    }
    OFFSET_MS.store(candidate, Ordering::Relaxed);
    Some(candidate)
}

/// AWS's time minus `local_ms`, from an HTTP `Date` (RFC 9110 IMF-fixdate).
pub fn offset_from(date: &str, local_ms: u64) -> Option<i64> {
    let server = SystemTime::try_from(DateTime::from_str(date.trim(), Format::HttpDate).ok()?)
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?;
    let server_ms = i64::try_from(server.as_millis()).ok()?;
    Some(server_ms - i64::try_from(local_ms).ok()?)
}

/// Retries an SDK request that AWS refused for clock skew, when its answer carried a `Date`:
/// the connector has learned the offset from it by then (`platform::connector`), so the next
/// attempt is signed at AWS's time. Without a readable `Date` (a bucket whose CORS rules do
/// not expose it) another attempt would fail the same way, so it is not made.
#[derive(Debug, Default, Clone, Copy)]
pub struct SkewRetry;

impl ClassifyRetry for SkewRetry {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(response) = ctx.response() else {
            return RetryAction::NoActionIndicated;
        };
        if response.headers().get("date").is_none() {
            return RetryAction::NoActionIndicated;
        }
        let body = response.body().bytes().unwrap_or_default();
        let body = String::from_utf8_lossy(body);
        if SKEW_CODES
            .iter()
            .any(|code| body.contains(&format!("<Code>{code}</Code>")))
        {
            RetryAction::retryable_error(ErrorKind::TransientError)
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "Pail clock skew"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::http_status_code_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-22T04:00:00Z
    const AT: u64 = 1_795_320_000_000;

    #[test]
    fn the_offset_is_servers_time_minus_ours() {
        assert_eq!(offset_from("Sun, 22 Nov 2026 04:00:00 GMT", AT), Some(0));
        assert_eq!(
            offset_from("Sun, 22 Nov 2026 05:00:00 GMT", AT),
            Some(3_600_000)
        );
        assert_eq!(
            offset_from("Sun, 22 Nov 2026 03:30:00 GMT", AT + 500),
            Some(-1_800_500)
        );
        for bad in [
            "",
            "yesterday",
            "2026-11-22T04:00:00Z",
            "Sun, 32 Nov 2026 04:00:00 GMT",
        ] {
            assert_eq!(offset_from(bad, AT), None, "{bad}");
        }
    }

    fn classify(status: u16, date: Option<&str>, body: &str) -> RetryAction {
        use aws_smithy_runtime_api::client::interceptors::context::{Input, InterceptorContext};
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use aws_smithy_types::body::SdkBody;
        let mut response = ::http::Response::builder().status(status);
        if let Some(date) = date {
            response = response.header("Date", date);
        }
        let response = response
            .body(SdkBody::from(body.to_owned()))
            .expect("response");
        let mut ctx = InterceptorContext::new(Input::doesnt_matter());
        ctx.set_response(HttpResponse::try_from(response).expect("response"));
        SkewRetry.classify_retry(&ctx)
    }

    #[test]
    fn a_skew_refusal_with_a_readable_date_is_retried() {
        let date = Some("Sun, 22 Nov 2026 05:00:00 GMT");
        let s3 = "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the \
                  request time and the current time is too large.</Message></Error>";
        let sts = "<ErrorResponse><Error><Type>Sender</Type><Code>RequestExpired</Code>\
                   </Error></ErrorResponse>";
        assert_eq!(
            classify(403, date, s3),
            RetryAction::retryable_error(ErrorKind::TransientError)
        );
        assert_eq!(
            classify(400, date, sts),
            RetryAction::retryable_error(ErrorKind::TransientError)
        );
        // Without the Date (CORS hides it) the clock cannot be corrected: no point retrying.
        assert_eq!(classify(403, None, s3), RetryAction::NoActionIndicated);
        let denied = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        assert_eq!(classify(403, date, denied), RetryAction::NoActionIndicated);
        assert_eq!(classify(200, date, ""), RetryAction::NoActionIndicated);
    }

    // One test for the process-wide offset: tests run in parallel threads.
    #[test]
    fn small_differences_are_ignored_large_ones_learned_and_unlearned() {
        OFFSET_MS.store(0, Ordering::Relaxed);
        assert_eq!(observe("Sun, 22 Nov 2026 04:00:59 GMT", AT), None);
        assert_eq!(offset_ms(), 0);
        assert_eq!(corrected_ms(AT), AT);
        assert_eq!(
            observe("Sun, 22 Nov 2026 05:00:00 GMT", AT),
            Some(3_600_000)
        );
        assert_eq!(corrected_ms(AT), AT + 3_600_000);
        // Once corrected, the same answer a second later is no news.
        assert_eq!(observe("Sun, 22 Nov 2026 05:00:01 GMT", AT + 1_000), None);
        assert_eq!(observe("not a date", AT), None);
        assert_eq!(offset_ms(), 3_600_000);
        // The device's clock was fixed meanwhile; a Date a few seconds off is no skew.
        assert_eq!(observe("Sun, 22 Nov 2026 04:00:02 GMT", AT), Some(0));
        assert_eq!(corrected_ms(AT), AT);
    }
}
