//! The checks in order, each fed by what the ones before it found. HTTP goes through a [`Web`]
//! (the page's fetch in the browser); STS and S3 through the same clients the app uses, built
//! fresh so that STS is really asked.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_smithy_async::time::SharedTimeSource;

use super::diagnose::{self, CorsProbe, HeadProbe, Setup};
use super::{Check, Line};
use crate::auth::IdTokenJwt;
use crate::config::AppConfig;
use crate::config::source::Source;
use crate::credentials::{self, WebIdentityCredentials};
use crate::storage::{NewObject, Storage, keys};
use crate::text;

/// What one HTTP request from the page got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// An answer the page may read.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// No readable answer: a network error, or CORS kept the answer from the page (the
    /// browser does not say which; [`Web::answers`] tells them apart).
    Blocked(String),
}

/// HTTP as the page sees it.
// The page is single-threaded: these futures are polled where they are made, no `Send` needed.
#[allow(async_fn_in_trait)]
pub trait Web {
    /// A request with CORS, as the app's own requests are made.
    async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply;

    /// Whether anything answers at `url` when the answer need not be readable (a `no-cors`
    /// GET): a blocked [`Web::send`] to a URL that answers here was blocked by CORS.
    async fn answers(&self, url: &str) -> bool;
}

/// The signed-in user, for the checks that need an ID token.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn<'a> {
    pub token: &'a IdTokenJwt,
    pub sub: &'a str,
}

/// Everything the checks need.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub config: &'a AppConfig,
    pub source: &'a Source,
    /// The page's origin.
    pub origin: &'a str,
    pub signed_in: Option<SignedIn<'a>>,
    /// The app's SDK configuration (HTTP client, clock, sleep, region).
    pub sdk: &'a aws_config::SdkConfig,
    pub clock: SharedTimeSource,
}

/// The object the last check writes, reads and deletes in the user's folder.
pub const PROBE_NAME: &str = ".pail-setup-check";

/// Header values for the CORS probes: well-formed enough for S3 to refuse the request as
/// unauthenticated (never to act on it), and named like the SDK's.
const SDK_HEADERS: [(&str, &str); 7] = [
    (
        "authorization",
        "AWS4-HMAC-SHA256 Credential=PAILSETUPCHECK/20000101/us-east-1/s3/aws4_request, \
         SignedHeaders=host, Signature=0",
    ),
    ("x-amz-date", "20000101T000000Z"),
    ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
    ("x-amz-security-token", "pail-setup-check"),
    ("amz-sdk-invocation-id", "pail-setup-check"),
    ("amz-sdk-request", "attempt=1; max=3"),
    ("x-amz-user-agent", "pail-setup-check"),
];

