#![cfg(not(target_arch = "wasm32"))]
// As in tests (clippy.toml): a panic is the failure report. clippy.toml's allowance covers only
// `#[test]` functions, and the helpers here fail the same way.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `pail::credentials` against STS traffic recorded from the local stack
//! (`tests/fixtures/sts-*.json`): the `AssumeRoleWithWebIdentity` request, the credentials and
//! their expiry, the error codes, renewal within the margin, one STS call for concurrent
//! callers, and what S3 requests see when no credentials can be had.

#[allow(dead_code)]
#[path = "fixtures/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, SystemTime};

use aws_smithy_async::time::SharedTimeSource;
use aws_smithy_http_client::test_util::StaticReplayClient;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Request;
use aws_smithy_runtime_api::shared::IntoShared;
use pail::auth::IdTokenJwt;
use pail::config::AppConfig;
use pail::credentials::{CredentialsError, WebIdentityCredentials, renewal_margin, sts_client};
use pail::sdk::sdk_config;
use pail::storage::{Storage, StorageError};
use support::{
    Exchange, REGION, ROLE_ARN, TestClock, app_config, app_config_with, parse_time, replay,
    runtime, xml_text,
};

/// Stands in for alice's ID token; STS is replayed, so only its passage into the form matters.
const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

/// When the recorded STS answer was given, and when its credentials expire.
fn issued_and_expiry(fixture: &str) -> (SystemTime, SystemTime) {
    let ex = Exchange::load(fixture);
    let issued = parse_time(ex.response_header("date").expect("recorded date"));
    let expiry = parse_time(xml_text(&ex.response.body, "Expiration"));
    (issued, expiry)
}

struct Sts {
    provider: WebIdentityCredentials,
    clock: TestClock,
    config: AppConfig,
}

/// The app's credentials provider over this STS client, its clock at `now`, signed in as
/// `sub` (None: signed out).
fn provider(
    http: impl HttpClient + 'static,
    config: AppConfig,
    now: SystemTime,
    sub: Option<&str>,
) -> Sts {
    let clock = TestClock::at(now);
    let sdk = sdk_config(REGION, &runtime(http, clock.clone()));
    let sts = sts_client(&sdk, &config.aws);
    let provider =
        WebIdentityCredentials::new(sts, &config.aws, SharedTimeSource::new(clock.clone()));
    if let Some(sub) = sub {
        provider.set_token(IdTokenJwt::new(ID_TOKEN.into()), sub);
    }
    Sts {
        provider,
        clock,
        config,
    }
}

fn requests(http: &StaticReplayClient) -> Vec<Request> {
    http.actual_requests()
        .map(|r| r.try_clone().expect("replayable request"))
        .collect()
}

fn form(request: &Request) -> BTreeMap<String, String> {
    let body = request.body().bytes().expect("in-memory body");
    url::form_urlencoded::parse(body).into_owned().collect()
}

// --------------------------------------------------------------------------------- success

