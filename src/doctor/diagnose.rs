//! What each answer means: from the raw outcome of one check (an HTTP reply, an STS or S3
//! error) to its line — what was found and, for a failure, what to change where.
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
                    format!(
                        "{url} answered, but this site may not read the answer (CORS): {detail}"
                    ),
                    format!(
                        "Providers serve their discovery document to every site, so {issuer_name} \
                         is most likely not the issuer: use exactly the issuer URL the provider \
                         documents (see docs/providers/)."
                    ),
                ),
                None,
            );
        }
        Reply::Blocked(detail) => {
            return (
                Line::fail(
                    C,
                    format!("Nothing answers at {url} ({detail})."),
                    format!(
                        "Check {issuer_name} (now {}): it must be the provider's issuer URL, and \
                         the provider must be up and reachable from this browser.",
                        setup.issuer()
                    ),
                ),
                None,
            );
        }
        Reply::Answer { status, body, .. } if (200..300).contains(status) => body,
        Reply::Answer { status, .. } => {
            return (
                Line::fail(
                    C,
                    format!("{url} answered HTTP {status}, not a discovery document."),
                    format!(
                        "{issuer_name} (now {}) is not the provider's issuer: it is the URL in \
                         front of /.well-known/openid-configuration, exactly as the provider \
                         documents it.",
                        setup.issuer()
                    ),
                ),
                None,
            );
        }
    };
    let Ok(doc) = serde_json::from_slice::<Value>(body) else {
        return (
            Line::fail(
                C,
                format!("{url} is not JSON, so it is not a discovery document."),
                format!("Check {issuer_name} (now {}).", setup.issuer()),
            ),
            None,
        );
    };
    let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
    let named = text("issuer").unwrap_or_default();
    if named != setup.issuer() {
        return (
            Line::fail(
                C,
                format!(
                    "The document names the issuer \"{named}\", the settings say \"{}\"; sign-in \
                     refuses a mismatch.",
                    setup.issuer()
                ),
                format!("Set {issuer_name} to exactly \"{named}\" (a trailing slash counts)."),
            ),
            None,
        );
    }
    let (Some(token_endpoint), Some(jwks_uri)) = (text("token_endpoint"), text("jwks_uri")) else {
        return (
            Line::fail(
                C,
                "The document lists no token_endpoint or no jwks_uri.",
                "Use an OpenID Connect provider with the authorization code flow.",
            ),
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
                Line::fail(
                    C,
                    format!("The provider lists PKCE methods {methods:?}, without S256."),
                    "Pail signs in with PKCE (S256); enable it for the client at the provider.",
                ),
                None,
            );
        }
        Some(_) => "PKCE S256 supported",
        None => "PKCE methods not listed",
    };
    let found = Discovered {
        token_endpoint,
        jwks_uri,
        algorithms: list("id_token_signing_alg_values_supported").unwrap_or_default(),
    };
    (
        Line::pass(
            C,
            format!("{named}: token endpoint and JWKS listed, {pkce}."),
        ),
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
                format!("{url} answered HTTP {status}."),
                "The provider's discovery document points at a JWKS that is not there; this is \
                 the provider's to fix (or the issuer setting names the wrong tenant/realm).",
            );
        }
        Reply::Blocked(detail) => {
            return Line::fail(
                C,
                if answers {
                    format!("{url} answered, but this site may not read it (CORS): {detail}")
                } else {
                    format!("Nothing answers at {url} ({detail}).")
                },
                "Pail verifies ID tokens with these keys in the browser, so the JWKS must be \
                 readable from every origin (providers normally allow that).",
            );
        }
    };
    let keys: Vec<Value> = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("keys").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    if keys.is_empty() {
        return Line::fail(
            C,
            format!("{url} holds no keys."),
            "The provider publishes no signing keys; ID tokens cannot be verified.",
        );
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
        format!("{} key(s) ({}) at {url}.", keys.len(), kinds.join(", ")),
    )
}

