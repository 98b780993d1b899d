//! What each answer means: from the raw outcome of one check (an HTTP reply, an STS or S3
//! error) to its line — what was found and, for a failure, what to change where. The
//! sentences themselves are in `crate::text`; this module picks one and fills in the values.
//! The documents and commands a fix offers to paste are not prose and stay here and in
//! [`documents`].
//!
//! Plain functions, tested on the host with the answers the local stack and real providers
//! give. Fixes name settings the way their source spells them (`s3_bucket` in config.json,
//! `PAIL_S3_BUCKET` in `.env`).

use std::time::Duration;

use serde_json::Value;

use super::documents::{self, Values};
use super::{Check, Line, Reply};
use crate::config::AppConfig;
use crate::config::source::Source;
use crate::credentials::CredentialsError;
use crate::storage::{ObjectMetadata, StorageError};
use crate::text;

/// The algorithms STS accepts for ID token signatures (STS API reference,
/// AssumeRoleWithWebIdentity, `WebIdentityToken`).
pub const STS_ALGORITHMS: [&str; 6] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

/// The deployment being checked.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    pub config: &'a AppConfig,
    pub source: &'a Source,
    /// The page's origin, which CORS rules must allow.
    pub origin: &'a str,
}

impl Setup<'_> {
    /// A setting's name as its source spells it.
    fn name(&self, key: &'static str) -> &'static str {
        self.source.name_of_key(key)
    }

    fn values(&self) -> Values {
        Values::new(self.config, self.origin)
    }

    fn issuer(&self) -> &str {
        self.config.oidc.issuer.as_str()
    }

    fn provider_arn(&self) -> String {
        let v = self.values();
        format!(
            "arn:aws:iam::{}:oidc-provider/{}",
            v.account_id, v.issuer_host
        )
    }

    /// Where STS is: the custom endpoint, else AWS's regional one.
    pub fn sts_url(&self) -> String {
        self.config.aws.sts_url()
    }

    /// The bucket's base URL as the SDK addresses it, ending in `/`.
    pub fn bucket_url(&self) -> String {
        self.config.bucket_url()
    }
}

/// What the discovery document says, for the checks after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Discovered {
    pub token_endpoint: String,
    pub jwks_uri: String,
    /// `id_token_signing_alg_values_supported`.
    pub algorithms: Vec<String>,
}

