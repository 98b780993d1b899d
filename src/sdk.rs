//! The one place the AWS SDK is configured for the browser, and the one place its errors are
//! sorted into "could not reach it" and "it answered with an error code".
//!
//! The runtime pieces (HTTP client, clock, sleep) come in as a [`Runtime`], so the browser
//! passes fetch/`Date.now()`/`setTimeout` (see `crate::platform`) and host tests pass a
//! replay client and a fixed clock.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_config::{retry::RetryConfig, stalled_stream_protection::StalledStreamProtectionConfig};
use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_async::time::SharedTimeSource;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::credentials::CredentialsError;

/// What the SDK needs from the platform it runs on.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub http_client: SharedHttpClient,
    pub time_source: SharedTimeSource,
    pub sleep: SharedAsyncSleep,
}

/// Shared settings of the STS and S3 clients.
pub fn sdk_config(region: &str, runtime: &Runtime) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .http_client(runtime.http_client.clone())
        // `SystemTime::now()` and `Instant::now()` panic on wasm32-unknown-unknown.
        .time_source(runtime.time_source.clone())
        .sleep_impl(runtime.sleep.clone())
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        // The app corrects clock skew itself, for presigned requests too (`clock_skew`); the
        // SDK's own correction would add to it.
        .disable_clock_skew_correction(true)
        // fetch reports no upload progress, so the upload side of stalled-stream protection
        // would cancel every upload that takes longer than its grace period. Downloads are
        // read whole by the connector and stay protected.
        .stalled_stream_protection(
            StalledStreamProtectionConfig::enabled()
                .upload_enabled(false)
                .build(),
        )
        .build()
}

/// An SDK failure, sorted by what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkFailure {
    /// Nothing came back: the endpoint is down, unreachable, or the browser blocked the
    /// response (CORS). `fetch` cannot tell these apart.
    Unreachable { detail: String },
    /// The service answered with an error.
    Service {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// The service answered with something the SDK could not read (wrong endpoint?).
    Unreadable { status: Option<u16>, detail: String },
    /// The request was never sent; when it was because no AWS credentials could be obtained,
    /// that reason is kept.
    NotSent {
        detail: String,
        credentials: Option<CredentialsError>,
    },
}

pub fn classify<E>(err: SdkError<E, HttpResponse>) -> SdkFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = chain(Some(&err));
    // A failure to obtain credentials comes back as a dispatch failure or a construction
    // failure depending on where the orchestrator met it; either way nothing reached AWS and
    // the reason is ours.
    if let Some(credentials) = find_source::<CredentialsError>(&err) {
        return SdkFailure::NotSent {
            detail,
            credentials: Some(credentials.clone()),
        };
    }
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let e = ctx.err();
            let (mut code, mut message) =
                (e.code().map(str::to_owned), e.message().map(str::to_owned));
            // An error in another service's shape goes unread by the SDK: Ceph RGW's STS
            // answers in S3's `<Error>`, not STS's `<ErrorResponse>`. The body still says it.
            if code.is_none()
                && let Some(body) = ctx.raw().body().bytes()
            {
                let (c, m) = error_fields(&String::from_utf8_lossy(body));
                code = c;
                message = message.or(m);
            }
            SdkFailure::Service {
                status,
                code,
                message,
            }
        }
        SdkError::DispatchFailure(_) => SdkFailure::Unreachable { detail },
        SdkError::TimeoutError(_) => SdkFailure::Unreachable {
            detail: "timed out".into(),
        },
        SdkError::ResponseError(ctx) => SdkFailure::Unreadable {
            status: Some(ctx.raw().status().as_u16()),
            detail,
        },
        other => SdkFailure::NotSent {
            detail,
            credentials: find_source::<CredentialsError>(&other).cloned(),
        },
    }
}

/// `<Code>` and `<Message>` of an XML error body: S3's `<Error>`, and STS's `<ErrorResponse>`
/// (whose `<Error>` holds the same two).
pub fn error_fields(body: &str) -> (Option<String>, Option<String>) {
    (element(body, "Code"), element(body, "Message"))
}

fn element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&close)?;
    let text = body[start..end].trim();
    (!text.is_empty()).then(|| unescape(text))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The first error of type `T` in `err`'s source chain.
fn find_source<'e, T: std::error::Error + 'static>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        cur = e.source();
    }
    None
}

/// The error and its sources on one line (SDK errors say little at the top level).
pub fn chain(err: Option<&(dyn std::error::Error + 'static)>) -> String {
    let mut parts = Vec::new();
    let mut cur = err;
    while let Some(e) = cur {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}