/// Where to allow an origin, by provider.
const ALLOW_ORIGIN_HINT: &str = "Okta: Security → API → Trusted Origins (CORS); Auth0: the \
    application's Allowed Web Origins; Keycloak: the client's Web origins; Amazon Cognito allows \
    every origin";

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
                format!(
                    "{url} answered, but does not let this site ({}) read the answer (CORS), so \
                     sign-in cannot finish: {detail}",
                    setup.origin
                ),
                format!(
                    "At the provider, allow the origin {} for client {client} ({ALLOW_ORIGIN_HINT}).",
                    setup.origin
                ),
            );
        }
        Reply::Blocked(detail) => {
            return Line::fail(
                C,
                format!("Nothing answers at {url} ({detail})."),
                "The discovery document's token_endpoint cannot be reached from this browser.",
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
            format!("The provider wants a client secret ({said})."),
            format!(
                "Pail is a browser app and cannot keep a secret: register {client} as a public \
                 client (single-page application, no secret, authorization code + PKCE). Google \
                 always requires a secret: sign in through a broker (docs/providers/google.md)."
            ),
        );
    }
    match error {
        "invalid_grant" => Line::pass(
            C,
            format!("{url} answers this site and refused a made-up code ({error}), as it should."),
        ),
        "invalid_client" | "unauthorized_client" => Line::fail(
            C,
            format!("The provider does not accept {client} as a public client ({said})."),
            format!(
                "Check {client_name}, and register the client at the provider as a public \
                 single-page application: no secret, authorization code with PKCE."
            ),
        ),
        "" => Line::fail(
            C,
            format!("{url} answered HTTP {status} without an OAuth error."),
            "The discovery document's token_endpoint does not behave like one; check the \
             issuer setting.",
        ),
        _ => Line::pass(C, format!("{url} answers this site ({said}).")),
    }
}

/// The ID token's `alg` (when signed in) against what STS accepts; without a token, what the
/// provider says it can sign with.
pub fn signing_algorithm(token_alg: Option<&str>, provider_algs: &[String]) -> Line {
    const C: Check = Check::SigningAlgorithm;
    let accepted = |a: &str| STS_ALGORITHMS.contains(&a);
    let fix = "Make the provider sign ID tokens with RS256 (Auth0: the application's Advanced \
        Settings → OAuth → JSON Web Token signature algorithm; Keycloak: the client's \
        Advanced → ID token signature algorithm).";
    match token_alg {
        Some(alg) if accepted(alg) => Line::pass(C, format!("Your ID token is signed with {alg}.")),
        Some(alg) => Line::fail(
            C,
            format!(
                "Your ID token is signed with {alg}; STS accepts only {}.",
                STS_ALGORITHMS.join(", ")
            ),
            fix,
        ),
        None if !provider_algs.is_empty() && !provider_algs.iter().any(|a| accepted(a)) => {
            Line::fail(
                C,
                format!(
                    "The provider signs ID tokens only with {}; STS accepts only {}.",
                    provider_algs.join(", "),
                    STS_ALGORITHMS.join(", ")
                ),
                fix,
            )
        }
        None => Line::skipped(
            C,
            if provider_algs.is_empty() {
                "Sign in to check the algorithm of your ID token.".to_owned()
            } else {
                format!(
                    "Sign in to check your ID token (the provider offers {}).",
                    provider_algs.join(", ")
                )
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
                format!(
                    "{role} gave credentials, valid for {} min.",
                    valid.as_secs().div_ceil(60)
                ),
            );
        }
        Err(e) => e,
    };
    use CredentialsError as E;
    match error {
        E::InvalidIdentityToken(m) if m.to_ascii_lowercase().contains("audience") => Line::fail(
            C,
            format!(
                "STS refused the token's audience \"{aud}\" (InvalidIdentityToken: {m})."
            ),
            format!(
                "Add \"{aud}\" as a client ID (audience) of the IAM OIDC provider {}, or set \
                 {} to the client IAM lists.",
                values.issuer_host,
                setup.name("PAIL_OIDC_CLIENT_ID")
            ),
        )
        .with_snippet(format!(
            "aws iam add-client-id-to-open-id-connect-provider \\\n  \
             --open-id-connect-provider-arn {} \\\n  --client-id {aud}",
            setup.provider_arn()
        )),
        E::InvalidIdentityToken(m) if m.contains("No OpenIDConnect provider") => Line::fail(
            C,
            format!("IAM has no OIDC provider for {} ({m}).", setup.issuer()),
            "Create the IAM OIDC identity provider for the issuer, with this app's client id as \
             its audience.",
        )
        .with_snippet(format!(
            "aws iam create-open-id-connect-provider \\\n  --url {} \\\n  --client-id-list {client}",
            setup.issuer()
        )),
        E::InvalidIdentityToken(m) => Line::fail(
            C,
            format!("STS refused the ID token (InvalidIdentityToken: {m})."),
            format!(
                "Check the IAM OIDC provider {}: its URL must be the issuer {} exactly and its \
                 client IDs must include {aud}.",
                values.issuer_host,
                setup.issuer()
            ),
        ),
        E::TrustPolicyDenied(m) => Line::fail(
            C,
            format!(
                "{role} does not trust this token (AccessDenied: {m}); its trust policy is for \
                 another provider, client or user."
            ),
            format!(
                "Give the role this trust policy (tokens from {} for client {client}), or set \
                 {role_name} to the role made for this app.",
                setup.issuer()
            ),
        )
        .with_snippet(documents::trust_policy(&values)),
        E::IdpUnreachable(m) => Line::fail(
            C,
            format!("AWS could not fetch the provider's keys (IDPCommunicationError: {m})."),
            format!(
                "AWS fetches {}/.well-known/openid-configuration and the JWKS from the internet: \
                 the issuer must be public, over https, with a valid certificate.",
                setup.issuer()
            ),
        ),
        E::IdTokenExpired => Line::fail(
            C,
            "Your ID token has expired (ExpiredTokenException).",
            "Sign in again, then run the check again.",
        ),
        E::Invalid(m) if m.contains("Duration") => Line::fail(
            C,
            format!("STS refused the session length ({m})."),
            format!(
                "Lower {} (now {} s) to at most the role's maximum session duration, or raise \
                 that: aws iam update-role --role-name <name> --max-session-duration <seconds>.",
                setup.name("PAIL_SESSION_DURATION_SECONDS"),
                setup.config.aws.session_duration.as_secs()
            ),
        ),
        E::Invalid(m) => Line::fail(
            C,
            format!("STS refused the request (ValidationError: {m})."),
            format!("Check {role_name} (now {role})."),
        ),
        E::Unreachable { endpoint, detail } => Line::fail(
            C,
            if answers {
                format!("STS at {endpoint} answered, but this site may not read it (CORS): {detail}")
            } else {
                format!("Nothing answers at {endpoint} ({detail}).")
            },
            format!(
                "Check {} (leave it empty for AWS, whose STS allows every site).",
                setup.name("PAIL_STS_ENDPOINT")
            ),
        ),
        E::Unavailable { code } => Line::fail(
            C,
            format!("STS is not answering right now ({code}), also after retries."),
            "Nothing in the setup is known to be wrong: run the check again in a minute.".to_owned(),
        ),
        E::Other(m) => Line::fail(
            C,
            format!("STS answered with an error: {m}."),
            format!(
                "Check {role_name} and {}.",
                setup.name("PAIL_STS_ENDPOINT")
            ),
        ),
        E::SignedOut => Line::skipped(C, "Sign in to run this check."),
    }
}

