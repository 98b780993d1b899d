#![cfg(not(target_arch = "wasm32"))]
// As in tests (clippy.toml): a panic is the failure report. clippy.toml's allowance covers only
// `#[test]` functions, and the helpers here fail the same way.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `pail::auth::Provider` against the IdP's recorded discovery document, JWKS headers and token
//! endpoint answers (`tests/fixtures/oidc-*.json`), with ID tokens signed here by a test-only
//! key (`tests/fixtures/test-only-rsa-key.pem` — generated for these tests, trusted nowhere).
//!
//! Each rejection case changes exactly one thing about an otherwise valid token and checks that
//! `complete_login` refuses it for that reason.

#[allow(dead_code)]
#[path = "fixtures/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreHmacKey, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{HttpRequest, HttpResponse, JsonWebKeyId, PrivateSigningKey};
use pail::auth::provider::Logout;
use pail::auth::{AuthError, Callback, IdTokenJwt, PendingLogin, Provider, SignIn};
use pail::config::OidcConfig;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{CLIENT_ID, Exchange, ISSUER, app_config};

/// Test-only RSA keys, committed on purpose: they sign nothing outside these tests.
const TEST_KEY_PEM: &str = include_str!("fixtures/test-only-rsa-key.pem");
const TEST_PUBLIC_KEY_PEM: &str = include_str!("fixtures/test-only-rsa-key.pub.pem");
const OTHER_KEY_PEM: &str = include_str!("fixtures/test-only-other-rsa-key.pem");
const KID: &str = "replay-test-key";
const ACCESS_TOKEN: &str = "replay-fixture-access-token";

fn test_key() -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(TEST_KEY_PEM, Some(JsonWebKeyId::new(KID.into())))
        .expect("test key")
}

/// The provider's next key, published only after a rotation.
fn rotated_key() -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(OTHER_KEY_PEM, Some(JsonWebKeyId::new(ROTATED_KID.into())))
        .expect("other key")
}

const ROTATED_KID: &str = "replay-rotated-key";

fn oidc_config() -> OidcConfig {
    app_config().oidc
}

fn now_secs() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

// ------------------------------------------------------------------------- building tokens

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWS in compact form: `header.claims.signature`.
fn jws(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&signature))
}

fn rs256_with(key: &CoreRsaPrivateSigningKey, kid: &str, claims: &Value) -> String {
    jws(
        &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
        claims,
        |input| {
            key.sign(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, input)
                .expect("signed")
        },
    )
}

/// Algorithm confusion: `claims` signed with HMAC, the RSA public key as the secret (a verifier
/// that feeds the public key to HMAC would accept it).
fn hs256_with_public_key(claims: &Value) -> String {
    let key = CoreHmacKey::new(TEST_PUBLIC_KEY_PEM.as_bytes());
    jws(
        &json!({"alg": "HS256", "typ": "JWT", "kid": KID}),
        claims,
        |input| {
            key.sign(&CoreJwsSigningAlgorithm::HmacSha256, input)
                .expect("signed")
        },
    )
}

fn rs256(claims: &Value) -> String {
    rs256_with(&test_key(), KID, claims)
}

