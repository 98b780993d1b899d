//! Browser tests (wasm-bindgen-test in headless Chromium) against the real local stack:
//! the fetch connector, a real STS exchange with tokens issued by the local IdP, and the
//! S3 round trip the app performs. `scripts/test` starts the stack, obtains the tokens and
//! runs these with `cargo test --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]
// Helpers as well as tests panic with a message on a broken precondition.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_smithy_async::rt::sleep::AsyncSleep;
use aws_smithy_async::time::TimeSource;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_types::body::SdkBody;
use leptos::prelude::*;
use pail::auth::{IdTokenJwt, Provider};
use pail::config::ConfigError;
use pail::config::source::{LoadError, Source, UnknownName};
use pail::credentials::CredentialsError;
use pail::platform::blob_io::BlobIo;
use pail::platform::clock::{BrowserClock, BrowserSleep};
use pail::platform::connector::FetchHttpClient;
use pail::platform::crc::CrcPool;
use pail::platform::http::oidc_client;
use pail::storage::upload::{Gate, Limiter, ObjectInfo, Quiet, UploadState};
use pail::storage::{NewObject, StorageError, keys};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[allow(dead_code)]
#[path = "fixtures/browser_support.rs"]
mod browser_support;
use browser_support::*;

// ---- the fetch connector -------------------------------------------------------------------

fn send(request: HttpRequest) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
    let components = RuntimeComponentsBuilder::for_tests()
        .build()
        .expect("components");
    FetchHttpClient
        .http_connector(&HttpConnectorSettings::default(), &components)
        .call(request)
}

#[wasm_bindgen_test]
async fn connector_returns_status_headers_and_body_bytes() {
    let cfg = config();
    let endpoint = cfg.s3.endpoint.expect("test stack has an S3 endpoint");
    // Unsigned: the adapter refuses it with an S3 XML error, CORS headers included.
    let url = format!("{}{}?list-type=2", endpoint.as_str(), cfg.s3.bucket);
    let request = HttpRequest::get(url.as_str()).expect("request");
    let response = send(request).await.expect("an HTTP answer");
    assert_eq!(response.status().as_u16(), 403);
    let body =
        std::str::from_utf8(response.body().bytes().expect("in-memory body")).expect("utf-8");
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert!(
        response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.contains("xml"))
    );
}

#[wasm_bindgen_test]
async fn connector_sends_bodies_as_bytes() {
    let cfg = config();
    let sts = cfg
        .aws
        .sts_endpoint
        .expect("test stack has an STS endpoint");
    // A form body with bytes that are not valid UTF-8 must arrive as sent: STS parses it
    // and says what is wrong with the token it found.
    let mut body =
        b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=x1&RoleArn=".to_vec();
    body.extend_from_slice(cfg.aws.role_arn.as_bytes());
    body.extend_from_slice(b"&WebIdentityToken=%FF%FE");
    let mut request = HttpRequest::new(SdkBody::from(body));
    request.set_method("POST").expect("method");
    *request.uri_mut() = sts.as_str().try_into().expect("uri");
    request
        .headers_mut()
        .insert("content-type", "application/x-www-form-urlencoded");
    let response = send(request).await.expect("an HTTP answer");
    let text = String::from_utf8_lossy(response.body().bytes().expect("body")).into_owned();
    assert!(text.contains("InvalidIdentityToken"), "{text}");
}

#[wasm_bindgen_test]
async fn connector_reports_an_unreachable_server_as_io() {
    // Nothing listens on port 9 of loopback.
    let request = HttpRequest::get("http://127.0.0.1:9/").expect("request");
    let err = send(request).await.expect_err("refused");
    assert!(err.is_io(), "{err:?}");
}

#[wasm_bindgen_test]
async fn clock_and_sleep_follow_the_browser() {
    let before = BrowserClock.now();
    BrowserSleep.sleep(Duration::from_millis(120)).await;
    let slept = BrowserClock
        .now()
        .duration_since(before)
        .expect("monotonic enough");
    assert!(slept >= Duration::from_millis(100), "{slept:?}");
    assert!(slept < Duration::from_secs(5), "{slept:?}");
}

// ---- OIDC discovery from the browser ---------------------------------------------------------