/// Runs every check in [`Check::ALL`] order and hands each line to `emit` as soon as it is
/// known.
pub async fn run(inputs: &Inputs<'_>, web: &impl Web, mut emit: impl FnMut(Line)) {
    let setup = Setup {
        config: inputs.config,
        source: inputs.source,
        origin: inputs.origin,
    };
    emit(Line::pass(
        Check::Settings,
        text::settings_read(&inputs.source.describe()),
    ));

    // --- the provider ---------------------------------------------------------------------
    let issuer = inputs.config.oidc.issuer.as_str();
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let reply = web.send("GET", &url, &[], None).await;
    let answers = blocked_but_answers(web, &reply, &url).await;
    let (line, discovered) = diagnose::discovery(&setup, &url, &reply, answers);
    emit(line);
    match &discovered {
        Some(found) => {
            let reply = web.send("GET", &found.jwks_uri, &[], None).await;
            let answers = blocked_but_answers(web, &reply, &found.jwks_uri).await;
            emit(diagnose::jwks(&found.jwks_uri, &reply, answers));
            let reply = token_probe(inputs, web, &found.token_endpoint).await;
            let answers = blocked_but_answers(web, &reply, &found.token_endpoint).await;
            emit(diagnose::token_endpoint(
                &setup,
                &found.token_endpoint,
                &reply,
                answers,
            ));
        }
        None => {
            let why = text::NEEDS_DISCOVERY;
            emit(Line::skipped(Check::Jwks, why));
            emit(Line::skipped(Check::TokenEndpoint, why));
        }
    }
    let token_alg = inputs.signed_in.and_then(|s| token_algorithm(s.token));
    let offered = discovered
        .as_ref()
        .map(|d| d.algorithms.clone())
        .unwrap_or_default();
    emit(diagnose::signing_algorithm(token_alg.as_deref(), &offered));

    // --- STS ---------------------------------------------------------------------------------
    let signed_in = inputs.signed_in;
    let mut creds = None;
    match signed_in {
        Some(user) => {
            let sts = credentials::sts_client(inputs.sdk, &inputs.config.aws);
            let fresh = WebIdentityCredentials::new(sts, &inputs.config.aws, inputs.clock.clone());
            fresh.set_token(user.token.clone(), user.sub);
            let outcome = fresh.credentials().await.map(|c| {
                c.expiry()
                    .and_then(|e| e.duration_since(inputs.clock.now()).ok())
                    .unwrap_or(Duration::ZERO)
            });
            let answers = match &outcome {
                Err(credentials::CredentialsError::Unreachable { .. }) => {
                    web.answers(&setup.sts_url()).await
                }
                _ => true,
            };
            let aud = Some(inputs.config.oidc.client_id.as_str());
            // Credentials for an id that nests in another user's folder: the trust policy
            // lacks its guard, whatever else is right.
            emit(match (&outcome, keys::check_subject(user.sub)) {
                (Ok(_), Err(keys::KeyError::UnsafeSubject(sub))) => {
                    diagnose::nesting_subject(&setup, &sub)
                }
                _ => diagnose::sts(&setup, &outcome, aud, answers),
            });
            if outcome.is_ok() {
                creds = Some(fresh);
            }
        }
        None => emit(Line::skipped(Check::Sts, text::SIGN_IN_TO_RUN)),
    }

    // --- S3 ----------------------------------------------------------------------------------
    let bucket_url = setup.bucket_url();
    let bucket_answers = web.answers(&bucket_url).await;
    emit(diagnose::endpoint(&setup, bucket_answers));
    let (probes, plain_get) = if bucket_answers {
        cors_probes(inputs, web, &bucket_url).await
    } else {
        (Vec::new(), false)
    };
    emit(diagnose::bucket_cors(
        &setup,
        &probes,
        plain_get,
        bucket_answers,
    ));

    let (Some(user), Some(creds)) = (signed_in, creds) else {
        let why = if signed_in.is_some() {
            text::NEEDS_CREDENTIALS
        } else {
            text::SIGN_IN_TO_RUN
        };
        emit(Line::skipped(Check::List, why));
        emit(Line::skipped(Check::ExposedHeaders, why));
        return;
    };
    let home = match keys::home_prefix(&inputs.config.s3.prefix_template, user.sub) {
        Ok(home) => home,
        Err(e) => {
            let why = text::no_home_folder(&e.to_string());
            emit(Line::skipped(Check::List, why.clone()));
            emit(Line::skipped(Check::ExposedHeaders, why));
            return;
        }
    };
    let storage = Storage::connect(
        inputs.sdk,
        &inputs.config.s3,
        &inputs.config.aws.region,
        home.clone(),
        creds,
    );
    let listed = storage
        .list(&home, None)
        .await
        .map(|l| l.folders.len() + l.objects.len());
    emit(diagnose::list(&setup, &home, &listed, bucket_answers));
    let probe = head_probe(inputs, &storage, &home).await;
    emit(diagnose::exposed_headers(&setup, &probe, bucket_answers));
}

/// For a blocked reply, whether the URL answers at all (so CORS blocked it); `true` otherwise.
async fn blocked_but_answers(web: &impl Web, reply: &Reply, url: &str) -> bool {
    match reply {
        Reply::Blocked(_) => web.answers(url).await,
        Reply::Answer { .. } => true,
    }
}