/// What the IdP puts in alice's ID token (see stack/README.md), for this sign-in's nonce.
fn claims(pending: &PendingLogin) -> Value {
    let now = now_secs();
    json!({
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "alice",
        "name": "Alice Liddell",
        "email": "alice@example.test",
        "email_verified": true,
        "nonce": pending.nonce.secret(),
        "iat": now,
        "exp": now + 600,
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

// ------------------------------------------------------------------------------ the IdP

/// Answers discovery and the token endpoint from the recordings and the JWKS from the test
/// key; remembers every request.
#[derive(Clone)]
struct Idp {
    discovery: Arc<Mutex<Value>>,
    /// Replaces the recorded `content-type` of the discovery document when set.
    discovery_type: Arc<Mutex<Option<&'static str>>>,
    /// Replaces the recorded status of the discovery document when set.
    discovery_status: Arc<Mutex<Option<u16>>>,
    token_answer: Arc<Mutex<TokenAnswer>>,
    seen: Arc<Mutex<Vec<HttpRequest>>>,
    down: Arc<Mutex<Down>>,
    /// After the first JWKS fetch, the JWKS also publishes [`rotated_key`] (key rotation).
    rotates: Arc<Mutex<bool>>,
    /// The refresh token the code exchange's answer carries (the recorded one predates the
    /// IdP issuing them; the real answer has the same shape as `oidc-token-refresh-ok`'s).
    issued_refresh_token: Arc<Mutex<Option<String>>>,
    /// How the token endpoint answers `grant_type=refresh_token`.
    refresh_answer: Arc<Mutex<Option<RefreshAnswer>>>,
}

#[derive(Clone)]
enum RefreshAnswer {
    /// The recorded success (`oidc-token-refresh-ok`) with this ID token and this new refresh
    /// token (None: the provider does not rotate, the answer has none).
    Renewed(Option<String>, Option<String>),
    /// A recorded exchange as it is.
    Recorded(&'static str),
}

#[derive(Clone)]
enum TokenAnswer {
    /// The recorded success, with this ID token (None: without one).
    IdToken(Option<String>),
    /// A recorded exchange as it is.
    Recorded(&'static str),
}

#[derive(Clone, Copy, PartialEq)]
enum Down {
    No,
    Everything,
    TokenEndpoint,
}

impl Idp {
    fn new() -> Self {
        let discovery = serde_json::from_str(&Exchange::load("oidc-discovery").response.body)
            .expect("recorded discovery is JSON");
        Self {
            discovery: Arc::new(Mutex::new(discovery)),
            discovery_type: Arc::default(),
            discovery_status: Arc::default(),
            token_answer: Arc::new(Mutex::new(TokenAnswer::IdToken(None))),
            seen: Arc::default(),
            down: Arc::new(Mutex::new(Down::No)),
            rotates: Arc::default(),
            issued_refresh_token: Arc::default(),
            refresh_answer: Arc::default(),
        }
    }

    fn issue_refresh_token(&self, token: &str) {
        *self.issued_refresh_token.lock().expect("idp") = Some(token.to_owned());
    }

    fn answer_refresh_with(&self, answer: RefreshAnswer) {
        *self.refresh_answer.lock().expect("idp") = Some(answer);
    }

    /// The form fields of every refresh-token request, in order.
    fn refresh_requests(&self) -> Vec<BTreeMap<String, String>> {
        self.requests_to("/token")
            .iter()
            .map(|r| {
                url::form_urlencoded::parse(r.body())
                    .into_owned()
                    .collect::<BTreeMap<_, _>>()
            })
            .filter(|form| form.get("grant_type").map(String::as_str) == Some("refresh_token"))
            .collect()
    }

    fn answer_token_with(&self, answer: TokenAnswer) {
        *self.token_answer.lock().expect("idp") = answer;
    }

    fn answer_id_token(&self, jwt: String) {
        self.answer_token_with(TokenAnswer::IdToken(Some(jwt)));
    }

    fn set_down(&self, down: Down) {
        *self.down.lock().expect("idp") = down;
    }

    fn requests_to(&self, path: &str) -> Vec<HttpRequest> {
        self.seen
            .lock()
            .expect("idp")
            .iter()
            .filter(|r| r.uri().path() == path)
            .cloned()
            .collect()
    }

    /// The `openidconnect` HTTP client.
    fn client(
        &self,
    ) -> impl Fn(HttpRequest) -> std::future::Ready<Result<HttpResponse, io::Error>> + use<> {
        let idp = self.clone();
        move |request| std::future::ready(idp.answer(request))
    }

    fn answer(&self, request: HttpRequest) -> Result<HttpResponse, io::Error> {
        let path = request.uri().path().to_owned();
        self.seen.lock().expect("idp").push(request);
        let down = *self.down.lock().expect("idp");
        if down == Down::Everything || (down == Down::TokenEndpoint && path == "/token") {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "connection refused",
            ));
        }
        Ok(match path.as_str() {
            "/.well-known/openid-configuration" => {
                let mut response = respond(
                    "oidc-discovery",
                    self.discovery.lock().expect("idp").to_string(),
                );
                if let Some(t) = *self.discovery_type.lock().expect("idp") {
                    response
                        .headers_mut()
                        .insert("content-type", http::HeaderValue::from_static(t));
                }
                if let Some(status) = *self.discovery_status.lock().expect("idp") {
                    *response.status_mut() =
                        http::StatusCode::from_u16(status).expect("a status code");
                }
                response
            }
            "/jwks" => {
                let mut keys = vec![test_key().as_verification_key()];
                if *self.rotates.lock().expect("idp") && self.requests_to("/jwks").len() > 1 {
                    keys.push(rotated_key().as_verification_key());
                }
                let jwks = CoreJsonWebKeySet::new(keys);
                respond(
                    "oidc-jwks",
                    serde_json::to_string(&jwks).expect("serializable"),
                )
            }
            "/token" if is_refresh(&self.seen) => {
                match self.refresh_answer.lock().expect("idp").clone() {
                    None => panic!("a refresh-token request the test did not expect"),
                    Some(RefreshAnswer::Recorded(name)) => Exchange::load(name).oauth_response(),
                    Some(RefreshAnswer::Renewed(jwt, refresh_token)) => {
                        let recorded = Exchange::load("oidc-token-refresh-ok");
                        let mut body: Value =
                            serde_json::from_str(&recorded.response.body).expect("JSON");
                        let fields = body.as_object_mut().expect("object");
                        fields.insert("access_token".into(), json!(ACCESS_TOKEN));
                        match jwt {
                            Some(jwt) => fields.insert("id_token".into(), json!(jwt)),
                            None => fields.remove("id_token"),
                        };
                        match refresh_token {
                            Some(t) => fields.insert("refresh_token".into(), json!(t)),
                            None => fields.remove("refresh_token"),
                        };
                        respond("oidc-token-refresh-ok", body.to_string())
                    }
                }
            }
            "/token" => match self.token_answer.lock().expect("idp").clone() {
                TokenAnswer::Recorded(name) => Exchange::load(name).oauth_response(),
                TokenAnswer::IdToken(jwt) => {
                    let recorded = Exchange::load("oidc-token-ok");
                    let mut body: Value =
                        serde_json::from_str(&recorded.response.body).expect("JSON");
                    body["access_token"] = json!(ACCESS_TOKEN);
                    match jwt {
                        Some(jwt) => body["id_token"] = json!(jwt),
                        None => {
                            body.as_object_mut().expect("object").remove("id_token");
                        }
                    }
                    if let Some(t) = self.issued_refresh_token.lock().expect("idp").clone() {
                        body["refresh_token"] = json!(t);
                    }
                    respond("oidc-token-ok", body.to_string())
                }
            },
            other => panic!("unexpected request to {other}"),
        })
    }
}

/// Is the request just seen a refresh-token grant?
fn is_refresh(seen: &Mutex<Vec<HttpRequest>>) -> bool {
    seen.lock().expect("idp").last().is_some_and(|r| {
        url::form_urlencoded::parse(r.body())
            .any(|(k, v)| k == "grant_type" && v == "refresh_token")
    })
}

/// The recorded response `name` (status, headers) with another body.
fn respond(name: &str, body: String) -> HttpResponse {
    let recorded = Exchange::load(name);
    let mut builder = http::Response::builder().status(recorded.response.status);
    for (k, v) in &recorded.response.headers {
        if !k.eq_ignore_ascii_case("content-length") {
            builder = builder.header(k, v);
        }
    }
    builder
        .header("content-length", body.len())
        .body(body.into_bytes())
        .expect("response")
}

async fn discover(idp: &Idp) -> Provider {
    Provider::discover(&oidc_config(), &idp.client())
        .await
        .expect("discovered")
}

/// The redirect back to the app for this sign-in, as the IdP builds it (RFC 9207 `iss`).
fn code_callback(pending: &PendingLogin) -> Callback {
    Callback::parse(&format!(
        "?code=recorded-code&state={}&iss={}",
        pending.state.secret(),
        url::form_urlencoded::byte_serialize(ISSUER.as_bytes()).collect::<String>()
    ))
    .expect("a callback")
}

/// Discovery, begin_login, an ID token made for that sign-in, complete_login.
async fn sign_in(make_token: impl FnOnce(&PendingLogin) -> String) -> Result<SignIn, AuthError> {
    sign_in_at(Idp::new(), make_token).await
}

/// [`sign_in`] at an IdP the test has changed.
async fn sign_in_at(
    idp: Idp,
    make_token: impl FnOnce(&PendingLogin) -> String,
) -> Result<SignIn, AuthError> {
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/photos", false);
    idp.answer_id_token(make_token(&pending));
    let callback = code_callback(&pending);
    provider
        .complete_login(pending, callback, &idp.client())
        .await
}

async fn rejection(make_token: impl FnOnce(&PendingLogin) -> String) -> String {
    match sign_in(make_token).await {
        Err(AuthError::IdTokenRejected { reason }) => reason,
        other => panic!("expected IdTokenRejected, got {other:?}"),
    }
}

// --------------------------------------------------------------------------- begin_login

fn query(url: &url::Url) -> BTreeMap<String, String> {
    url.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn begin_login_builds_a_pkce_authorization_request() {
    let idp = Idp::new();
    let provider = discover(&idp).await;

    let (url, pending) = provider.begin_login("/photos?key=a", false);

    assert_eq!(
        url.as_str().split('?').next(),
        Some("http://127.0.0.1:9090/auth"),
        "the recorded authorization_endpoint"
    );
    let q = query(&url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], "http://127.0.0.1:8080/callback");
    assert_eq!(q["code_challenge_method"], "S256");
    let challenge = &q["code_challenge"];
    assert_eq!(challenge.len(), 43);
    assert!(
        challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "base64url without padding: {challenge}"
    );
    let verifier = pending.pkce_verifier.secret();
    assert_eq!(
        *challenge,
        b64(&Sha256::digest(verifier.as_bytes())),
        "S256 of the stored verifier"
    );
    assert!((43..=128).contains(&verifier.len()));
    assert_eq!(&q["state"], pending.state.secret());
    assert_eq!(&q["nonce"], pending.nonce.secret());
    let scopes: Vec<_> = q["scope"].split(' ').collect();
    assert!(scopes.contains(&"openid"), "{scopes:?}");
    assert!(scopes.contains(&"profile") && scopes.contains(&"email"));
    assert!(!q.contains_key("prompt"), "interactive sign-in: no prompt");
    assert!(!pending.silent);
    assert_eq!(pending.return_to, "/photos?key=a");
    // Discovery fetched the document and the JWKS, nothing else.
    assert_eq!(idp.seen.lock().expect("idp").len(), 2);
}

#[tokio::test]
async fn silent_login_asks_for_prompt_none_and_each_login_is_fresh() {
    let idp = Idp::new();
    let provider = discover(&idp).await;

    let (url, pending) = provider.begin_login("//evil.example/", true);
    let (other_url, other) = provider.begin_login("/", false);

    assert_eq!(query(&url)["prompt"], "none");
    assert!(pending.silent);
    assert_eq!(pending.return_to, "/", "no way out of the app");
    assert_ne!(pending.state.secret(), other.state.secret());
    assert_ne!(pending.nonce.secret(), other.nonce.secret());
    assert_ne!(pending.pkce_verifier.secret(), other.pkce_verifier.secret());
    assert_ne!(
        query(&url)["code_challenge"],
        query(&other_url)["code_challenge"]
    );
}

// --------------------------------------------------------------------------- valid sign-in

#[tokio::test]
async fn a_valid_token_signs_alice_in() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/photos", false);
    let verifier = pending.pkce_verifier.secret().clone();
    let claims = claims(&pending);
    let exp = claims["exp"].as_i64().expect("exp");
    let jwt = rs256(&claims);
    idp.answer_id_token(jwt.clone());
    let callback = code_callback(&pending);

    let sign_in = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect("signed in");

    assert_eq!(sign_in.identity.sub, "alice");
    assert_eq!(sign_in.identity.name.as_deref(), Some("Alice Liddell"));
    assert_eq!(
        sign_in.identity.email.as_deref(),
        Some("alice@example.test")
    );
    assert_eq!(sign_in.identity.issuer, ISSUER);
    assert_eq!(
        sign_in.identity.expires_at_ms,
        u64::try_from(exp * 1000).expect("positive")
    );
    assert_eq!(sign_in.identity.display_name(), "Alice Liddell");
    assert_eq!(sign_in.id_token, IdTokenJwt::new(jwt));
    assert_eq!(sign_in.return_to, "/photos");

    // The code exchange: a form POST with the PKCE verifier, the client id, no client secret.
    let token_requests = idp.requests_to("/token");
    assert_eq!(token_requests.len(), 1);
    let request = &token_requests[0];
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri(), "http://127.0.0.1:9090/token");
    assert_eq!(request.headers().get("authorization"), None);
    assert_eq!(
        request
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/x-www-form-urlencoded")
    );
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(request.body())
        .into_owned()
        .collect();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "recorded-code");
    assert_eq!(form["code_verifier"], verifier);
    assert_eq!(form["redirect_uri"], "http://127.0.0.1:8080/callback");
    assert_eq!(form["client_id"], CLIENT_ID);
    // The recorded request to the real IdP carried the same fields.
    let recorded: BTreeMap<String, String> =
        url::form_urlencoded::parse(Exchange::load("oidc-token-ok").request.body.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(
        recorded.keys().collect::<Vec<_>>(),
        form.keys().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_matching_at_hash_is_accepted() {
    let digest = Sha256::digest(ACCESS_TOKEN.as_bytes());
    let at_hash = b64(&digest[..16]);
    let result = sign_in(|p| rs256(&with(claims(p), "at_hash", json!(at_hash)))).await;
    assert_eq!(result.expect("signed in").identity.sub, "alice");
}

// ---------------------------------------------------------------------- rejected ID tokens

#[tokio::test]
async fn a_tampered_payload_does_not_verify() {
    let reason = rejection(|p| {
        let jwt = rs256(&claims(p));
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        parts[1] = b64(with(claims(p), "sub", json!("mallory"))
            .to_string()
            .as_bytes());
        parts.join(".")
    })
    .await;
    assert_eq!(reason, "its signature does not verify (tampered or forged)");
}

#[tokio::test]
async fn a_token_signed_by_another_key_with_the_same_kid_does_not_verify() {
    let other = CoreRsaPrivateSigningKey::from_pem(OTHER_KEY_PEM, None).expect("other key");
    let reason = rejection(|p| rs256_with(&other, KID, &claims(p))).await;
    assert_eq!(reason, "its signature does not verify (tampered or forged)");
}

#[tokio::test]
async fn an_unknown_kid_is_rejected_after_one_more_look_at_the_jwks() {
    let idp = Idp::new();
    let result = sign_in_at(idp.clone(), |p| {
        rs256_with(&test_key(), "not-in-the-jwks", &claims(p))
    })
    .await;
    let Err(AuthError::IdTokenRejected { reason }) = result else {
        panic!("expected IdTokenRejected, got {result:?}");
    };
    assert_eq!(
        reason,
        "it is signed with a key the provider does not publish (kid not in JWKS)"
    );
    assert_eq!(
        idp.requests_to("/jwks").len(),
        2,
        "discovery, then once more"
    );
}

#[tokio::test]
async fn a_key_published_after_start_up_is_fetched_and_accepted() {
    let idp = Idp::new();
    *idp.rotates.lock().expect("idp") = true;
    let result = sign_in_at(idp.clone(), |p| {
        rs256_with(&rotated_key(), ROTATED_KID, &claims(p))
    })
    .await;
    assert_eq!(result.expect("signed in").identity.sub, "alice");
    assert_eq!(idp.requests_to("/jwks").len(), 2);
    // A known kid needs no second look.
    let idp = Idp::new();
    sign_in_at(idp.clone(), |p| rs256(&claims(p)))
        .await
        .expect("signed in");
    assert_eq!(idp.requests_to("/jwks").len(), 1);
}

#[tokio::test]
async fn a_rotated_kid_with_a_forged_signature_is_still_refused() {
    let idp = Idp::new();
    *idp.rotates.lock().expect("idp") = true;
    // Claims the new key's kid, signed with the old key.
    let reason = match sign_in_at(idp, |p| rs256_with(&test_key(), ROTATED_KID, &claims(p))).await {
        Err(AuthError::IdTokenRejected { reason }) => reason,
        other => panic!("expected IdTokenRejected, got {other:?}"),
    };
    assert_eq!(reason, "its signature does not verify (tampered or forged)");
}

#[tokio::test]
async fn an_unsigned_token_is_rejected() {
    let reason = rejection(|p| {
        jws(
            &json!({"alg": "none", "typ": "JWT"}),
            &claims(p),
            |_| vec![],
        )
    })
    .await;
    assert_eq!(reason, "it is not signed (alg none)");
}

#[tokio::test]
async fn hs256_with_the_public_key_as_secret_is_rejected() {
    // Algorithm confusion: a verifier that feeds the RSA public key to HMAC would accept this.
    let reason = rejection(|p| hs256_with_public_key(&claims(p))).await;
    // RS256 is the only algorithm the recorded discovery document lists.
    assert_eq!(
        reason,
        "it is signed with an algorithm that is not allowed (algorithm `HS256` is not one of: RS256)"
    );
}

#[tokio::test]
async fn a_token_for_another_client_is_rejected() {
    let reason = rejection(|p| rs256(&with(claims(p), "aud", json!("some-other-app")))).await;
    assert_eq!(reason, "it was issued for another client (aud)");
}

#[tokio::test]
async fn a_token_from_another_issuer_is_rejected() {
    let reason =
        rejection(|p| rs256(&with(claims(p), "iss", json!("https://login.evil.example")))).await;
    assert_eq!(reason, "it was issued by another issuer (iss)");
}

#[tokio::test]
async fn an_expired_token_is_rejected() {
    let reason = rejection(|p| {
        let now = now_secs();
        let c = with(claims(p), "iat", json!(now - 7200));
        rs256(&with(c, "exp", json!(now - 3600)))
    })
    .await;
    assert_eq!(reason, "it has expired");
}

#[tokio::test]
async fn a_token_with_another_nonce_is_rejected() {
    let reason =
        rejection(|p| rs256(&with(claims(p), "nonce", json!("nonce-of-another-login")))).await;
    assert_eq!(reason, "its nonce does not match this sign-in (replay?)");
}

#[tokio::test]
async fn a_wrong_at_hash_is_rejected() {
    let reason = rejection(|p| rs256(&with(claims(p), "at_hash", json!(b64(&[0u8; 16]))))).await;
    assert_eq!(reason, "at_hash does not match the access token");
}

#[tokio::test]
async fn a_token_response_without_an_id_token_is_no_id_token() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);
    idp.answer_token_with(TokenAnswer::IdToken(None));
    let callback = code_callback(&pending);
    let err = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect_err("no ID token");
    assert_eq!(err, AuthError::NoIdToken);
}

// ------------------------------------------------------------------ callback-level refusals

#[tokio::test]
async fn a_callback_with_another_state_is_refused_before_the_code_is_used() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);
    let callback = Callback::parse("?code=recorded-code&state=forged-state").expect("callback");

    let err = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect_err("state");

    assert_eq!(err, AuthError::StateMismatch);
    assert!(idp.requests_to("/token").is_empty());
}