/// The S3 endpoint and addressing style: what can be told from the settings, then whether
/// anything answers at the bucket's URL.
pub fn endpoint(setup: &Setup<'_>, answers: bool) -> Line {
    const C: Check = Check::Endpoint;
    let s3 = &setup.config.s3;
    let url = setup.bucket_url();
    let path_style = setup.name("PAIL_S3_FORCE_PATH_STYLE");
    let style = if s3.force_path_style {
        "path-style"
    } else {
        "virtual-hosted"
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
                    format!(
                        "Virtual-hosted addressing puts the bucket in the host name ({url}), \
                         which cannot work with the endpoint {host}."
                    ),
                    format!("Set {path_style} to true for this endpoint."),
                );
            }
        }
        if s3.endpoint.is_none() && s3.bucket.contains('.') {
            return Line::fail(
                C,
                format!(
                    "The bucket name has dots, so {url} does not match S3's TLS certificate \
                     (*.s3.{}.amazonaws.com).",
                    setup.config.aws.region
                ),
                format!("Use a bucket name without dots, or set {path_style} to true."),
            );
        }
    }
    if !answers {
        return Line::fail(
            C,
            format!("Nothing answers at {url} ({style})."),
            format!(
                "Check {} and {} (and {path_style} for S3-compatible stores).",
                setup.name("PAIL_S3_ENDPOINT"),
                setup.name("PAIL_AWS_REGION")
            ),
        );
    }
    Line::pass(C, format!("{url} answers ({style})."))
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
        return Line::skipped(
            C,
            "The bucket's URL does not answer (see the S3 endpoint line).",
        );
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
            format!(
                "{bucket} allows {} for {} with the AWS SDK's headers.",
                setup.origin,
                methods.join(", ")
            ),
        );
    }
    let finding = if refused.len() == probes.len() && !plain_get_readable {
        format!(
            "{bucket}'s CORS rules do not allow this site ({}) at all, so the browser hides \
             every answer from S3.",
            setup.origin
        )
    } else if refused.len() == probes.len() {
        format!(
            "{bucket}'s CORS rules allow {} but not the headers the AWS SDK sends \
             (authorization, x-amz-*, amz-sdk-*).",
            setup.origin
        )
    } else {
        format!(
            "{bucket}'s CORS rules refuse {} from {}.",
            refused.join(", "),
            setup.origin
        )
    };
    Line::fail(
        C,
        finding,
        format!(
            "Give the bucket these CORS rules (AllowedHeaders \"*\"; methods GET, PUT, POST, \
             DELETE, HEAD): aws s3api put-bucket-cors --bucket {bucket} --cors-configuration \
             file://cors.json"
        ),
    )
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
            return Line::pass(C, format!("{n} entries in {home} of {bucket}."));
        }
        Err(e) => e,
    };
    storage_failure(
        setup,
        C,
        &format!("listing {home}"),
        error,
        bucket_answers,
        || {
            Line::fail(
            C,
            format!("{} may not list {home} in {bucket} (AccessDenied).", setup.config.aws.role_arn),
            "The role's permission policy must allow s3:ListBucket on the bucket for the user's \
             own prefix (condition s3:prefix); this is the policy the app needs:",
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
            format!("There is no bucket {bucket} (NoSuchBucket)."),
            format!("Check {} and {region}.", setup.name("PAIL_S3_BUCKET")),
        ),
        S::BadCredentials { code } if code == "InvalidAccessKeyId" || code == "InvalidToken" => {
            Line::fail(
                check,
                format!("S3 does not know the credentials STS issued ({code})."),
                format!(
                    "{} and {} must belong to the same service (both AWS, or both your \
                     S3-compatible store).",
                    setup.name("PAIL_STS_ENDPOINT"),
                    setup.name("PAIL_S3_ENDPOINT")
                ),
            )
        }
        S::BadCredentials { code } => Line::fail(
            check,
            format!("S3 refused the request's signature ({code})."),
            format!(
                "{region} (now {}) must be the bucket's region.",
                setup.config.aws.region
            ),
        ),
        S::ExpiredToken => Line::fail(
            check,
            "The AWS session has expired (ExpiredToken).",
            "Sign in again, then run the check again.",
        ),
        S::ClockSkew => Line::fail(
            check,
            "S3 refused the request because this device's clock is more than 15 minutes off \
             (RequestTimeTooSkewed), and the Date header that would correct it is hidden by CORS.",
            "Set the device's clock to update automatically, and add Date to the bucket's CORS \
             ExposeHeaders.",
        ),
        S::Unreachable { endpoint, detail } if bucket_answers => Line::fail(
            check,
            format!(
                "{what}: S3 at {endpoint} answered, but the browser hid the answer (CORS): {detail}"
            ),
            "See the bucket CORS line: the bucket's CORS rules must allow this site.",
        ),
        S::Unreachable { endpoint, detail } => Line::fail(
            check,
            format!("{what}: nothing answers at {endpoint} ({detail})."),
            "See the S3 endpoint line.",
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
                format!("S3 says the bucket is elsewhere ({code}: {message})."),
                format!(
                    "Set {region} to the bucket's region, and check {}.",
                    setup.name("PAIL_S3_FORCE_PATH_STYLE")
                ),
            )
        }
        S::Credentials(c) => Line::fail(
            check,
            format!("{what}: no AWS credentials ({c})."),
            "See the STS line.",
        ),
        other => Line::fail(
            check,
            format!("{what} failed: {other}."),
            format!("Check {} and {region}.", setup.name("PAIL_S3_BUCKET")),
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
            format!(
                "{} may not {action} {key} in your own folder (AccessDenied).",
                setup.config.aws.role_arn
            ),
            "The role's permission policy must allow s3:GetObject, s3:PutObject and \
             s3:DeleteObject in the user's own prefix; this is the policy the app needs:",
        )
        .with_snippet(documents::permission_policy(&setup.values()))
    };
    if let Err(e) = &probe.put {
        return storage_failure(
            setup,
            C,
            &format!("writing the test object {key}"),
            e,
            bucket_answers,
            || policy_line("write"),
        );
    }
    let Some(head) = &probe.head else {
        return Line::skipped(C, "The test object was not written.");
    };
    let meta = match head {
        Ok(meta) => meta,
        Err(e) => {
            return storage_failure(
                setup,
                C,
                &format!("reading {key}"),
                e,
                bucket_answers,
                || policy_line("read"),
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
            format!(
                "The browser cannot read {} from S3's answers: the bucket's CORS rules do not \
                 expose {}.",
                hidden.join(", "),
                if hidden.len() == 1 { "it" } else { "them" }
            ),
            format!(
                "List each header in ExposeHeaders of the bucket's CORS rule (S3 takes no \
                 wildcards there). Without ETag, multipart uploads cannot complete; without \
                 x-amz-meta-*, descriptions do not show. aws s3api put-bucket-cors --bucket {} \
                 --cors-configuration file://cors.json",
                setup.config.s3.bucket
            ),
        )
        .with_snippet(documents::bucket_cors(&setup.values()));
    }
    if let Some(Err(e)) = &probe.delete {
        return storage_failure(
            setup,
            C,
            &format!("deleting {key}"),
            e,
            bucket_answers,
            || policy_line("delete"),
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
    Line::pass(
        C,
        format!(
            "{} readable (a test object was written, read with HEAD and deleted).",
            exposed.join(", ")
        ),
    )
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
