//! The AWS SDK's HTTP client in the browser: `HttpClient`/`HttpConnector` over `window.fetch`.
//!
//! Shape after smithy-rs's `aws-smithy-wasm` connector: the SDK hands a request, we send its
//! bytes with fetch on the page's event loop (see `local_task`) and give back status, headers
//! and the whole body. Failures become `ConnectorError`s of the right kind so the SDK's retry
//! policy treats them as transient I/O errors.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

use super::clock::BrowserClock;
use super::http::{self, FetchError};
use super::local_task::run_local;

#[derive(Debug, Clone, Copy, Default)]
pub struct FetchHttpClient;

impl HttpClient for FetchHttpClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        // fetch has no connect/read timeouts to set; the SDK's operation timeouts (which drop
        // the future, aborting the fetch) are the ones that apply.
        SharedHttpConnector::new(FetchConnector)
    }
}

#[derive(Debug, Clone, Copy)]
struct FetchConnector;

impl HttpConnector for FetchConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let Some(body) = request.body().bytes().map(<[u8]>::to_vec) else {
            // fetch cannot send aws-chunked streaming bodies; the app only builds in-memory
            // bodies (a multipart part at a time for large files).
            return HttpConnectorFuture::ready(Err(ConnectorError::user(
                "streaming request bodies are not supported in the browser".into(),
            )));
        };
        let method = request.method().to_owned();
        let url = request.uri().to_owned();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();

        let response = run_local(async move {
            http::fetch(http::Request {
                method: &method,
                url: &url,
                headers,
                body: (!body.is_empty()).then_some(body.as_slice()),
            })
            .await
        });
        HttpConnectorFuture::new(async move {
            match response.await {
                Some(Ok(r)) => to_sdk_response(r),
                Some(Err(FetchError::Network(detail))) => Err(ConnectorError::io(detail.into())),
                Some(Err(FetchError::Invalid(detail))) => Err(ConnectorError::user(detail.into())),
                None => Err(ConnectorError::other(
                    "the request was cancelled".into(),
                    None,
                )),
            }
        })
    }
}

fn to_sdk_response(r: http::Response) -> Result<HttpResponse, ConnectorError> {
    let mut builder = ::http::Response::builder().status(r.status);
    for (name, value) in &r.headers {
        // Every S3 and STS answer says what time AWS thinks it is (when CORS lets us read it).
        if name.eq_ignore_ascii_case("date") {
            BrowserClock::observe_date(value);
        }
        builder = builder.header(name, value);
    }
    let response = builder
        .body(SdkBody::from(r.body))
        .map_err(|e| ConnectorError::other(e.into(), None))?;
    HttpResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
}