#[tokio::test]
async fn a_callback_naming_another_issuer_is_refused() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);
    let callback = Callback::parse(&format!(
        "?code=recorded-code&state={}&iss=https%3A%2F%2Flogin.evil.example",
        pending.state.secret()
    ))
    .expect("callback");

    let err = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect_err("iss");

    assert_eq!(
        err,
        AuthError::IssuerMismatch {
            expected: ISSUER.into(),
            got: "https://login.evil.example".into()
        }
    );
    assert!(idp.requests_to("/token").is_empty());
}

/// The recorded redirect after `prompt=none` without an IdP session.
fn recorded_login_required() -> Callback {
    let recorded = Exchange::load("oidc-authorize-login-required");
    let location =
        url::Url::parse(recorded.response_header("location").expect("redirect")).expect("URL");
    assert_eq!(location.path(), "/callback");
    Callback::parse(location.query().expect("query")).expect("callback")
}

#[tokio::test]
async fn login_required_on_a_silent_attempt_is_login_required() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, mut pending) = provider.begin_login("/", true);
    // The recording's state, as if this tab had sent it.
    pending.state = openidconnect::CsrfToken::new("recorded-state".into());

    let err = provider
        .complete_login(pending, recorded_login_required(), &idp.client())
        .await
        .expect_err("no session");

    assert_eq!(err, AuthError::LoginRequired);
}