#[wasm_bindgen_test]
async fn discovery_and_authorize_url_from_the_browser() {
    let cfg = config();
    let provider = Provider::discover(&cfg.oidc, &oidc_client)
        .await
        .expect("discovery");
    assert_eq!(provider.issuer(), cfg.oidc.issuer.as_str());
    let (url, pending) = provider.begin_login("/", false);
    let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(
        query.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert_eq!(query.get("state"), Some(pending.state.secret()));
    assert_eq!(query.get("nonce"), Some(pending.nonce.secret()));
    assert_eq!(
        query.get("redirect_uri"),
        Some(&format!("{}/callback", origin()))
    );
}

// ---- ID-token signatures checked by WebCrypto ----------------------------------------------------

/// GET `url` as JSON through the app's fetch.
async fn get_json(url: &str) -> serde_json::Value {
    let response = pail::platform::http::fetch(pail::platform::http::Request {
        method: "GET",
        url,
        headers: vec![],
        body: None,
    })
    .await
    .expect("fetch");
    assert_eq!(response.status, 200, "{url}");
    serde_json::from_slice(&response.body).expect("JSON")
}

fn b64url_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url")
}

#[wasm_bindgen_test]
async fn webcrypto_verifies_the_idps_real_token_and_nothing_else() {
    use pail::platform::webcrypto::{Verification, verify};
    let issuer = config().oidc.issuer.to_string();
    let discovery = get_json(&format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
    .await;
    let jwks = get_json(discovery["jwks_uri"].as_str().expect("jwks_uri")).await;
    let jwt = token("alice");
    let parts: Vec<&str> = jwt.secret().split('.').collect();
    let header: serde_json::Value =
        serde_json::from_slice(&b64url_decode(parts[0])).expect("header");
    assert_eq!(header["alg"], "RS256");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's kid is in the JWKS")
        .to_string();
    let signed = format!("{}.{}", parts[0], parts[1]);
    let signature = b64url_decode(parts[2]);

    assert_eq!(
        verify(&key, "RS256", signed.as_bytes(), &signature).await,
        Verification::Valid
    );
    // Another payload under the same signature.
    let forged = format!("{}.{}", parts[0], &parts[1][1..]);
    assert_eq!(
        verify(&key, "RS256", forged.as_bytes(), &signature).await,
        Verification::Invalid
    );
    // A changed signature.
    let mut flipped = signature.clone();
    flipped[10] ^= 1;
    assert_eq!(
        verify(&key, "RS256", signed.as_bytes(), &flipped).await,
        Verification::Invalid
    );
    // An RSA key is no ECDSA key; HMAC and none are not verified here at all.
    assert!(matches!(
        verify(&key, "ES256", signed.as_bytes(), &signature).await,
        Verification::KeyRefused(_)
    ));
    for alg in ["HS256", "none", "ES512", ""] {
        assert_eq!(
            verify(&key, alg, signed.as_bytes(), &signature).await,
            Verification::UnsupportedAlg,
            "{alg}"
        );
    }
}

/// WebCrypto parameters from JSON; an RSA `modulusLength` gets the usual public exponent
/// (65537), which JSON cannot express (it is a `Uint8Array`).
fn crypto_params(json: &str) -> js_sys::Object {
    let params: js_sys::Object = js_sys::JSON::parse(json).expect("json").unchecked_into();
    if json.contains("modulusLength") {
        js_sys::Reflect::set(
            &params,
            &"publicExponent".into(),
            &js_sys::Uint8Array::from(&[1u8, 0, 1][..]),
        )
        .expect("set");
    }
    params
}

/// A fresh key pair (`generate`: WebCrypto's parameters): the public half as JWK JSON, and
/// `message` signed with the private half (`sign`: WebCrypto's parameters).
async fn signed_by_new_key(generate: &str, sign: &str, message: &[u8]) -> (String, Vec<u8>) {
    use wasm_bindgen_futures::JsFuture;
    let subtle = web_sys::window()
        .expect("window")
        .crypto()
        .expect("crypto")
        .subtle();
    let usages = js_sys::Array::of2(&"sign".into(), &"verify".into());
    let pair = JsFuture::from(
        subtle
            .generate_key_with_object(&crypto_params(generate), true, &usages)
            .expect("generateKey"),
    )
    .await
    .expect("key pair");
    let half = |name: &str| -> web_sys::CryptoKey {
        js_sys::Reflect::get(&pair, &name.into())
            .expect(name)
            .unchecked_into()
    };
    let jwk = JsFuture::from(
        subtle
            .export_key("jwk", &half("publicKey"))
            .expect("exportKey"),
    )
    .await
    .expect("jwk");
    let signature = JsFuture::from(
        subtle
            .sign_with_object_and_u8_array(&crypto_params(sign), &half("privateKey"), message)
            .expect("sign"),
    )
    .await
    .expect("signature");
    (
        String::from(js_sys::JSON::stringify(&jwk).expect("stringify")),
        js_sys::Uint8Array::new(&signature).to_vec(),
    )
}

#[wasm_bindgen_test]
async fn webcrypto_verifies_each_jws_algorithm() {
    use pail::platform::webcrypto::{Verification, verify};
    const RSA: &str = r#""modulusLength":2048"#;
    // (JWS alg, generateKey parameters, sign parameters)
    let cases = [
        (
            "RS256",
            format!(r#"{{"name":"RSASSA-PKCS1-v1_5",{RSA},"hash":"SHA-256"}}"#),
            r#"{"name":"RSASSA-PKCS1-v1_5"}"#,
        ),
        (
            "RS512",
            format!(r#"{{"name":"RSASSA-PKCS1-v1_5",{RSA},"hash":"SHA-512"}}"#),
            r#"{"name":"RSASSA-PKCS1-v1_5"}"#,
        ),
        (
            "PS256",
            format!(r#"{{"name":"RSA-PSS",{RSA},"hash":"SHA-256"}}"#),
            r#"{"name":"RSA-PSS","saltLength":32}"#,
        ),
        (
            "PS384",
            format!(r#"{{"name":"RSA-PSS",{RSA},"hash":"SHA-384"}}"#),
            r#"{"name":"RSA-PSS","saltLength":48}"#,
        ),
        (
            "ES256",
            r#"{"name":"ECDSA","namedCurve":"P-256"}"#.to_owned(),
            r#"{"name":"ECDSA","hash":"SHA-256"}"#,
        ),
        (
            "ES384",
            r#"{"name":"ECDSA","namedCurve":"P-384"}"#.to_owned(),
            r#"{"name":"ECDSA","hash":"SHA-384"}"#,
        ),
        (
            "EdDSA",
            r#"{"name":"Ed25519"}"#.to_owned(),
            r#"{"name":"Ed25519"}"#,
        ),
    ];
    let message = b"eyJhbGciOiJ0ZXN0In0.eyJzdWIiOiJhbGljZSJ9";
    let mut other = message.to_vec();
    other[5] ^= 1;
    for (alg, generate, sign) in cases {
        let (jwk, signature) = signed_by_new_key(&generate, sign, message).await;
        assert_eq!(
            verify(&jwk, alg, message, &signature).await,
            Verification::Valid,
            "{alg}"
        );
        assert_eq!(
            verify(&jwk, alg, &other, &signature).await,
            Verification::Invalid,
            "{alg}"
        );
    }
    // A P-256 key does not verify ES384 (the curve is part of the algorithm).
    let (jwk, signature) = signed_by_new_key(
        r#"{"name":"ECDSA","namedCurve":"P-256"}"#,
        r#"{"name":"ECDSA","hash":"SHA-384"}"#,
        message,
    )
    .await;
    assert!(matches!(
        verify(&jwk, "ES384", message, &signature).await,
        Verification::KeyRefused(_)
    ));
}

// ---- STS with real tokens ---------------------------------------------------------------------

#[wasm_bindgen_test]
async fn real_token_gets_temporary_credentials() {
    let alice = signed_in_as("alice", token("alice"));
    let creds = alice
        .credentials
        .credentials()
        .await
        .expect("STS accepts alice's token");
    assert!(
        creds.access_key_id().starts_with("ASIA"),
        "{}",
        creds.access_key_id()
    );
    assert!(creds.session_token().is_some());
    let lifetime = creds
        .expiry()
        .expect("expiry")
        .duration_since(BrowserClock.now())
        .expect("future");
    assert!(
        lifetime > Duration::from_secs(800) && lifetime <= Duration::from_secs(900),
        "{lifetime:?}"
    );
    // Held credentials are reused: no second exchange while they are fresh.
    alice.credentials.credentials().await.expect("cached");
    assert_eq!(alice.credentials.exchanges(), 1);
}

#[wasm_bindgen_test]
async fn tampered_token_is_refused_by_sts() {
    let jwt = token("alice");
    let mut parts: Vec<String> = jwt.secret().split('.').map(str::to_owned).collect();
    let sig = parts[2].clone();
    // Change one character of the signature.
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    parts[2] = format!("{flipped}{}", &sig[1..]);
    let bad = signed_in_as("alice", IdTokenJwt::new(parts.join(".")));
    let err = bad.credentials.credentials().await.expect_err("refused");
    assert!(
        matches!(err, CredentialsError::InvalidIdentityToken(_)),
        "{err:?}"
    );
    // And through S3, the same reason reaches the user.
    let err = bad
        .storage
        .list(bad.storage.home(), None)
        .await
        .expect_err("no credentials");
    assert!(
        matches!(
            err,
            StorageError::Credentials(CredentialsError::InvalidIdentityToken(_))
        ),
        "{err:?}"
    );
}

// ---- S3 round trip and isolation ----------------------------------------------------------------

#[wasm_bindgen_test]
async fn put_list_head_get_delete_round_trip() {
    let alice = signed_in_as("alice", token("alice"));
    let key = keys::upload_key(alice.storage.home(), &unique("notes ü #1.txt")).expect("key");
    let body = b"hello \xF0\x9F\x98\x80 from the browser".to_vec();
    let description = "Quarterly report — ünïcödé, <b>bold</b>";
    let etag = alice
        .storage
        .put(NewObject {
            key: key.clone(),
            body: body.clone(),
            content_type: Some("text/plain; charset=utf-8".into()),
            metadata: BTreeMap::from([("description".into(), description.into())]),
        })
        .await
        .expect("put");
    assert!(
        etag.is_some(),
        "the ETag must be readable (exposed by CORS)"
    );

    let listing = alice
        .storage
        .list(alice.storage.home(), None)
        .await
        .expect("list");
    let listed = listing
        .objects
        .iter()
        .find(|o| o.key == key)
        .expect("the new key is listed");
    assert_eq!(listed.size, body.len() as u64);

    let meta = alice.storage.head(&key).await.expect("head");
    assert_eq!(meta.size, body.len() as u64);
    assert_eq!(
        meta.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        meta.user.get("description").map(String::as_str),
        Some(description)
    );
    assert_eq!(meta.etag, etag);
    // Nothing the browser adds to a request is stored (fetch's `no-store` adds Cache-Control).
    assert_eq!(meta.cache_control, None, "a header nobody asked for");

    assert_eq!(alice.storage.get(&key).await.expect("get"), body);
    alice.storage.delete(&key).await.expect("delete");
    let gone = alice.storage.head(&key).await.expect_err("deleted");
    assert_eq!(gone, StorageError::NoSuchKey { key: key.clone() });
}

#[wasm_bindgen_test]
async fn bob_cannot_reach_alices_files() {
    let alice = signed_in_as("alice", token("alice"));
    let key = keys::upload_key(alice.storage.home(), &unique("private.txt")).expect("key");
    alice
        .storage
        .put(NewObject {
            key: key.clone(),
            body: b"alice only".to_vec(),
            content_type: None,
            metadata: BTreeMap::new(),
        })
        .await
        .expect("alice writes her own prefix");

    let bob = signed_in_as("bob", token("bob"));
    assert_eq!(bob.storage.home(), "users/bob/");
    let denied = StorageError::AccessDenied {
        target: key.clone(),
    };
    assert_eq!(bob.storage.head(&key).await.expect_err("head"), denied);
    assert_eq!(bob.storage.get(&key).await.expect_err("get"), denied);
    assert_eq!(bob.storage.delete(&key).await.expect_err("delete"), denied);
    let listing = bob
        .storage
        .list(alice.storage.home(), None)
        .await
        .expect_err("list");
    assert_eq!(
        listing,
        StorageError::AccessDenied {
            target: "users/alice/".into()
        }
    );
    let root = bob.storage.list("", None).await.expect_err("bucket root");
    assert!(
        matches!(root, StorageError::AccessDenied { .. }),
        "{root:?}"
    );
    // Bob's own listing works and does not show alice's key.
    let own = bob
        .storage
        .list(bob.storage.home(), None)
        .await
        .expect("bob lists his prefix");
    assert!(own.objects.iter().all(|o| o.key.starts_with("users/bob/")));
    alice.storage.delete(&key).await.expect("cleanup");
}

// ---- components ---------------------------------------------------------------------------------

fn mount_host() -> web_sys::HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let host: web_sys::HtmlElement = document
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("element");
    document
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    host
}

#[wasm_bindgen_test]
fn config_error_page_names_each_bad_setting_as_its_source_does() {
    let errors = vec![
        ConfigError {
            key: "PAIL_S3_BUCKET",
            problem: "'My_Bucket' may use only lowercase".into(),
        },
        ConfigError {
            key: "PAIL_ROLE_ARN",
            problem: "is not set".into(),
        },
    ];
    let host = mount_host();
    let error = LoadError::Invalid {
        from: Source::ConfigJson {
            url: "https://files.example.com/config.json".into(),
        },
        errors: errors.clone(),
        unknown: vec![UnknownName {
            name: "s3_buckets".into(),
            suggestion: Some("s3_bucket"),
        }],
    };
    let handle = leptos::mount::mount_to(host.clone(), move || {
        view! { <pail::ui::pages::ConfigErrorPage error/> }
    });
    let text = host.inner_text();
    assert!(
        text.contains("This app is not configured correctly"),
        "{text}"
    );
    assert!(
        text.contains("https://files.example.com/config.json"),
        "{text}"
    );
    assert!(text.contains("s3_bucket") && text.contains("'My_Bucket' may use only lowercase"));
    assert!(text.contains("role_arn") && text.contains("IAM role assumed with the ID token"));
    assert!(text.contains("did you mean s3_bucket?"), "{text}");
    assert!(!text.contains("PAIL_S3_BUCKET"), "{text}");
    drop(handle);

    let host = mount_host();
    let error = LoadError::Invalid {
        from: Source::Build {
            why: "no config.json".into(),
        },
        errors,
        unknown: Vec::new(),
    };
    let handle = leptos::mount::mount_to(host.clone(), move || {
        view! { <pail::ui::pages::ConfigErrorPage error/> }
    });
    let text = host.inner_text();
    assert!(
        text.contains("PAIL_S3_BUCKET") && text.contains(".env"),
        "{text}"
    );
    drop(handle);
}

/// The test runner serves no config.json (404), so the app falls back to the build's values.
#[wasm_bindgen_test]
async fn without_config_json_the_build_values_apply() {
    let (config, source) = pail::app::read_settings()
        .await
        .expect("the test build's settings");
    assert_eq!(config, self::config());
    let Source::Build { why } = source else {
        panic!("settings from {source:?}");
    };
    assert!(why.contains("config.json") && why.contains("404"), "{why}");
}

// ---- uploads: the engine with the browser's byte mover, against the real stack -----------------

/// CRC-32/ISO-HDLC bit by bit, from the definition.
fn crc32_reference(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[wasm_bindgen_test]
async fn the_checksum_workers_agree_with_the_definition() {
    assert_eq!(crc32_reference(b"123456789"), 0xcbf4_3926);
    let data = pattern((3 << 20) + 12_345, 7);
    let blob = blob_of(&data);
    let pool = CrcPool::shared().expect("workers");
    let n = data.len();
    // Empty, tiny, unaligned starts and ends, a multi-chunk middle, the whole.
    for (start, end) in [(0, 0), (0, 9), (1, 3_000_001), (7, n), (n - 5, n), (0, n)] {
        assert_eq!(
            pool.crc32(&blob, start as u64..end as u64).await,
            Ok(crc32_reference(&data[start..end])),
            "{start}..{end}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_file_in_parts_goes_up_from_a_blob_and_reads_back_byte_for_byte() {
    let alice = signed_in_as("alice", token("alice"));
    let key = keys::upload_key(alice.storage.home(), &unique("parts ü.bin")).expect("key");
    let data = pattern((12 << 20) + 3, 11);
    let io = BlobIo::new(blob_of(&data)).expect("byte mover");
    let (parts, gate, origin) = (Limiter::new(3), Gate::default(), origin());
    let object = ObjectInfo {
        key: key.clone(),
        content_type: Some("application/x-test".into()),
        metadata: BTreeMap::from([("description".into(), "in parts — ünï".into())]),
        if_absent: false,
    };
    let mut state = UploadState::new(object, data.len() as u64, 5 << 20).expect("plan");
    assert_eq!(state.plan.parts(), 3);

    let done = transfer(&alice, &io, &parts, &gate, &origin)
        .upload(&mut state, &Quiet)
        .await
        .expect("upload");

    assert_eq!((done.requests, done.reused), (3, 0));
    let etag = done.etag.expect("the ETag is exposed");
    assert!(etag.ends_with("-3\""), "a multipart ETag: {etag}");
    let meta = alice.storage.head(&key).await.expect("head");
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(meta.content_type.as_deref(), Some("application/x-test"));
    assert_eq!(
        meta.user.get("description").map(String::as_str),
        Some("in parts — ünï")
    );
    assert_eq!(meta.cache_control, None, "a header nobody asked for");
    assert!(
        alice.storage.get(&key).await.expect("get") == data,
        "bytes differ"
    );
    let left = alice
        .storage
        .list_unfinished_uploads(&key)
        .await
        .expect("list");
    assert!(left.is_empty(), "{left:?}");
    alice.storage.delete(&key).await.expect("cleanup");
}

#[wasm_bindgen_test]
async fn credentials_that_expire_during_an_upload_are_renewed() {
    // 15 s sessions (the test stack's minimum), renewed 3.75 s before they end; four parts
    // slowed to 5 s each, one at a time: the upload outlives the first credentials.
    let mut cfg = config();
    cfg.aws.session_duration = Duration::from_secs(15);
    let alice = signed_in_with(&cfg, "alice", token("alice"));
    let key = keys::upload_key(alice.storage.home(), &unique("slow.bin")).expect("key");
    knob(
        "delays",
        &format!(r#"{{"prefix": "{key}", "operation": "UploadPart", "seconds": 5}}"#),
    )
    .await;
    let data = pattern(20 << 20, 5);
    let io = BlobIo::new(blob_of(&data)).expect("byte mover");
    let (parts, gate, origin) = (Limiter::new(1), Gate::default(), origin());
    let object = ObjectInfo {
        key: key.clone(),
        ..ObjectInfo::default()
    };
    let mut state = UploadState::new(object, data.len() as u64, 5 << 20).expect("plan");
    let started = BrowserClock.now();

    transfer(&alice, &io, &parts, &gate, &origin)
        .upload(&mut state, &Quiet)
        .await
        .expect("the upload outlives its first credentials");

    let took = BrowserClock.now().duration_since(started).expect("time");
    assert!(
        took > Duration::from_secs(15),
        "{took:?}: the session must expire meanwhile"
    );
    assert!(
        alice.credentials.exchanges() >= 2,
        "renewed: {}",
        alice.credentials.exchanges()
    );
    assert_eq!(
        alice.storage.head(&key).await.expect("head").size,
        data.len() as u64
    );
    alice.storage.delete(&key).await.expect("cleanup");
}

// ---- hostile names and values ----------------------------------------------------------------

/// File names and metadata values that have broken file managers: markup, unicode in both
/// normal forms, emoji, right-to-left overrides, URL syntax, spaces at the ends, `..`, a key of
/// exactly 1,024 bytes, an empty file. Each goes up the way the app uploads (a presigned PUT of
/// a Blob), then must list, HEAD and download exactly as given.
#[wasm_bindgen_test]
async fn hostile_names_and_values_round_trip_exactly() {
    let alice = signed_in_as("alice", token("alice"));
    let folder = format!("users/alice/{}/", unique("hostile"));
    let long = "k".repeat(1024 - folder.len() - ".bin".len()) + ".bin";
    let names: Vec<String> = [
        "<script>alert(1)</script>.html",
        "<img src=x onerror=alert(1)>",
        "caf\u{e9}.txt",
        "cafe\u{301}.txt",
        "😀 family 👨\u{200d}👩\u{200d}👧.txt",
        "שלום \u{202e}txt.exe",
        "a+b%20c#d?e&f=g.txt",
        "  spaces at both ends  ",
        "inner//double slash.txt",
        "dots..in..name",
        "empty file",
        long.as_str(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let values = [
        "<b onmouseover=alert(1)>bold</b>",
        "  padded  ",
        "ünïcödé — “quotes” 😀",
        "=?UTF-8?B?bm90IGVuY29kZWQ=?=",
        "line\u{2028}separator",
        "",
    ];
    let mut wrong = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let key = keys::upload_key(&folder, name).expect("key");
        let data: Vec<u8> = if name == "empty file" {
            Vec::new()
        } else {
            format!("bytes of {name}").into_bytes()
        };
        let description = values[i % values.len()];
        let io = BlobIo::new(blob_of(&data)).expect("byte mover");
        let (parts, gate, origin) = (Limiter::new(1), Gate::default(), origin());
        let object = ObjectInfo {
            key: key.clone(),
            content_type: Some("text/plain; charset=utf-8".into()),
            metadata: BTreeMap::from([("description".into(), description.into())]),
            if_absent: false,
        };
        let mut state = UploadState::new(object, data.len() as u64, 5 << 20).expect("plan");
        if let Err(e) = transfer(&alice, &io, &parts, &gate, &origin)
            .upload(&mut state, &Quiet)
            .await
        {
            wrong.push(format!("{name:?}: upload failed: {e:?}"));
            continue;
        }
        match alice.storage.head(&key).await {
            Ok(meta) => {
                if meta.size != data.len() as u64 {
                    wrong.push(format!("{name:?}: HEAD size {}", meta.size));
                }
                let got = meta.user.get("description").map(String::as_str);
                if got != Some(description) {
                    wrong.push(format!("{name:?}: description {got:?} != {description:?}"));
                }
            }
            Err(e) => wrong.push(format!("{name:?}: HEAD failed: {e:?}")),
        }
        match alice.storage.get(&key).await {
            Ok(bytes) if bytes == data => {}
            Ok(bytes) => wrong.push(format!("{name:?}: downloaded {} other bytes", bytes.len())),
            Err(e) => wrong.push(format!("{name:?}: GET failed: {e:?}")),
        }
    }
    // Everything is listed under its exact key, a name with `/` inside its folder, and
    // nothing else.
    let mut expected_folders: Vec<String> = Vec::new();
    for name in &names {
        let key = format!("{folder}{name}");
        let parent = match name.find('/') {
            Some(slash) => {
                let sub = format!("{folder}{}", &name[..=slash]);
                if !expected_folders.contains(&sub) {
                    expected_folders.push(sub.clone());
                }
                format!("{folder}{}", &name[..=name.rfind('/').unwrap_or(slash)])
            }
            None => folder.clone(),
        };
        match alice.storage.list(&parent, None).await {
            Ok(listing) if listing.objects.iter().any(|o| o.key == key) => {}
            Ok(listing) => wrong.push(format!(
                "{name:?}: not listed in {parent:?} (listed: {:?})",
                listing.objects.iter().map(|o| &o.key).collect::<Vec<_>>()
            )),
            Err(e) => wrong.push(format!("{name:?}: listing {parent:?} failed: {e:?}")),
        }
    }
    let listing = alice.storage.list(&folder, None).await.expect("list");
    let mut folders = listing.folders.clone();
    folders.sort();
    expected_folders.sort();
    if folders != expected_folders {
        wrong.push(format!(
            "folders {folders:?}, expected {expected_folders:?}"
        ));
    }
    // `.` and `..` segments: the browser would rewrite the URL (and S3 refuse the signature),
    // so they are refused before anything is sent, with the reason.
    for name in ["../up one.txt", "./here.txt", "x/../y.txt"] {
        assert!(
            matches!(
                keys::upload_key(&folder, name),
                Err(keys::KeyError::DotSegment(_))
            ),
            "{name}"
        );
        let key = format!("{folder}{name}");
        let head = alice.storage.head(&key).await;
        assert!(
            matches!(head, Err(StorageError::Key(keys::KeyError::DotSegment(_)))),
            "{name}: {head:?}"
        );
    }
    // One byte more than S3 allows is refused before anything is sent.
    assert!(matches!(
        keys::upload_key(&folder, &format!("{long}x")),
        Err(keys::KeyError::TooLong(1025))
    ));
    for name in &names {
        let _ = alice.storage.delete(&format!("{folder}{name}")).await;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---- S3 busy or failing ----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn s3_busy_twice_is_retried_three_times_is_explained() {
    let alice = signed_in_as("alice", token("alice"));
    let key = format!("users/alice/{}", unique("busy.txt"));
    alice
        .storage
        .put(NewObject {
            key: key.clone(),
            body: b"patience".to_vec(),
            content_type: None,
            metadata: BTreeMap::new(),
        })
        .await
        .expect("put");
    let busy = |count: u32| {
        format!(
            r#"{{"key": "{key}", "operation": "GET", "count": {count}, "status": 503, "code": "SlowDown", "message": "Please reduce your request rate."}}"#
        )
    };
    // The SDK's standard retry (three attempts, with backoff) rides out two refusals...
    knob("faults", &busy(2)).await;
    assert_eq!(
        alice.storage.get(&key).await.expect("the third attempt"),
        b"patience"
    );
    // ...and a third is told as what it is.
    knob("faults", &busy(3)).await;
    let err = alice.storage.get(&key).await.expect_err("three refusals");
    assert!(
        matches!(&err, StorageError::Other { status: 503, code, .. } if code == "SlowDown"),
        "{err:?}"
    );
    let explained = pail::error::AppError::from(err).explain();
    assert!(
        explained.title.contains("SlowDown") && explained.action.contains("try again"),
        "{explained:?}"
    );
    alice.storage.delete(&key).await.expect("cleanup");
}

// ---- STS going down ---------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn an_sts_outage_is_ridden_out_or_explained_and_the_session_goes_on() {
    use pail::credentials::CredentialsError;
    let outage = |count: u32| format!(r#"{{"sub": "dana", "count": {count}}}"#);
    // Two 503 ServiceUnavailable answers: the SDK's retries (three attempts) ride them out.
    knob("sts-faults", &outage(2)).await;
    let dana = signed_in_as("dana", token("dana"));
    dana.credentials
        .credentials()
        .await
        .expect("the third attempt");

    // Down for longer: said as an outage, not as a problem with the sign-in or the setup.
    let later = signed_in_as("dana", token("dana"));
    knob("sts-faults", &outage(3)).await;
    let err = later
        .credentials
        .credentials()
        .await
        .expect_err("three refusals");
    assert_eq!(
        err,
        CredentialsError::Unavailable {
            code: "ServiceUnavailable".into()
        }
    );
    let explained = pail::error::AppError::from(err).explain();
    assert!(
        explained.title.contains("not answering right now")
            && explained.action.contains("still signed in")
            && !explained.sign_in_again,
        "{explained:?}"
    );

    // STS is back: the same session gets its credentials and S3 answers with them.
    let listed = later
        .storage
        .list(later.storage.home(), None)
        .await
        .expect("listing after the outage");
    assert!(
        listed
            .objects
            .iter()
            .all(|o| o.key.starts_with("users/dana/"))
    );
}

// ---- a stalled connection --------------------------------------------------------------------

/// The fault-injecting proxy in front of S3 (stack/faultproxy.py), from scripts/test.
fn proxy_endpoint() -> &'static str {
    match option_env!("PAIL_TEST_S3_PROXY") {
        Some(proxy) => proxy,
        None => panic!("PAIL_TEST_S3_PROXY is not set: run these tests through scripts/test"),
    }
}

/// Turns the fault-injecting proxy.
async fn proxy(name: &str, json: &str) -> String {
    let proxy = proxy_endpoint();
    let response = pail::platform::http::fetch(pail::platform::http::Request {
        method: if name == "fired" { "GET" } else { "POST" },
        url: &format!("{proxy}/__proxy/{name}"),
        headers: vec![("content-type".into(), "application/json".into())],
        body: (name != "fired").then_some(json.as_bytes()),
    })
    .await
    .expect("proxy");
    assert_eq!(response.status, 200, "proxy {name} {json}");
    String::from_utf8_lossy(&response.body).into_owned()
}

#[wasm_bindgen_test]
async fn a_part_whose_connection_stalls_is_abandoned_and_sent_again() {
    // Alice's storage, talking to S3 through the proxy.
    let mut cfg = config();
    cfg.s3.endpoint = Some(proxy_endpoint().parse().expect("proxy URL"));
    let alice = signed_in_with(&cfg, "alice", token("alice"));
    let key = keys::upload_key(alice.storage.home(), &unique("stalled.bin")).expect("key");
    // Part 2 hangs for 30 s after its first MiB; the app gives up on it after 3 s.
    proxy(
        "faults",
        r#"{"kind": "stall", "method": "PUT", "match": "partNumber=2&", "after_bytes": 1048576, "seconds": 30}"#,
    )
    .await;
    let data = pattern(12 << 20, 9);
    let io = BlobIo::new(blob_of(&data))
        .expect("byte mover")
        .with_stall(Duration::from_secs(3));
    let (parts, gate, origin) = (Limiter::new(1), Gate::default(), origin());
    let object = ObjectInfo {
        key: key.clone(),
        ..ObjectInfo::default()
    };
    let mut state = UploadState::new(object, data.len() as u64, 5 << 20).expect("plan");
    assert_eq!(state.plan.parts(), 3);
    let started = BrowserClock.now();

    transfer(&alice, &io, &parts, &gate, &origin)
        .upload(&mut state, &Quiet)
        .await
        .expect("the upload goes on after the stall");

    let took = BrowserClock.now().duration_since(started).expect("time");
    assert!(
        took < Duration::from_secs(25),
        "{took:?}: it waited for the stall"
    );
    let fired = proxy("fired", "").await;
    assert!(
        fired.contains("\"stall\""),
        "the stall did not happen: {fired}"
    );
    assert!(
        alice.storage.get(&key).await.expect("get") == data,
        "bytes differ"
    );
    alice.storage.delete(&key).await.expect("cleanup");
    proxy("reset", "{}").await;
}
