//! The one place that calls `window.fetch`. Bytes in, bytes out — bodies are never turned into
//! strings — and the request is aborted when its future is dropped.

use gloo_net::http::{Method, RequestBuilder};
use web_sys::{AbortController, RequestCache};

/// A request as the callers have it.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: Vec<(String, String)>,
    pub body: Option<&'a [u8]>,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// `fetch` rejected: offline, refused, DNS, or the response was blocked by CORS — the
    /// browser deliberately does not say which.
    #[error("the request failed (network error, server down, or blocked by CORS): {0}")]
    Network(String),
    #[error("the request could not be made: {0}")]
    Invalid(String),
}

/// Headers the browser sets itself and refuses from scripts (Fetch standard, "forbidden
/// request-header"); the SDK signs `host` and may add `content-length`, and the browser
/// sends the same values.
fn browser_owned(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "host" | "content-length" | "user-agent" | "connection" | "expect" | "transfer-encoding"
    )
}

pub async fn fetch(request: Request<'_>) -> Result<Response, FetchError> {
    let method = Method::from_bytes(request.method.as_bytes())
        .map_err(|e| FetchError::Invalid(e.to_string()))?;
    let controller = AbortController::new().map_err(|e| FetchError::Invalid(format!("{e:?}")))?;
    let _abort = AbortOnDrop(controller.clone());

    let mut builder = RequestBuilder::new(request.url)
        .method(method)
        .cache(cache_mode(request.method))
        .abort_signal(Some(&controller.signal()));
    for (name, value) in &request.headers {
        if !browser_owned(name) {
            builder = builder.header(name, value);
        }
    }
    let built = match request.body {
        Some(bytes) => builder.body(js_sys::Uint8Array::from(bytes)),
        None => builder.build(),
    }
    .map_err(|e| FetchError::Invalid(e.to_string()))?;

    let response = built
        .send()
        .await
        .map_err(|e| FetchError::Network(e.to_string()))?;
    let status = response.status();
    let headers = response.headers().entries().collect();
    let body = response
        .binary()
        .await
        .map_err(|e| FetchError::Network(e.to_string()))?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// PUTs the `Blob` `body` to `url` with `headers`, by fetch with the `force-cache` mode (see
/// [`cache_mode`]): for a conditional PUT, which XMLHttpRequest cannot send without the browser
/// adding `Cache-Control: max-age=0` (`platform::blob_io`). The Blob streams from disk as with
/// XHR; fetch reports no upload progress. `Err` when no HTTP answer came within `limit`, or
/// none at all (network, CORS).
pub async fn put_blob(
    url: &str,
    headers: &[(String, String)],
    body: &web_sys::Blob,
    limit: std::time::Duration,
) -> Result<super::xhr::Answer, String> {
    let controller = AbortController::new().map_err(|e| format!("{e:?}"))?;
    let _abort = AbortOnDrop(controller.clone());
    let mut builder = RequestBuilder::new(url)
        .method(Method::PUT)
        .cache(cache_mode("PUT"))
        .abort_signal(Some(&controller.signal()));
    for (name, value) in headers {
        if !browser_owned(name) {
            builder = builder.header(name, value);
        }
    }
    let request = builder.body(body.clone()).map_err(|e| e.to_string())?;
    let response = within(limit, request.send())
        .await
        .ok_or_else(|| format!("no answer within {} s", limit.as_secs()))?
        .map_err(|e| format!("the request failed (network error, or blocked by CORS): {e}"))?;
    let status = response.status();
    // S3's time, so a request refused for a wrong clock is signed right when retried.
    if let Some(date) = response.headers().get("Date") {
        super::clock::BrowserClock::observe_date(&date);
    }
    let etag = response.headers().get("ETag");
    let body = if (200..300).contains(&status) {
        String::new()
    } else {
        response.text().await.unwrap_or_default()
    };
    Ok(super::xhr::Answer { status, etag, body })
}

/// The HTTP cache mode of a request. Reads are `no-store`: object URLs are the same before and
/// after an overwrite, and a signed GET must never be answered from the cache. Writes must not
/// be: for `no-store` (and `reload`) the browser adds `Cache-Control: no-cache` and `Pragma:
/// no-cache` to the request (Fetch standard, HTTP-network-or-cache fetch), unsigned, and S3
/// stores `Cache-Control` from PutObject, CreateMultipartUpload and a REPLACE CopyObject as the
/// object's own. `default` would not add them either, but turns into `no-store` when the
/// request carries a conditional header (`If-None-Match`, `If-Match`). `force-cache` adds
/// nothing in any case, and the cache never answers a PUT, POST or DELETE: it stores only
/// GET responses.
fn cache_mode(method: &str) -> RequestCache {
    if matches!(method, "GET" | "HEAD") {
        RequestCache::NoStore
    } else {
        RequestCache::ForceCache
    }
}

/// Aborts the fetch when the future that owns it is dropped mid-flight; after completion the
/// abort is a no-op.
struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `openidconnect`'s HTTP client: discovery, JWKS and the token request.
pub async fn oidc_client(
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, FetchError> {
    let headers = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let url = request.uri().to_string();
    let body = request.body();
    let response = fetch(Request {
        method: request.method().as_str(),
        url: &url,
        headers,
        body: (!body.is_empty()).then_some(body.as_slice()),
    })
    .await?;
    let mut builder = http::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(response.body)
        .map_err(|e| FetchError::Invalid(e.to_string()))
}

/// Whether anything answers at `url`, readable or not: a `no-cors` GET resolves with an opaque
/// response whenever a server answers, and fails only when nothing does. The setup doctor uses
/// it to tell "blocked by CORS" from "not there" — which a CORS request cannot tell.
pub async fn answers(url: &str) -> bool {
    let Ok(controller) = AbortController::new() else {
        return false;
    };
    let _abort = AbortOnDrop(controller.clone());
    let request = RequestBuilder::new(url)
        .method(Method::GET)
        .mode(web_sys::RequestMode::NoCors)
        .cache(RequestCache::NoStore)
        .abort_signal(Some(&controller.signal()))
        .build();
    let Ok(request) = request else { return false };
    within(PROBE_TIMEOUT, request.send())
        .await
        .is_some_and(|r| r.is_ok())
}

/// How long a setup-doctor request may take: a firewall that drops packets would otherwise
/// hold a check for minutes.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

async fn within<T>(
    limit: std::time::Duration,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    use futures::future::{Either, select};
    let work = std::pin::pin!(work);
    let timer = std::pin::pin!(super::clock::timeout(limit));
    match select(work, timer).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(((), _)) => None,
    }
}

/// The page's HTTP for the setup doctor.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageWeb;

impl crate::doctor::Web for PageWeb {
    async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> crate::doctor::Reply {
        use crate::doctor::Reply;
        let request = Request {
            method,
            url,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body,
        };
        match within(PROBE_TIMEOUT, fetch(request)).await {
            Some(Ok(r)) => Reply::Answer {
                status: r.status,
                headers: r.headers,
                body: r.body,
            },
            Some(Err(e)) => Reply::Blocked(e.to_string()),
            None => Reply::Blocked(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
        }
    }

    async fn answers(&self, url: &str) -> bool {
        answers(url).await
    }
}