#[tokio::test]
async fn a_silent_error_for_another_sign_in_is_a_state_mismatch() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", true);

    let err = provider
        .complete_login(pending, recorded_login_required(), &idp.client())
        .await
        .expect_err("not ours");

    assert_eq!(err, AuthError::StateMismatch);
    assert!(idp.requests_to("/token").is_empty());
}

#[tokio::test]
async fn a_missing_iss_is_refused_when_the_provider_promises_it() {
    // The recorded discovery document says authorization_response_iss_parameter_supported.
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);
    let callback = Callback::parse(&format!(
        "?code=recorded-code&state={}",
        pending.state.secret()
    ))
    .expect("a callback");

    let err = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect_err("no iss");

    assert_eq!(
        err,
        AuthError::IssuerMismatch {
            expected: ISSUER.into(),
            got: "no iss parameter".into()
        }
    );
    assert!(idp.requests_to("/token").is_empty());
}

#[tokio::test]
async fn login_required_on_an_interactive_attempt_is_a_refusal() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, mut pending) = provider.begin_login("/", false);
    // The recording's state, as if this tab had sent it.
    pending.state = openidconnect::CsrfToken::new("recorded-state".into());

    let err = provider
        .complete_login(pending, recorded_login_required(), &idp.client())
        .await
        .expect_err("refused");

    assert_eq!(
        err,
        AuthError::Refused {
            error: "login_required".into(),
            description: Some("End-User authentication is required".into())
        }
    );
}