#[tokio::test]
async fn assume_role_is_an_unsigned_post_form_and_gives_expiring_credentials() {
    let http = replay(&["sts-assume-ok"]);
    let (issued, expiry) = issued_and_expiry("sts-assume-ok");
    let sts = provider(http.clone(), app_config(), issued, Some("alice"));

    let creds = sts.provider.credentials().await.expect("credentials");

    assert_eq!(creds.access_key_id(), "ASIAREPLAYFIXTURE0001");
    assert_eq!(
        creds.secret_access_key(),
        "replay-fixture-secret-access-key"
    );
    assert_eq!(creds.session_token(), Some("replay-fixture-session-token"));
    assert_eq!(creds.expiry(), Some(expiry));
    // DurationSeconds=3600: STS dated its answer exactly one hour before the expiry.
    assert_eq!(
        expiry.duration_since(issued).expect("later"),
        Duration::from_secs(3600)
    );
    assert_eq!(sts.provider.expires_at(), Some(expiry));
    assert_eq!(sts.provider.exchanges(), 1);

    let sent = requests(&http);
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri(), "http://127.0.0.1:9001/");
    assert_eq!(
        request.headers().get("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.headers().get("authorization"),
        None,
        "unsigned call"
    );
    assert_eq!(request.headers().get("x-amz-security-token"), None);
    let fields = form(request);
    let expected: BTreeMap<String, String> = [
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", ROLE_ARN),
        ("RoleSessionName", "pail-alice"),
        ("WebIdentityToken", ID_TOKEN),
        ("DurationSeconds", "3600"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(fields, expected);
    // The recorded request (sent by record.py to the real stack) had the same fields.
    let recorded: BTreeMap<String, String> =
        url::form_urlencoded::parse(Exchange::load("sts-assume-ok").request.body.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(
        recorded.keys().collect::<Vec<_>>(),
        fields.keys().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn role_session_name_comes_from_the_subject() {
    let http = replay(&["sts-assume-ok"]);
    let (issued, _) = issued_and_expiry("sts-assume-ok");
    let sts = provider(http.clone(), app_config(), issued, Some("auth0|5f7c/ü x"));

    sts.provider.credentials().await.expect("credentials");

    assert_eq!(
        form(&requests(&http)[0])["RoleSessionName"],
        "pail-auth0-5f7c---x"
    );
}

// ---------------------------------------------------------------------------------- errors

async fn error_for(fixture: &str, config: AppConfig) -> (CredentialsError, usize) {
    let http = replay(&[fixture]);
    let (issued, _) = issued_and_expiry("sts-assume-ok");
    let sts = provider(http.clone(), config, issued, Some("alice"));
    let err = sts.provider.credentials().await.expect_err("refused");
    assert_eq!(sts.provider.expires_at(), None);
    (err, requests(&http).len())
}

#[tokio::test]
async fn invalid_identity_token_is_reported_with_the_sts_message() {
    let (err, sent) = error_for("sts-assume-400-invalid-identity-token", app_config()).await;
    assert_eq!(
        err,
        CredentialsError::InvalidIdentityToken(
            "The web identity token is not valid: Signature verification failed".into()
        )
    );
    assert_eq!(sent, 1, "not retried");
}

#[tokio::test]
async fn expired_id_token_is_id_token_expired() {
    let (err, sent) = error_for("sts-assume-400-expired-token", app_config()).await;
    assert_eq!(err, CredentialsError::IdTokenExpired);
    assert_eq!(sent, 1, "not retried");
}

#[tokio::test]
async fn access_denied_is_the_trust_policy() {
    let (err, _) = error_for("sts-assume-403-access-denied", app_config()).await;
    assert_eq!(
        err,
        CredentialsError::TrustPolicyDenied(
            "Not authorized to perform sts:AssumeRoleWithWebIdentity".into()
        )
    );
}

#[tokio::test]
async fn an_error_in_s3s_shape_still_names_its_code() {
    // Ceph RGW's STS: <Error><Code>AccessDenied</Code>…, which the SDK's STS parser skips.
    let (err, _) = error_for("sts-assume-403-access-denied-s3-shape", app_config()).await;
    assert_eq!(err, CredentialsError::TrustPolicyDenied(String::new()));
}

#[tokio::test]
async fn a_session_longer_than_the_role_allows_is_invalid() {
    let config = app_config_with(&[("PAIL_SESSION_DURATION_SECONDS", "43200")]);
    let http = replay(&["sts-assume-400-validation-duration"]);
    let sts = provider(
        http.clone(),
        config,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_310_377),
        Some("alice"),
    );
    let err = sts.provider.credentials().await.expect_err("refused");
    assert_eq!(
        err,
        CredentialsError::Invalid(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .into()
        )
    );
    assert_eq!(form(&requests(&http)[0])["DurationSeconds"], "43200");
}

#[tokio::test]
async fn signed_out_means_no_sts_call() {
    let http = replay(&[]);
    let sts = provider(http.clone(), app_config(), SystemTime::UNIX_EPOCH, None);
    assert_eq!(
        sts.provider.credentials().await,
        Err(CredentialsError::SignedOut)
    );
    assert_eq!(sts.provider.exchanges(), 0);
    assert!(requests(&http).is_empty());
}

#[tokio::test]
async fn clear_forgets_token_and_credentials() {
    let http = replay(&["sts-assume-ok"]);
    let (issued, _) = issued_and_expiry("sts-assume-ok");
    let sts = provider(http.clone(), app_config(), issued, Some("alice"));
    sts.provider.credentials().await.expect("credentials");
    assert!(sts.provider.expires_at().is_some());

    sts.provider.clear();

    assert_eq!(sts.provider.expires_at(), None);
    assert_eq!(
        sts.provider.credentials().await,
        Err(CredentialsError::SignedOut)
    );
    assert_eq!(requests(&http).len(), 1);
}

// --------------------------------------------------------------------------------- renewal

#[tokio::test]
async fn one_hour_credentials_are_renewed_only_within_the_margin() {
    let http = replay(&["sts-assume-ok", "sts-assume-ok"]);
    let (issued, expiry) = issued_and_expiry("sts-assume-ok");
    let sts = provider(http.clone(), app_config(), issued, Some("alice"));
    let margin = renewal_margin(sts.config.aws.session_duration);
    assert_eq!(margin, Duration::from_secs(300));

    sts.provider.credentials().await.expect("first");
    sts.provider.credentials().await.expect("cached");
    assert_eq!(sts.provider.exchanges(), 1);

    // One second before the margin: still fresh.
    sts.clock.set(expiry - margin - Duration::from_secs(1));
    sts.provider.credentials().await.expect("still cached");
    assert_eq!(sts.provider.exchanges(), 1);
    assert_eq!(requests(&http).len(), 1);

    // Inside the margin: renewed, once.
    sts.clock.set(expiry - margin + Duration::from_secs(1));
    sts.provider.credentials().await.expect("renewed");
    assert_eq!(sts.provider.exchanges(), 2);
    assert_eq!(requests(&http).len(), 2);
}

#[tokio::test]
async fn renewed_credentials_are_kept_until_their_own_margin() {
    // Two real 60 s sessions, recorded 2 s apart.
    let http = replay(&["sts-assume-ok-60s", "sts-assume-ok-60s-later"]);
    let (issued, first_expiry) = issued_and_expiry("sts-assume-ok-60s");
    let (_, second_expiry) = issued_and_expiry("sts-assume-ok-60s-later");
    assert!(second_expiry > first_expiry);
    let config = app_config_with(&[("PAIL_SESSION_DURATION_SECONDS", "60")]);
    let sts = provider(http.clone(), config, issued, Some("alice"));
    let margin = renewal_margin(Duration::from_secs(60));
    assert_eq!(margin, Duration::from_secs(15));

    let first = sts.provider.credentials().await.expect("first");
    assert_eq!(first.expiry(), Some(first_expiry));
    assert_eq!(form(&requests(&http)[0])["DurationSeconds"], "60");

    sts.clock
        .set(first_expiry - margin + Duration::from_secs(1));
    let renewed = sts.provider.credentials().await.expect("renewed");
    assert_eq!(renewed.expiry(), Some(second_expiry));
    assert_eq!(sts.provider.expires_at(), Some(second_expiry));
    // The renewed credentials are outside their margin: no further call.
    sts.provider.credentials().await.expect("cached");
    sts.provider.credentials().await.expect("cached");
    assert_eq!(sts.provider.exchanges(), 2);
    assert_eq!(requests(&http).len(), 2);

    // Within the renewed credentials' margin STS is asked again; it does not answer now. (The
    // recording gave them 16 s by this clock, so their margin is 4 s: a quarter of that.)
    sts.clock.set(second_expiry - Duration::from_secs(3));
    let err = sts.provider.credentials().await.expect_err("no answer");
    let CredentialsError::Unreachable { endpoint, detail } = err else {
        panic!("expected Unreachable, got {err:?}");
    };
    assert_eq!(endpoint, "http://127.0.0.1:9001/");
    assert!(detail.contains("no more test data"), "{detail}");
    assert_eq!(sts.provider.exchanges(), 3);
}

#[tokio::test]
async fn the_margin_follows_the_lifetime_sts_gave_not_the_one_asked_for() {
    // Asked for an hour (the default), given 60 s: renewed 15 s before the end, not at once.
    let http = replay(&["sts-assume-ok-60s", "sts-assume-ok-60s-later"]);
    let (issued, expiry) = issued_and_expiry("sts-assume-ok-60s");
    let sts = provider(http.clone(), app_config(), issued, Some("alice"));
    assert_eq!(sts.config.aws.session_duration, Duration::from_secs(3600));

    sts.provider.credentials().await.expect("first");
    sts.provider
        .credentials()
        .await
        .expect("cached, although 60 s < the 300 s margin of an hour");
    sts.clock.set(expiry - Duration::from_secs(16));
    sts.provider.credentials().await.expect("still cached");
    assert_eq!(sts.provider.exchanges(), 1);
    sts.clock.set(expiry - Duration::from_secs(14));
    sts.provider.credentials().await.expect("renewed");
    assert_eq!(sts.provider.exchanges(), 2);
}

// ----------------------------------------------------------------------------- concurrency

/// Holds every response until the test opens it, so callers really overlap.
#[derive(Debug, Clone, Default)]
struct Gate(Arc<Mutex<GateState>>);

#[derive(Debug, Default)]
struct GateState {
    open: bool,
    calls: usize,
    waiting: Vec<Waker>,
}

impl Gate {
    fn open(&self) {
        let mut s = self.0.lock().expect("gate");
        s.open = true;
        s.waiting.drain(..).for_each(Waker::wake);
    }
    fn calls(&self) -> usize {
        self.0.lock().expect("gate").calls
    }
    async fn opened(&self) {
        std::future::poll_fn(|cx| {
            let mut s = self.0.lock().expect("gate");
            if s.open {
                Poll::Ready(())
            } else {
                s.waiting.push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }
}

#[derive(Debug, Clone)]
struct GatedClient {
    inner: StaticReplayClient,
    gate: Gate,
}

impl HttpConnector for GatedClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.gate.0.lock().expect("gate").calls += 1;
        let response = self.inner.call(request);
        let gate = self.gate.clone();
        HttpConnectorFuture::new(async move {
            gate.opened().await;
            response.await
        })
    }
}

impl HttpClient for GatedClient {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.clone().into_shared()
    }
}

async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_callers_share_one_sts_call() {
    let inner = replay(&["sts-assume-ok", "sts-assume-ok"]);
    let gate = Gate::default();
    let http = GatedClient {
        inner: inner.clone(),
        gate: gate.clone(),
    };
    let (issued, _) = issued_and_expiry("sts-assume-ok");
    let sts = provider(http, app_config(), issued, Some("alice"));

    let callers = futures::future::join_all((0..5).map(|_| sts.provider.credentials()));
    let release = async {
        // Every caller has been polled once by now; one of them is inside the STS call.
        while gate.calls() == 0 {
            yield_now().await;
        }
        for _ in 0..10 {
            yield_now().await;
        }
        assert_eq!(gate.calls(), 1, "the others wait for the first STS call");
        gate.open();
    };
    let (results, ()) = futures::join!(callers, release);

    let keys: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("credentials").access_key_id().to_owned())
        .collect();
    assert_eq!(keys, vec!["ASIAREPLAYFIXTURE0001"; 5]);
    assert_eq!(sts.provider.exchanges(), 1);
    assert_eq!(gate.calls(), 1);
    assert_eq!(requests(&inner).len(), 1);
}

#[tokio::test]
async fn signing_out_during_a_renewal_keeps_the_answer_out() {
    let inner = replay(&["sts-assume-ok"]);
    let gate = Gate::default();
    let http = GatedClient {
        inner: inner.clone(),
        gate: gate.clone(),
    };
    let (issued, _) = issued_and_expiry("sts-assume-ok");
    let sts = provider(http, app_config(), issued, Some("alice"));

    let renewal = sts.provider.credentials();
    let sign_out = async {
        while gate.calls() == 0 {
            yield_now().await;
        }
        // STS has the request; the user signs out before it answers.
        sts.provider.clear();
        gate.open();
    };
    let (result, ()) = futures::join!(renewal, sign_out);

    assert_eq!(result.expect_err("signed out"), CredentialsError::SignedOut);
    assert_eq!(sts.provider.expires_at(), None);
    assert_eq!(
        sts.provider
            .credentials()
            .await
            .expect_err("still signed out"),
        CredentialsError::SignedOut
    );
    assert_eq!(gate.calls(), 1);
}

// --------------------------------------------------------------------------- S3 through STS

/// `Storage` whose S3 client gets its credentials from `sts.provider`.
fn storage(sts: &Sts, s3_http: &StaticReplayClient) -> Storage {
    let sdk = sdk_config(REGION, &runtime(s3_http.clone(), sts.clock.clone()));
    Storage::connect(
        &sdk,
        &sts.config.s3,
        REGION,
        "users/alice/".into(),
        sts.provider.clone(),
    )
}

#[tokio::test]
async fn s3_requests_are_signed_with_the_sts_credentials() {
    let sts_http = replay(&["sts-assume-ok"]);
    let s3_http = replay(&["s3-list-photos-page1", "s3-list-photos-page2"]);
    let (issued, _) = issued_and_expiry("sts-assume-ok");
    let sts = provider(sts_http.clone(), app_config(), issued, Some("alice"));
    let storage = storage(&sts, &s3_http);

    let page = storage
        .list("users/alice/photos/", None)
        .await
        .expect("page 1");
    storage
        .list("users/alice/photos/", page.next_page)
        .await
        .expect("page 2");

    assert_eq!(sts.provider.exchanges(), 1, "fresh credentials are reused");
    let sent = requests(&s3_http);
    assert_eq!(sent.len(), 2);
    let date = issued_date_stamp(issued);
    for request in &sent {
        let auth = request.headers().get("authorization").expect("signed");
        assert!(
            auth.starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential=ASIAREPLAYFIXTURE0001/{date}/us-east-1/s3/aws4_request"
            )),
            "{auth}"
        );
        assert_eq!(
            request.headers().get("x-amz-security-token"),
            Some("replay-fixture-session-token")
        );
    }
}

/// `YYYYMMDD` of a time (SigV4's credential scope date).
fn issued_date_stamp(t: SystemTime) -> String {
    let dt = aws_smithy_types::DateTime::from(t);
    let text = dt
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .expect("formattable");
    text[..10].replace('-', "")
}

// The SDK resolves the identity in its "before transmit" phase and reports a failing
// credentials provider as a dispatch failure (`ConnectorError::other`), which looks like
// "could not reach S3" unless the `CredentialsError` is dug out of the source chain.

#[tokio::test]
async fn signed_out_s3_request_is_a_credentials_error_and_is_not_sent() {
    let sts_http = replay(&[]);
    let s3_http = replay(&["s3-list-photos-page1"]);
    let sts = provider(sts_http.clone(), app_config(), SystemTime::UNIX_EPOCH, None);

    let err = storage(&sts, &s3_http)
        .list("users/alice/", None)
        .await
        .expect_err("no credentials");

    assert!(requests(&s3_http).is_empty(), "nothing unsigned goes to S3");
    assert!(requests(&sts_http).is_empty());
    assert!(err.to_string().contains("not signed in"), "{err}");
    assert_eq!(err, StorageError::Credentials(CredentialsError::SignedOut));
}

#[tokio::test]
async fn sts_refusal_surfaces_through_s3_as_a_credentials_error() {
    let sts_http = replay(&["sts-assume-400-expired-token"]);
    let s3_http = replay(&["s3-list-photos-page1"]);
    let (issued, _) = issued_and_expiry("sts-assume-ok");
    let sts = provider(sts_http.clone(), app_config(), issued, Some("alice"));

    let err = storage(&sts, &s3_http)
        .list("users/alice/", None)
        .await
        .expect_err("no credentials");

    assert!(requests(&s3_http).is_empty(), "nothing unsigned goes to S3");
    assert_eq!(
        requests(&sts_http).len(),
        1,
        "STS asked once, not per retry"
    );
    assert!(
        err.to_string().contains("the ID token has expired"),
        "{err}"
    );
    assert_eq!(
        err,
        StorageError::Credentials(CredentialsError::IdTokenExpired)
    );
}