/// The discovery document at `<issuer>/.well-known/openid-configuration`. `answers`: whether
/// the URL answers without CORS (asked only when the reply was blocked).
pub fn discovery(
    setup: &Setup<'_>,
    url: &str,
    reply: &Reply,
    answers: bool,
) -> (Line, Option<Discovered>) {
    const C: Check = Check::Discovery;
    let issuer_name = setup.name("PAIL_OIDC_ISSUER");
    let body = match reply {
        Reply::Blocked(detail) if answers => {
            return (
                Line::fail(
                    C,
                    text::doctor_discovery_cors(url, detail),
                    text::doctor_discovery_cors_fix(issuer_name),
                ),
                None,
            );
        }
        Reply::Blocked(detail) => {
            return (
                Line::fail(
                    C,
                    text::doctor_nothing_answers(url, detail),
                    text::doctor_discovery_unreachable_fix(issuer_name, setup.issuer()),
                ),
                None,
            );
        }
        Reply::Answer { status, body, .. } if (200..300).contains(status) => body,
        Reply::Answer { status, .. } => {
            return (
                Line::fail(
                    C,
                    text::doctor_discovery_http(url, *status),
                    text::doctor_discovery_http_fix(issuer_name, setup.issuer()),
                ),
                None,
            );
        }
    };
    let Ok(doc) = serde_json::from_slice::<Value>(body) else {
        return (
            Line::fail(
                C,
                text::doctor_discovery_not_json(url),
                text::doctor_check_setting(issuer_name, setup.issuer()),
            ),
            None,
        );
    };
    let string = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
    let named = string("issuer").unwrap_or_default();
    if named != setup.issuer() {
        return (
            Line::fail(
                C,
                text::doctor_issuer_mismatch(&named, setup.issuer()),
                text::doctor_issuer_mismatch_fix(issuer_name, &named),
            ),
            None,
        );
    }
    let (Some(token_endpoint), Some(jwks_uri)) = (string("token_endpoint"), string("jwks_uri"))
    else {
        return (
            Line::fail(C, text::DOCTOR_NO_ENDPOINTS, text::DOCTOR_NO_ENDPOINTS_FIX),
            None,
        );
    };
    let list = |k: &str| -> Option<Vec<String>> {
        doc.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    let pkce = match list("code_challenge_methods_supported") {
        Some(methods) if !methods.iter().any(|m| m == "S256") => {
            return (
                Line::fail(C, text::doctor_no_s256(&methods), text::DOCTOR_NO_S256_FIX),
                None,
            );
        }
        Some(_) => text::DOCTOR_PKCE_SUPPORTED,
        None => text::DOCTOR_PKCE_NOT_LISTED,
    };
    let found = Discovered {
        token_endpoint,
        jwks_uri,
        algorithms: list("id_token_signing_alg_values_supported").unwrap_or_default(),
    };
    (
        Line::pass(C, text::doctor_discovery_found(&named, pkce)),
        Some(found),
    )
}

/// The provider's keys at `jwks_uri`.
pub fn jwks(url: &str, reply: &Reply, answers: bool) -> Line {
    const C: Check = Check::Jwks;
    let body = match reply {
        Reply::Answer { status, body, .. } if (200..300).contains(status) => body,
        Reply::Answer { status, .. } => {
            return Line::fail(
                C,
                text::doctor_answered_http(url, *status),
                text::DOCTOR_JWKS_MISSING_FIX,
            );
        }
        Reply::Blocked(detail) => {
            return Line::fail(
                C,
                if answers {
                    text::doctor_unreadable(url, detail)
                } else {
                    text::doctor_nothing_answers(url, detail)
                },
                text::DOCTOR_JWKS_UNREADABLE_FIX,
            );
        }
    };
    let keys: Vec<Value> = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("keys").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    if keys.is_empty() {
        return Line::fail(C, text::doctor_no_keys(url), text::DOCTOR_NO_KEYS_FIX);
    }
    let mut kinds: Vec<String> = keys
        .iter()
        .map(|k| {
            let field = |f: &str| k.get(f).and_then(Value::as_str);
            field("alg").or(field("kty")).unwrap_or("?").to_owned()
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    Line::pass(
        C,
        text::doctor_keys_found(keys.len(), &kinds.join(", "), url),
    )
}

/// The token endpoint, asked from this page the way sign-in asks it (a form POST), with a
/// made-up code: an OAuth error the page can read means the endpoint allows this origin.
pub fn token_endpoint(setup: &Setup<'_>, url: &str, reply: &Reply, answers: bool) -> Line {
    const C: Check = Check::TokenEndpoint;
    let client = setup.config.oidc.client_id.as_str();
    let client_name = setup.name("PAIL_OIDC_CLIENT_ID");
    let (status, body) = match reply {
        Reply::Blocked(detail) if answers => {
            return Line::fail(
                C,
                text::doctor_token_cors(url, setup.origin, detail),
                text::doctor_token_cors_fix(setup.origin, client),
            );
        }
        Reply::Blocked(detail) => {
            return Line::fail(
                C,
                text::doctor_nothing_answers(url, detail),
                text::DOCTOR_TOKEN_UNREACHABLE_FIX,
            );
        }
        Reply::Answer { status, body, .. } => (*status, body),
    };
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = json
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let description = json
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let said = if description.is_empty() {
        error.to_owned()
    } else {
        format!("{error}: {description}")
    };
    if description.to_ascii_lowercase().contains("secret") {
        return Line::fail(
            C,
            text::doctor_wants_secret(&said),
            text::doctor_wants_secret_fix(client),
        );
    }
    match error {
        "invalid_grant" => Line::pass(C, text::doctor_token_refused_code(url, error)),
        "invalid_client" | "unauthorized_client" => Line::fail(
            C,
            text::doctor_not_public_client(client, &said),
            text::doctor_not_public_client_fix(client_name),
        ),
        "" => Line::fail(
            C,
            text::doctor_token_no_oauth_error(url, status),
            text::DOCTOR_NOT_A_TOKEN_ENDPOINT_FIX,
        ),
        _ => Line::pass(C, text::doctor_token_answers(url, &said)),
    }
}

/// The ID token's `alg` (when signed in) against what STS accepts; without a token, what the
/// provider says it can sign with.
pub fn signing_algorithm(token_alg: Option<&str>, provider_algs: &[String]) -> Line {
    const C: Check = Check::SigningAlgorithm;
    let accepted = |a: &str| STS_ALGORITHMS.contains(&a);
    let fix = text::DOCTOR_ALGORITHM_FIX;
    let sts_accepts = STS_ALGORITHMS.join(", ");
    match token_alg {
        Some(alg) if accepted(alg) => Line::pass(C, text::doctor_token_algorithm(alg)),
        Some(alg) => Line::fail(
            C,
            text::doctor_token_algorithm_refused(alg, &sts_accepts),
            fix,
        ),
        None if !provider_algs.is_empty() && !provider_algs.iter().any(|a| accepted(a)) => {
            Line::fail(
                C,
                text::doctor_provider_algorithms_refused(&provider_algs.join(", "), &sts_accepts),
                fix,
            )
        }
        None => Line::skipped(
            C,
            if provider_algs.is_empty() {
                text::DOCTOR_SIGN_IN_FOR_ALGORITHM.to_owned()
            } else {
                text::doctor_sign_in_for_algorithm(&provider_algs.join(", "))
            },
        ),
    }
}

/// `AssumeRoleWithWebIdentity` with the user's token: `Ok` holds how long the credentials are
/// valid. `answers`: whether the STS endpoint answers without CORS (asked when unreachable).
pub fn sts(
    setup: &Setup<'_>,
    outcome: &Result<Duration, CredentialsError>,
    aud: Option<&str>,
    answers: bool,
) -> Line {
    const C: Check = Check::Sts;
    let role = &setup.config.aws.role_arn;
    let role_name = setup.name("PAIL_ROLE_ARN");
    let values = setup.values();
    let client = setup.config.oidc.client_id.as_str();
    let aud = aud.unwrap_or(client);
    let error = match outcome {
        Ok(valid) => {
            return Line::pass(
                C,
                text::doctor_sts_credentials(role, valid.as_secs().div_ceil(60)),
            );
        }
        Err(e) => e,
    };
    use CredentialsError as E;
    match error {
        E::InvalidIdentityToken(m) if m.to_ascii_lowercase().contains("audience") => Line::fail(
            C,
            text::doctor_sts_audience(aud, m),
            text::doctor_sts_audience_fix(
                aud,
                &values.issuer_host,
                setup.name("PAIL_OIDC_CLIENT_ID"),
            ),
        )
        .with_snippet(format!(
            "aws iam add-client-id-to-open-id-connect-provider \\\n  \
             --open-id-connect-provider-arn {} \\\n  --client-id {aud}",
            setup.provider_arn()
        )),
        E::InvalidIdentityToken(m) if m.contains("No OpenIDConnect provider") => Line::fail(
            C,
            text::doctor_no_iam_provider(setup.issuer(), m),
            text::DOCTOR_NO_IAM_PROVIDER_FIX,
        )
        .with_snippet(format!(
            "aws iam create-open-id-connect-provider \\\n  --url {} \\\n  --client-id-list {client}",
            setup.issuer()
        )),
        E::InvalidIdentityToken(m) => Line::fail(
            C,
            text::doctor_sts_token_refused(m),
            text::doctor_sts_token_refused_fix(&values.issuer_host, setup.issuer(), aud),
        ),
        E::TrustPolicyDenied(m) => Line::fail(
            C,
            text::doctor_trust_denied(role, m),
            text::doctor_trust_denied_fix(setup.issuer(), client, role_name),
        )
        .with_snippet(documents::trust_policy(&values)),
        E::IdpUnreachable(m) => Line::fail(
            C,
            text::doctor_idp_unreachable(m),
            text::doctor_idp_unreachable_fix(setup.issuer()),
        ),
        E::IdTokenExpired => Line::fail(
            C,
            text::DOCTOR_ID_TOKEN_EXPIRED,
            text::DOCTOR_SIGN_IN_AND_RERUN,
        ),
        E::Invalid(m) if m.contains("Duration") => Line::fail(
            C,
            text::doctor_session_length(m),
            text::doctor_session_length_fix(
                setup.name("PAIL_SESSION_DURATION_SECONDS"),
                setup.config.aws.session_duration.as_secs(),
            ),
        ),
        E::Invalid(m) => Line::fail(
            C,
            text::doctor_sts_invalid(m),
            text::doctor_check_setting(role_name, role),
        ),
        E::Unreachable { endpoint, detail } => Line::fail(
            C,
            if answers {
                text::doctor_sts_unreadable(endpoint, detail)
            } else {
                text::doctor_nothing_answers(endpoint, detail)
            },
            text::doctor_sts_endpoint_fix(setup.name("PAIL_STS_ENDPOINT")),
        ),
        E::Unavailable { code } => Line::fail(
            C,
            text::doctor_sts_unavailable(code),
            text::DOCTOR_STS_UNAVAILABLE_FIX,
        ),
        E::Other(m) => Line::fail(
            C,
            text::doctor_sts_other(m),
            text::doctor_check_both(role_name, setup.name("PAIL_STS_ENDPOINT")),
        ),
        E::SignedOut => Line::skipped(C, text::SIGN_IN_TO_RUN),
    }
}

/// STS gave credentials for a user id that would nest inside another user's folder (it
/// contains `/`): the trust policy lacks the condition that refuses such ids, and the
/// permission policy's `${<issuer>:sub}` would let this id into another user's prefix.
pub fn nesting_subject(setup: &Setup<'_>, sub: &str) -> Line {
    let values = setup.values();
    Line::fail(
        Check::Sts,
        text::doctor_sts_nesting_subject(&setup.config.aws.role_arn, sub),
        text::doctor_sts_nesting_subject_fix(&values.issuer_host),
    )
    .with_snippet(documents::trust_policy(&values))
}

/// The S3 endpoint and addressing style: what can be told from the settings, then whether
/// anything answers at the bucket's URL.
pub fn endpoint(setup: &Setup<'_>, answers: bool) -> Line {
    const C: Check = Check::Endpoint;
    let s3 = &setup.config.s3;
    let url = setup.bucket_url();
    let path_style = setup.name("PAIL_S3_FORCE_PATH_STYLE");
    let style = if s3.force_path_style {
        text::DOCTOR_PATH_STYLE
    } else {
        text::DOCTOR_VIRTUAL_HOSTED
    };
    if !s3.force_path_style {
        if let Some(host) = s3
            .endpoint
            .as_ref()
            .and_then(|e| e.host_str().map(str::to_owned))
        {
            let ip = host.parse::<std::net::IpAddr>().is_ok()
                || host.starts_with('[')
                || host == "localhost";
            if ip {
                return Line::fail(
                    C,
                    text::doctor_virtual_hosted_ip(&url, &host),
                    text::doctor_path_style_fix(path_style),
                );
            }
        }
        if s3.endpoint.is_none() && s3.bucket.contains('.') {
            return Line::fail(
                C,
                text::doctor_bucket_dots(&url, &setup.config.aws.region),
                text::doctor_bucket_dots_fix(path_style),
            );
        }
    }
    if !answers {
        return Line::fail(
            C,
            text::doctor_nothing_answers(&url, style),
            text::doctor_endpoint_fix(
                setup.name("PAIL_S3_ENDPOINT"),
                setup.name("PAIL_AWS_REGION"),
                path_style,
            ),
        );
    }
    Line::pass(C, text::doctor_bucket_answers(&url, style))
}

/// One CORS probe: an unsigned request with the headers the AWS SDK sends for `method`,
/// which the browser preflights; `readable` says whether the page could read the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsProbe {
    pub method: &'static str,
    pub readable: bool,
}

/// The bucket's CORS rules for this origin, from the probes. `plain_get_readable`: whether a
/// GET without extra headers (no preflight) was readable, which tells a refused origin from
/// refused headers. `answers`: whether the bucket answers at all without CORS.
pub fn bucket_cors(
    setup: &Setup<'_>,
    probes: &[CorsProbe],
    plain_get_readable: bool,
    answers: bool,
) -> Line {
    const C: Check = Check::BucketCors;
    let bucket = &setup.config.s3.bucket;
    if !answers {
        return Line::skipped(C, text::DOCTOR_BUCKET_SILENT);
    }
    let refused: Vec<&str> = probes
        .iter()
        .filter(|p| !p.readable)
        .map(|p| p.method)
        .collect();
    if refused.is_empty() {
        let methods: Vec<&str> = probes.iter().map(|p| p.method).collect();
        return Line::pass(
            C,
            text::doctor_cors_allows(bucket, setup.origin, &methods.join(", ")),
        );
    }
    let finding = if refused.len() == probes.len() && !plain_get_readable {
        text::doctor_cors_refuses_origin(bucket, setup.origin)
    } else if refused.len() == probes.len() {
        text::doctor_cors_refuses_headers(bucket, setup.origin)
    } else {
        text::doctor_cors_refuses_methods(bucket, &refused.join(", "), setup.origin)
    };
    Line::fail(C, finding, text::doctor_cors_fix(bucket))
        .with_snippet(documents::bucket_cors(&setup.values()))
}

/// ListObjectsV2 of the user's home: `Ok` holds the number of entries. `bucket_answers`:
/// whether the bucket's URL answers without CORS.
pub fn list(
    setup: &Setup<'_>,
    home: &str,
    outcome: &Result<usize, StorageError>,
    bucket_answers: bool,
) -> Line {
    const C: Check = Check::List;
    let bucket = &setup.config.s3.bucket;
    let error = match outcome {
        Ok(n) => {
            return Line::pass(C, text::doctor_entries(*n, home, bucket));
        }
        Err(e) => e,
    };
    storage_failure(
        setup,
        C,
        &text::doctor_listing(home),
        error,
        bucket_answers,
        || {
            Line::fail(
                C,
                text::doctor_may_not_list(&setup.config.aws.role_arn, home, bucket),
                text::DOCTOR_LIST_POLICY_FIX,
            )
            .with_snippet(documents::permission_policy(&setup.values()))
        },
    )
}

/// A failed S3 request, explained; `denied` makes the line for AccessDenied.
fn storage_failure(
    setup: &Setup<'_>,
    check: Check,
    what: &str,
    error: &StorageError,
    bucket_answers: bool,
    denied: impl FnOnce() -> Line,
) -> Line {
    let bucket = &setup.config.s3.bucket;
    let region = setup.name("PAIL_AWS_REGION");
    use StorageError as S;
    match error {
        S::AccessDenied { .. } => denied(),
        S::NoSuchBucket { .. } => Line::fail(
            check,
            text::doctor_no_bucket(bucket),
            text::doctor_check_both(setup.name("PAIL_S3_BUCKET"), region),
        ),
        S::BadCredentials { code } if code == "InvalidAccessKeyId" || code == "InvalidToken" => {
            Line::fail(
                check,
                text::doctor_unknown_credentials(code),
                text::doctor_unknown_credentials_fix(
                    setup.name("PAIL_STS_ENDPOINT"),
                    setup.name("PAIL_S3_ENDPOINT"),
                ),
            )
        }
        S::BadCredentials { code } => Line::fail(
            check,
            text::doctor_bad_signature(code),
            text::doctor_region_fix(region, &setup.config.aws.region),
        ),
        S::ExpiredToken => Line::fail(
            check,
            text::DOCTOR_SESSION_EXPIRED,
            text::DOCTOR_SIGN_IN_AND_RERUN,
        ),
        S::ClockSkew => Line::fail(check, text::DOCTOR_CLOCK_SKEW, text::DOCTOR_CLOCK_SKEW_FIX),
        S::Unreachable { endpoint, detail } if bucket_answers => Line::fail(
            check,
            text::doctor_s3_unreadable(what, endpoint, detail),
            text::DOCTOR_SEE_BUCKET_CORS,
        ),
        S::Unreachable { endpoint, detail } => Line::fail(
            check,
            text::doctor_s3_unreachable(what, endpoint, detail),
            text::DOCTOR_SEE_ENDPOINT,
        ),
        S::Other {
            status,
            code,
            message,
        } if code == "PermanentRedirect"
            || code == "AuthorizationHeaderMalformed"
            || *status == 301 =>
        {
            Line::fail(
                check,
                text::doctor_bucket_elsewhere(code, message),
                text::doctor_bucket_elsewhere_fix(region, setup.name("PAIL_S3_FORCE_PATH_STYLE")),
            )
        }
        S::Credentials(c) => Line::fail(
            check,
            text::doctor_s3_no_credentials(what, &c.to_string()),
            text::DOCTOR_SEE_STS,
        ),
        other => Line::fail(
            check,
            text::doctor_s3_failed(what, &other.to_string()),
            text::doctor_check_both(setup.name("PAIL_S3_BUCKET"), region),
        ),
    }
}

/// The probe object: written with every metadata key in use, read back with HeadObject (what
/// the browser may read of its answer), deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadProbe {
    pub key: String,
    pub put: Result<(), StorageError>,
    /// `None` when the put failed.
    pub head: Option<Result<ObjectMetadata, StorageError>>,
    pub delete: Option<Result<(), StorageError>>,
}

/// Whether the browser can read `ETag` and each metadata key in use from S3's answers.
pub fn exposed_headers(setup: &Setup<'_>, probe: &HeadProbe, bucket_answers: bool) -> Line {
    const C: Check = Check::ExposedHeaders;
    let key = &probe.key;
    let policy_line = |action: &str| {
        Line::fail(
            C,
            text::doctor_may_not(&setup.config.aws.role_arn, action, key),
            text::DOCTOR_OBJECT_POLICY_FIX,
        )
        .with_snippet(documents::permission_policy(&setup.values()))
    };
    if let Err(e) = &probe.put {
        return storage_failure(
            setup,
            C,
            &text::doctor_writing(key),
            e,
            bucket_answers,
            || policy_line(text::DOCTOR_WRITE),
        );
    }
    let Some(head) = &probe.head else {
        return Line::skipped(C, text::DOCTOR_NOT_WRITTEN);
    };
    let meta = match head {
        Ok(meta) => meta,
        Err(e) => {
            return storage_failure(
                setup,
                C,
                &text::doctor_reading(key),
                e,
                bucket_answers,
                || policy_line(text::DOCTOR_READ),
            );
        }
    };
    let mut hidden: Vec<String> = Vec::new();
    if meta.etag.is_none() {
        hidden.push("ETag".into());
    }
    for k in &setup.config.s3.metadata_keys {
        if !meta.user.contains_key(k) {
            hidden.push(format!("x-amz-meta-{k}"));
        }
    }
    if !hidden.is_empty() {
        return Line::fail(
            C,
            text::doctor_headers_hidden(&hidden),
            text::doctor_headers_hidden_fix(&setup.config.s3.bucket),
        )
        .with_snippet(documents::bucket_cors(&setup.values()));
    }
    if let Some(Err(e)) = &probe.delete {
        return storage_failure(
            setup,
            C,
            &text::doctor_deleting(key),
            e,
            bucket_answers,
            || policy_line(text::DOCTOR_DELETE),
        );
    }
    let exposed: Vec<String> = std::iter::once("ETag".to_owned())
        .chain(
            setup
                .config
                .s3
                .metadata_keys
                .iter()
                .map(|k| format!("x-amz-meta-{k}")),
        )
        .collect();
    Line::pass(C, text::doctor_headers_readable(&exposed.join(", ")))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::AppConfig;
    use crate::doctor::Status;

    fn config(overrides: &[(&str, &str)]) -> AppConfig {
        let base = [
            ("PAIL_OIDC_ISSUER", "http://127.0.0.1:9090"),
            ("PAIL_OIDC_CLIENT_ID", "pail-local"),
            ("PAIL_AWS_REGION", "us-east-1"),
            (
                "PAIL_ROLE_ARN",
                "arn:aws:iam::123456789012:role/pail-web-user",
            ),
            ("PAIL_S3_BUCKET", "pail-demo"),
            ("PAIL_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("PAIL_STS_ENDPOINT", "http://127.0.0.1:9001"),
            ("PAIL_S3_FORCE_PATH_STYLE", "true"),
        ];
        let lookup = |key: &str| {
            overrides
                .iter()
                .chain(base.iter())
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        };
        AppConfig::from_lookup(lookup, "http://127.0.0.1:8080").expect("valid")
    }

    static JSON: Source = Source::ConfigJson { url: String::new() };

    fn setup(config: &AppConfig) -> Setup<'_> {
        Setup {
            config,
            source: &JSON,
            origin: "http://127.0.0.1:8080",
        }
    }

    fn answer(status: u16, body: &str) -> Reply {
        Reply::Answer {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn blocked() -> Reply {
        Reply::Blocked("TypeError: Failed to fetch".into())
    }

    const DISCOVERY: &str = r#"{"issuer":"http://127.0.0.1:9090","token_endpoint":"http://127.0.0.1:9090/token",
        "jwks_uri":"http://127.0.0.1:9090/jwks","code_challenge_methods_supported":["S256"],
        "id_token_signing_alg_values_supported":["RS256","HS256"]}"#;

    #[test]
    fn discovery_passes_and_hands_on_the_endpoints() {
        let cfg = config(&[]);
        let (line, found) = discovery(&setup(&cfg), "u", &answer(200, DISCOVERY), true);
        assert_eq!(line.status, Status::Pass, "{line:?}");
        let found = found.expect("found");
        assert_eq!(found.token_endpoint, "http://127.0.0.1:9090/token");
        assert_eq!(found.algorithms, ["RS256", "HS256"]);
    }

    #[test]
    fn an_unreachable_issuer_names_the_setting() {
        let cfg = config(&[("PAIL_OIDC_ISSUER", "http://127.0.0.1:1")]);
        let (line, found) = discovery(
            &setup(&cfg),
            "http://127.0.0.1:1/.well-known/openid-configuration",
            &blocked(),
            false,
        );
        assert!(found.is_none());
        assert_eq!(line.status, Status::Fail);
        assert!(
            line.finding
                .starts_with("Nothing answers at http://127.0.0.1:1/"),
            "{line:?}"
        );
        let fix = line.fix.expect("fix");
        assert!(
            fix.contains("oidc_issuer (now http://127.0.0.1:1)"),
            "{fix}"
        );
    }

    #[test]
    fn an_issuer_mismatch_says_what_to_write() {
        let cfg = config(&[("PAIL_OIDC_ISSUER", "http://127.0.0.1:9090/")]);
        let (line, _) = discovery(&setup(&cfg), "u", &answer(200, DISCOVERY), true);
        assert_eq!(
            line.fix.as_deref(),
            Some("Set oidc_issuer to exactly \"http://127.0.0.1:9090\" (a trailing slash counts).")
        );
        let (line, _) = discovery(&setup(&cfg), "u", &answer(404, "not found"), true);
        assert!(line.finding.contains("HTTP 404"), "{line:?}");
    }

    #[test]
    fn token_endpoint_answers() {
        let cfg = config(&[]);
        let s = setup(&cfg);
        let ok = token_endpoint(
            &s,
            "t",
            &answer(
                400,
                r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
            ),
            true,
        );
        assert_eq!(ok.status, Status::Pass, "{ok:?}");
        let cors = token_endpoint(&s, "t", &blocked(), true);
        assert_eq!(cors.status, Status::Fail);
        assert!(cors.finding.contains("(CORS)"), "{cors:?}");
        assert!(
            cors.fix
                .unwrap_or_default()
                .contains("allow the origin http://127.0.0.1:8080 for client pail-local")
        );
        let google = token_endpoint(
            &s,
            "t",
            &answer(
                400,
                r#"{"error":"invalid_request","error_description":"client_secret is missing."}"#,
            ),
            true,
        );
        assert!(google.finding.contains("client secret"), "{google:?}");
        let confidential =
            token_endpoint(&s, "t", &answer(401, r#"{"error":"invalid_client"}"#), true);
        let fix = confidential.fix.unwrap_or_default();
        assert!(fix.contains("public"), "{fix}");
    }

    #[test]
    fn algorithms() {
        assert_eq!(signing_algorithm(Some("RS256"), &[]).status, Status::Pass);
        let hs = signing_algorithm(Some("HS256"), &[]);
        assert_eq!(hs.status, Status::Fail);
        assert!(hs.finding.contains("HS256") && hs.fix.unwrap_or_default().contains("RS256"));
        assert_eq!(
            signing_algorithm(None, &["RS256".into()]).status,
            Status::Skipped
        );
        assert_eq!(
            signing_algorithm(None, &["HS256".into()]).status,
            Status::Fail
        );
    }

    #[test]
    fn sts_refusals_name_the_fix() {
        let cfg = config(&[]);
        let s = setup(&cfg);
        let aud = sts(
            &s,
            &Err(CredentialsError::InvalidIdentityToken(
                "Incorrect token audience".into(),
            )),
            Some("pail-unlisted"),
            true,
        );
        assert!(
            aud.finding.contains("audience \"pail-unlisted\""),
            "{aud:?}"
        );
        let snippet = aud.snippet.expect("command");
        assert!(snippet.contains("add-client-id-to-open-id-connect-provider"));
        assert!(snippet.contains("arn:aws:iam::123456789012:oidc-provider/127.0.0.1:9090"));
        assert!(snippet.contains("--client-id pail-unlisted"));

        let trust = sts(
            &s,
            &Err(CredentialsError::TrustPolicyDenied(
                "Not authorized to perform sts:AssumeRoleWithWebIdentity".into(),
            )),
            None,
            true,
        );
        assert!(
            trust.finding.contains("does not trust this token"),
            "{trust:?}"
        );
        let policy: Value = serde_json::from_str(&trust.snippet.expect("policy")).expect("json");
        assert_eq!(
            policy["Statement"][0]["Condition"]["StringEquals"]["127.0.0.1:9090:aud"],
            "pail-local"
        );

        let down = sts(
            &s,
            &Err(CredentialsError::Unreachable {
                endpoint: "http://127.0.0.1:9001/".into(),
                detail: "x".into(),
            }),
            None,
            false,
        );
        assert!(down.finding.starts_with("Nothing answers"), "{down:?}");
        assert!(down.fix.unwrap_or_default().contains("sts_endpoint"));

        let ok = sts(&s, &Ok(Duration::from_secs(899)), None, true);
        assert_eq!(ok.status, Status::Pass);
        assert!(ok.finding.contains("valid for 15 min"), "{ok:?}");
    }

    #[test]
    fn credentials_for_a_nesting_subject_name_the_missing_condition() {
        let cfg = config(&[]);
        let line = nesting_subject(&setup(&cfg), "bob/evil");
        assert_eq!(line.status, Status::Fail);
        assert!(line.finding.contains("“bob/evil”"), "{line:?}");
        assert!(
            line.fix
                .as_deref()
                .unwrap_or_default()
                .contains("StringNotLike"),
            "{line:?}"
        );
        let policy: Value = serde_json::from_str(&line.snippet.expect("policy")).expect("json");
        assert_eq!(
            policy["Statement"][0]["Condition"]["StringNotLike"]["127.0.0.1:9090:sub"],
            "*/*"
        );
    }

    #[test]
    fn addressing_problems_are_caught_before_asking() {
        let cfg = config(&[("PAIL_S3_FORCE_PATH_STYLE", "false")]);
        let line = endpoint(&setup(&cfg), true);
        assert_eq!(line.status, Status::Fail);
        assert!(
            line.fix
                .unwrap_or_default()
                .contains("s3_force_path_style to true")
        );

        let aws = config(&[
            ("PAIL_S3_ENDPOINT", ""),
            ("PAIL_S3_FORCE_PATH_STYLE", ""),
            ("PAIL_S3_BUCKET", "files.example.com"),
        ]);
        assert_eq!(
            setup(&aws).bucket_url(),
            "https://files.example.com.s3.us-east-1.amazonaws.com/"
        );
        assert_eq!(endpoint(&setup(&aws), true).status, Status::Fail);

        let path = config(&[]);
        assert_eq!(
            setup(&path).bucket_url(),
            "http://127.0.0.1:9000/pail-demo/"
        );
        assert_eq!(endpoint(&setup(&path), true).status, Status::Pass);
        let down = endpoint(&setup(&path), false);
        assert!(
            down.finding
                .starts_with("Nothing answers at http://127.0.0.1:9000/pail-demo/")
        );
    }

    #[test]
    fn cors_refusals_come_with_the_rules() {
        let cfg = config(&[]);
        let s = setup(&cfg);
        let probe = |method, readable| CorsProbe { method, readable };
        let all = [probe("GET", true), probe("PUT", true)];
        assert_eq!(bucket_cors(&s, &all, true, true).status, Status::Pass);
        let none = [probe("GET", false), probe("PUT", false)];
        let line = bucket_cors(&s, &none, false, true);
        assert!(
            line.finding
                .contains("do not allow this site (http://127.0.0.1:8080) at all"),
            "{line:?}"
        );
        let rules: Value = serde_json::from_str(&line.snippet.expect("rules")).expect("json");
        assert_eq!(
            rules["CORSRules"][0]["AllowedOrigins"][0],
            "http://127.0.0.1:8080"
        );
        let headers = bucket_cors(&s, &none, true, true);
        assert!(headers.finding.contains("not the headers"), "{headers:?}");
        let some = [probe("GET", true), probe("PUT", false)];
        assert!(
            bucket_cors(&s, &some, true, true)
                .finding
                .contains("refuse PUT")
        );
        assert_eq!(bucket_cors(&s, &none, false, false).status, Status::Skipped);
    }

    #[test]
    fn a_denied_listing_shows_the_policy() {
        let cfg = config(&[]);
        let s = setup(&cfg);
        let line = list(
            &s,
            "users/alice/",
            &Err(StorageError::AccessDenied {
                target: "users/alice/".into(),
            }),
            true,
        );
        assert!(
            line.finding
                .contains("may not list users/alice/ in pail-demo"),
            "{line:?}"
        );
        assert!(line.snippet.expect("policy").contains("s3:ListBucket"));
        let cors = list(
            &s,
            "users/alice/",
            &Err(StorageError::Unreachable {
                endpoint: "e".into(),
                detail: "d".into(),
            }),
            true,
        );
        assert!(cors.finding.contains("CORS"), "{cors:?}");
        assert_eq!(list(&s, "users/alice/", &Ok(3), true).status, Status::Pass);
    }

    #[test]
    fn hidden_headers_are_named() {
        let cfg = config(&[("PAIL_METADATA_KEYS", "description,project")]);
        let s = setup(&cfg);
        let meta = |etag: Option<&str>, keys: &[&str]| ObjectMetadata {
            etag: etag.map(str::to_owned),
            user: keys
                .iter()
                .map(|k| ((*k).to_owned(), "v".to_owned()))
                .collect::<BTreeMap<_, _>>(),
            ..ObjectMetadata::default()
        };
        let probe = |head: ObjectMetadata| HeadProbe {
            key: "users/alice/.pail-setup-check".into(),
            put: Ok(()),
            head: Some(Ok(head)),
            delete: Some(Ok(())),
        };
        let line = exposed_headers(&s, &probe(meta(None, &["description"])), true);
        assert_eq!(line.status, Status::Fail);
        assert!(
            line.finding
                .contains("cannot read ETag, x-amz-meta-project"),
            "{line:?}"
        );
        assert!(
            line.snippet
                .expect("cors")
                .contains("\"x-amz-meta-project\"")
        );
        let ok = exposed_headers(
            &s,
            &probe(meta(Some("\"e\""), &["description", "project"])),
            true,
        );
        assert_eq!(ok.status, Status::Pass, "{ok:?}");
        let denied = HeadProbe {
            put: Err(StorageError::AccessDenied { target: "k".into() }),
            head: None,
            delete: None,
            ..probe(ObjectMetadata::default())
        };
        assert!(
            exposed_headers(&s, &denied, true)
                .finding
                .contains("may not write")
        );
    }
}