#[tokio::test]
async fn an_error_for_another_sign_in_is_a_state_mismatch() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);

    let err = provider
        .complete_login(pending, recorded_login_required(), &idp.client())
        .await
        .expect_err("not ours");

    assert_eq!(err, AuthError::StateMismatch);
}

// ------------------------------------------------------------------- provider-level failures

#[tokio::test]
async fn a_discovery_document_for_another_issuer_is_invalid() {
    let idp = Idp::new();
    // The same host with a trailing slash is another issuer (OIDC Discovery §4.3: exact match).
    idp.discovery.lock().expect("idp")["issuer"] = json!("http://127.0.0.1:9090/");

    let err = Provider::discover(&oidc_config(), &idp.client())
        .await
        .expect_err("issuer mismatch");

    let AuthError::DiscoveryInvalid { issuer, detail } = err else {
        panic!("expected DiscoveryInvalid, got {err:?}");
    };
    assert_eq!(issuer, ISSUER);
    assert!(detail.contains("http://127.0.0.1:9090/"), "{detail}");
}

/// Discovery's failure for `idp` as it is now, which must be `DiscoveryInvalid`; its detail.
async fn discovery_invalid(idp: &Idp) -> String {
    match Provider::discover(&oidc_config(), &idp.client()).await {
        Err(AuthError::DiscoveryInvalid { issuer, detail }) => {
            assert_eq!(issuer, ISSUER);
            detail
        }
        other => panic!("expected DiscoveryInvalid, got {other:?}"),
    }
}