/// The token request sign-in makes (a form POST with the client id and a PKCE verifier), with
/// a code that cannot be valid.
async fn token_probe(inputs: &Inputs<'_>, web: &impl Web, url: &str) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", "pail-setup-check-not-a-real-code")
        .append_pair("client_id", inputs.config.oidc.client_id.as_str())
        .append_pair("redirect_uri", inputs.config.oidc.redirect_uri.as_str())
        .append_pair(
            "code_verifier",
            "pail-setup-check-verifier-0000000000000000000000000",
        )
        .finish();
    web.send(
        "POST",
        url,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/json"),
        ],
        Some(body.as_bytes()),
    )
    .await
}

/// The ID token's `alg`, from its header.
fn token_algorithm(token: &IdTokenJwt) -> Option<String> {
    let header = token.secret().split('.').next()?;
    let bytes = aws_smithy_types::base64::decode(base64url_to_standard(header)).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    json.get("alg")?.as_str().map(str::to_owned)
}

fn base64url_to_standard(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// One unsigned request per method the app uses, with the headers the SDK sends for it; then
/// a GET without extra headers, which needs no preflight.
async fn cors_probes(
    inputs: &Inputs<'_>,
    web: &impl Web,
    bucket_url: &str,
) -> (Vec<CorsProbe>, bool) {
    let url = format!("{bucket_url}{}", PROBE_NAME.trim_start_matches('.'));
    let metadata: Vec<String> = inputs
        .config
        .s3
        .metadata_keys
        .iter()
        .map(|k| format!("x-amz-meta-{k}"))
        .collect();
    let mut probes = Vec::new();
    for method in ["GET", "PUT", "HEAD", "DELETE", "POST"] {
        let mut headers: Vec<(&str, &str)> = SDK_HEADERS.to_vec();
        if matches!(method, "PUT" | "POST") {
            headers.push(("content-type", "application/octet-stream"));
            headers.extend(metadata.iter().map(|m| (m.as_str(), "pail-setup-check")));
        }
        if method == "PUT" {
            headers.push(("x-amz-checksum-crc32", "AAAAAA=="));
            headers.push(("x-amz-sdk-checksum-algorithm", "CRC32"));
        }
        let reply = web.send(method, &url, &headers, None).await;
        probes.push(CorsProbe {
            method,
            readable: matches!(reply, Reply::Answer { .. }),
        });
    }
    let plain = web.send("GET", &url, &[], None).await;
    (probes, matches!(plain, Reply::Answer { .. }))
}

/// Writes the probe object with every metadata key in use, reads it back, deletes it.
async fn head_probe(inputs: &Inputs<'_>, storage: &Storage, home: &str) -> HeadProbe {
    let key = format!("{home}{PROBE_NAME}");
    let metadata: BTreeMap<String, String> = inputs
        .config
        .s3
        .metadata_keys
        .iter()
        .map(|k| (k.clone(), "pail-setup-check".to_owned()))
        .collect();
    let put = storage
        .put(NewObject {
            key: key.clone(),
            body: text::doctor_probe_body(now(inputs)).into_bytes(),
            content_type: Some("text/plain".into()),
            metadata,
        })
        .await
        .map(drop);
    if put.is_err() {
        return HeadProbe {
            key,
            put,
            head: None,
            delete: None,
        };
    }
    let head = storage.head(&key).await;
    let delete = storage.delete(&key).await;
    HeadProbe {
        key,
        put,
        head: Some(head),
        delete: Some(delete),
    }
}

fn now(inputs: &Inputs<'_>) -> u64 {
    inputs
        .clock
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_algorithm_comes_from_the_token_header() {
        // {"alg":"RS256","kid":"k1"} . {} . sig
        let jwt = IdTokenJwt::new("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln".into());
        assert_eq!(token_algorithm(&jwt).as_deref(), Some("RS256"));
        // {"alg":"HS256"} has base64url padding removed
        let jwt = IdTokenJwt::new("eyJhbGciOiJIUzI1NiJ9.e30.c2ln".into());
        assert_eq!(token_algorithm(&jwt).as_deref(), Some("HS256"));
        assert_eq!(token_algorithm(&IdTokenJwt::new("garbage".into())), None);
    }
}