#[tokio::test]
async fn a_discovery_document_that_is_not_json_is_invalid() {
    let idp = Idp::new();
    *idp.discovery_type.lock().expect("idp") = Some("text/html; charset=utf-8");

    let detail = discovery_invalid(&idp).await;

    assert!(detail.contains("text/html"), "{detail}");
    // Media types are case-insensitive and may carry parameters (RFC 9110 §8.3.1).
    *idp.discovery_type.lock().expect("idp") = Some("Application/JSON; charset=utf-8");
    discover(&idp).await;
}

#[tokio::test]
async fn a_discovery_document_missing_a_required_field_is_invalid() {
    let idp = Idp::new();
    let discovery = idp.discovery.lock().expect("idp").take();
    let mut without_jwks = discovery.clone();
    without_jwks
        .as_object_mut()
        .expect("object")
        .remove("jwks_uri");
    *idp.discovery.lock().expect("idp") = without_jwks;

    let detail = discovery_invalid(&idp).await;

    assert!(detail.contains("jwks_uri"), "{detail}");
    assert!(
        idp.requests_to("/jwks").is_empty(),
        "no JWKS without jwks_uri"
    );
}

#[tokio::test]
async fn a_discovery_error_status_is_invalid() {
    let idp = Idp::new();
    // The recorded (valid) document, so only the status can refuse it.
    *idp.discovery_status.lock().expect("idp") = Some(404);
    let detail = discovery_invalid(&idp).await;
    assert!(detail.contains("HTTP 404"), "{detail}");
}

#[tokio::test]
async fn a_discovery_document_that_is_not_an_object_is_invalid() {
    let idp = Idp::new();
    *idp.discovery.lock().expect("idp") = json!(["issuer"]);
    let detail = discovery_invalid(&idp).await;
    assert!(detail.contains("unreadable discovery document"), "{detail}");
}

#[tokio::test]
async fn algorithms_the_verifier_does_not_know_are_skipped() {
    let idp = Idp::new();
    idp.discovery.lock().expect("idp")["id_token_signing_alg_values_supported"] =
        json!(["ES256K", "RS256", 7]);

    let signed_in = sign_in_at(idp.clone(), |p| rs256(&claims(p))).await;
    assert!(signed_in.is_ok(), "{signed_in:?}");

    // RS256 stays the only algorithm allowed.
    let refused = sign_in_at(idp, |p| hs256_with_public_key(&claims(p))).await;
    let Err(AuthError::IdTokenRejected { reason }) = refused else {
        panic!("expected IdTokenRejected, got {refused:?}");
    };
    assert!(reason.ends_with("is not one of: RS256)"), "{reason}");
}

#[tokio::test]
async fn an_unreachable_provider_is_provider_unreachable() {
    let idp = Idp::new();
    idp.set_down(Down::Everything);

    let err = Provider::discover(&oidc_config(), &idp.client())
        .await
        .expect_err("down");

    let AuthError::ProviderUnreachable { issuer, detail } = err else {
        panic!("expected ProviderUnreachable, got {err:?}");
    };
    assert_eq!(issuer, ISSUER);
    assert!(detail.contains("connection refused"), "{detail}");
}

#[tokio::test]
async fn invalid_grant_from_the_token_endpoint_is_token_refused() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);
    idp.answer_token_with(TokenAnswer::Recorded("oidc-token-400-invalid-grant"));
    let callback = code_callback(&pending);

    let err = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect_err("refused");

    assert_eq!(
        err,
        AuthError::TokenRefused {
            detail: "invalid_grant (grant request is invalid)".into()
        }
    );
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_token_endpoint_unreachable() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);
    idp.set_down(Down::TokenEndpoint);
    let callback = code_callback(&pending);

    let err = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect_err("down");

    let AuthError::TokenEndpointUnreachable { detail } = err else {
        panic!("expected TokenEndpointUnreachable, got {err:?}");
    };
    assert!(detail.contains("connection refused"), "{detail}");
}

// ----------------------------------------------------------------------------------- logout

#[tokio::test]
async fn logout_posts_to_the_recorded_end_session_endpoint_with_no_token_in_the_url() {
    let idp = Idp::new();
    let provider = discover(&idp).await;
    let (_, pending) = provider.begin_login("/", false);
    let jwt = rs256(&claims(&pending));
    let post_logout = url::Url::parse("http://127.0.0.1:8080/").expect("url");

    let logout = provider
        .logout(&IdTokenJwt::new(jwt.clone()), &post_logout)
        .expect("end_session_endpoint is in the discovery document");

    let Logout::Post { action, fields } = logout else {
        panic!("expected a form POST, got {logout:?}");
    };
    // The token goes in the form's body only.
    assert_eq!(action.as_str(), "http://127.0.0.1:9090/session/end");
    let q: BTreeMap<String, String> = fields.into_iter().collect();
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["post_logout_redirect_uri"], "http://127.0.0.1:8080/");
    assert_eq!(q["id_token_hint"], jwt);
    assert!(!q.contains_key("logout_uri"), "{q:?}");
}

// ------------------------------------------------------------------- renewal (refresh token)

/// Alice signed in at `idp`, which issued the refresh token `rt-1` with the code exchange.
async fn signed_in_with_refresh_token(idp: &Idp) -> (Provider, SignIn) {
    idp.issue_refresh_token("rt-1");
    let provider = discover(idp).await;
    let (_, pending) = provider.begin_login("/photos", false);
    idp.answer_id_token(rs256(&claims(&pending)));
    let callback = code_callback(&pending);
    let sign_in = provider
        .complete_login(pending, callback, &idp.client())
        .await
        .expect("signed in");
    (provider, sign_in)
}

/// Alice's claims for a renewal of `first`: the same sign-in, issued later, valid longer.
fn renewed_claims(first: &SignIn) -> Value {
    let now = now_secs();
    json!({
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "alice",
        "name": "Alice Liddell",
        "nonce": first.nonce.secret(),
        "iat": now,
        "exp": now + 1200,
    })
}

/// `previous` renewed at `idp`, which answers with a valid renewed ID token and, when given,
/// the rotated refresh token `next`.
async fn renewed(idp: &Idp, provider: &Provider, previous: &SignIn, next: Option<&str>) -> SignIn {
    idp.answer_refresh_with(RefreshAnswer::Renewed(
        Some(rs256(&renewed_claims(previous))),
        next.map(Into::into),
    ));
    provider
        .refresh(previous, &idp.client())
        .await
        .expect("renewed")
}

/// The refresh token a sign-in holds.
fn held(sign_in: &SignIn) -> Option<&str> {
    sign_in.refresh_token.as_ref().map(|t| t.secret().as_str())
}

async fn refresh_refusal(idp: &Idp, provider: &Provider, first: &SignIn, claims: &Value) -> String {
    idp.answer_refresh_with(RefreshAnswer::Renewed(
        Some(rs256(claims)),
        Some("rt-2".into()),
    ));
    match provider.refresh(first, &idp.client()).await {
        Err(AuthError::IdTokenRejected { reason }) => reason,
        other => panic!("expected IdTokenRejected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refresh_token_renews_the_sign_in_and_its_rotated_successor_is_used_next() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    assert_eq!(held(&first), Some("rt-1"));

    let claims = renewed_claims(&first);
    let jwt = rs256(&claims);
    idp.answer_refresh_with(RefreshAnswer::Renewed(
        Some(jwt.clone()),
        Some("rt-2".into()),
    ));
    let second = provider
        .refresh(&first, &idp.client())
        .await
        .expect("renewed");
    assert_eq!(second.id_token, IdTokenJwt::new(jwt));
    assert_eq!(second.identity.sub, "alice");
    assert_eq!(
        second.identity.expires_at_ms,
        u64::try_from(claims["exp"].as_i64().expect("exp") * 1000).expect("positive")
    );
    assert_eq!(held(&second), Some("rt-2"));
    assert_eq!(second.nonce.secret(), first.nonce.secret());
    assert_eq!(second.return_to, "/photos");
    // No token reaches a log line or a message through `Debug`.
    let shown = format!("{second:?}");
    assert!(
        !shown.contains("rt-2") && !shown.contains(second.id_token.secret()),
        "{shown}"
    );

    // The next renewal spends the rotated token, not the first one.
    let third = renewed(&idp, &provider, &second, Some("rt-3")).await;
    assert_eq!(held(&third), Some("rt-3"));

    let forms = idp.refresh_requests();
    assert_eq!(forms.len(), 2);
    assert_eq!(forms[0]["refresh_token"], "rt-1");
    assert_eq!(forms[1]["refresh_token"], "rt-2");
    for form in &forms {
        assert_eq!(form["client_id"], CLIENT_ID);
        assert!(
            !form.contains_key("client_secret"),
            "a public client sends no secret"
        );
    }
    // The recorded request to the real IdP carried the same fields.
    let recorded: BTreeMap<String, String> = url::form_urlencoded::parse(
        Exchange::load("oidc-token-refresh-ok")
            .request
            .body
            .as_bytes(),
    )
    .into_owned()
    .collect();
    assert_eq!(
        recorded.keys().collect::<Vec<_>>(),
        forms[0].keys().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_provider_that_does_not_rotate_leaves_the_refresh_token_in_use() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    let second = renewed(&idp, &provider, &first, None).await;
    assert_eq!(held(&second), Some("rt-1"));
}

#[tokio::test]
async fn a_renewed_token_without_a_nonce_is_accepted() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    let mut claims = renewed_claims(&first);
    claims.as_object_mut().expect("object").remove("nonce");
    idp.answer_refresh_with(RefreshAnswer::Renewed(
        Some(rs256(&claims)),
        Some("rt-2".into()),
    ));
    provider
        .refresh(&first, &idp.client())
        .await
        .expect("renewed");
}

#[tokio::test]
async fn a_renewed_token_naming_another_user_is_refused() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    let reason = refresh_refusal(
        &idp,
        &provider,
        &first,
        &with(renewed_claims(&first), "sub", json!("mallory")),
    )
    .await;
    assert_eq!(
        reason,
        "the renewed token names another user (mallory, not alice)"
    );
}

#[tokio::test]
async fn a_renewed_token_with_another_nonce_is_refused() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    let reason = refresh_refusal(
        &idp,
        &provider,
        &first,
        &with(renewed_claims(&first), "nonce", json!("other")),
    )
    .await;
    assert_eq!(reason, "its nonce does not match this sign-in (replay?)");
}

#[tokio::test]
async fn a_renewed_token_that_is_expired_forged_or_for_another_client_is_refused() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    let expired = with(renewed_claims(&first), "exp", json!(now_secs() - 600));
    assert_eq!(
        refresh_refusal(&idp, &provider, &first, &expired).await,
        "it has expired"
    );
    let other_client = with(renewed_claims(&first), "aud", json!("someone-else"));
    assert_eq!(
        refresh_refusal(&idp, &provider, &first, &other_client).await,
        "it was issued for another client (aud)"
    );
    let forged = rs256_with(&rotated_key(), KID, &renewed_claims(&first));
    idp.answer_refresh_with(RefreshAnswer::Renewed(Some(forged), Some("rt-2".into())));
    assert!(matches!(
        provider.refresh(&first, &idp.client()).await,
        Err(AuthError::IdTokenRejected { reason }) if reason.contains("does not verify")
    ));
}

#[tokio::test]
async fn a_spent_refresh_token_is_refused_by_the_provider() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    idp.answer_refresh_with(RefreshAnswer::Recorded(
        "oidc-token-refresh-400-invalid-grant",
    ));
    match provider.refresh(&first, &idp.client()).await {
        Err(AuthError::TokenRefused { detail }) => {
            assert!(detail.starts_with("invalid_grant"), "{detail}")
        }
        other => panic!("expected TokenRefused, got {other:?}"),
    }
}

#[tokio::test]
async fn a_renewal_answer_without_an_id_token_is_no_id_token() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    idp.answer_refresh_with(RefreshAnswer::Renewed(None, Some("rt-2".into())));
    assert_eq!(
        provider.refresh(&first, &idp.client()).await.err(),
        Some(AuthError::NoIdToken)
    );
}

#[tokio::test]
async fn without_a_refresh_token_nothing_is_sent() {
    let idp = Idp::new();
    let first = sign_in_at(idp.clone(), |p| rs256(&claims(p)))
        .await
        .expect("signed in");
    assert!(first.refresh_token.is_none());
    let provider = discover(&idp).await;
    assert_eq!(
        provider.refresh(&first, &idp.client()).await.err(),
        Some(AuthError::NoRefreshToken)
    );
    assert!(idp.refresh_requests().is_empty());
}

#[tokio::test]
async fn a_provider_that_is_down_during_a_renewal_is_unreachable_and_the_sign_in_stays() {
    let idp = Idp::new();
    let (provider, first) = signed_in_with_refresh_token(&idp).await;
    idp.set_down(Down::TokenEndpoint);
    match provider.refresh(&first, &idp.client()).await {
        Err(AuthError::TokenEndpointUnreachable { detail }) => {
            assert!(detail.contains("connection refused"), "{detail}");
        }
        other => panic!("expected TokenEndpointUnreachable, got {other:?}"),
    }
    // Back up: the same refresh token still works (a failed request spent nothing).
    idp.set_down(Down::No);
    let second = renewed(&idp, &provider, &first, Some("rt-2")).await;
    assert_eq!(held(&second), Some("rt-2"));
}
