//! The app's settings: read once at start-up into [`AppConfig`], or a list of [`ConfigError`]s
//! that each name the setting and what is wrong with it.
//!
//! Parsing is a pure function of a lookup (`&str -> Option<String>`) and the page's origin, so
//! it is tested on the host. Where the values come from is [`source`]'s business: `config.json`
//! beside the app (read by `crate::platform` at start-up), else the build-time environment
//! ([`build_time_lookup`], filled from `.env` by `build.rs`). [`SETTINGS`] is the one list of
//! settings both use.

pub mod source;

use std::time::Duration;

use openidconnect::{ClientId, IssuerUrl, RedirectUrl};
use url::Url;

use crate::text;

/// Every setting, with its documentation; `.env.example` and `public/config.example.json`
/// mirror this table. The same settings come from `config.json` (named by [`Setting::json`]) or
/// from the build's `.env` (named by [`Setting::key`]).
pub const SETTINGS: &[Setting] = &[
    Setting::required("PAIL_OIDC_ISSUER", "oidc_issuer", text::SETTING_OIDC_ISSUER),
    Setting::required(
        "PAIL_OIDC_CLIENT_ID",
        "oidc_client_id",
        text::SETTING_OIDC_CLIENT_ID,
    ),
    Setting::optional(
        "PAIL_OIDC_REDIRECT_URI",
        "oidc_redirect_uri",
        text::SETTING_OIDC_REDIRECT_URI,
    ),
    Setting::optional(
        "PAIL_OIDC_POST_LOGOUT_REDIRECT_URI",
        "oidc_post_logout_redirect_uri",
        text::SETTING_OIDC_POST_LOGOUT_REDIRECT_URI,
    ),
    Setting::optional("PAIL_OIDC_SCOPES", "oidc_scopes", text::SETTING_OIDC_SCOPES),
    Setting::required("PAIL_AWS_REGION", "aws_region", text::SETTING_AWS_REGION),
    Setting::required("PAIL_ROLE_ARN", "role_arn", text::SETTING_ROLE_ARN),
    Setting::optional(
        "PAIL_SESSION_DURATION_SECONDS",
        "session_duration_seconds",
        text::SETTING_SESSION_DURATION_SECONDS,
    ),
    Setting::optional(
        "PAIL_STS_ENDPOINT",
        "sts_endpoint",
        text::SETTING_STS_ENDPOINT,
    ),
    Setting::required("PAIL_S3_BUCKET", "s3_bucket", text::SETTING_S3_BUCKET),
    Setting::optional("PAIL_S3_ENDPOINT", "s3_endpoint", text::SETTING_S3_ENDPOINT),
    Setting::optional(
        "PAIL_S3_FORCE_PATH_STYLE",
        "s3_force_path_style",
        text::SETTING_S3_FORCE_PATH_STYLE,
    ),
    Setting::optional(
        "PAIL_PREFIX_TEMPLATE",
        "prefix_template",
        text::SETTING_PREFIX_TEMPLATE,
    ),
    Setting::optional(
        "PAIL_METADATA_KEYS",
        "metadata_keys",
        text::SETTING_METADATA_KEYS,
    ),
];

/// One setting's names and meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// Its name in `.env` and the build environment.
    pub key: &'static str,
    /// Its name in `config.json`: the key in lowercase without `PAIL_`.
    pub json: &'static str,
    pub required: bool,
    pub meaning: &'static str,
}

impl Setting {
    const fn required(key: &'static str, json: &'static str, meaning: &'static str) -> Self {
        Self {
            key,
            json,
            required: true,
            meaning,
        }
    }
    const fn optional(key: &'static str, json: &'static str, meaning: &'static str) -> Self {
        Self {
            key,
            json,
            required: false,
            meaning,
        }
    }

    /// The setting named `key` (`PAIL_…`).
    pub fn by_key(key: &str) -> Option<&'static Self> {
        SETTINGS.iter().find(|s| s.key == key)
    }
}

/// The validated settings. Built once; handed out through a context by the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    pub oidc: OidcConfig,
    pub aws: AwsConfig,
    pub s3: S3Config,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OidcConfig {
    pub issuer: IssuerUrl,
    pub client_id: ClientId,
    pub redirect_uri: RedirectUrl,
    pub post_logout_redirect_uri: Url,
    /// Scopes besides `openid`, which is always requested.
    pub extra_scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwsConfig {
    pub region: String,
    pub role_arn: String,
    pub session_duration: Duration,
    pub sts_endpoint: Option<Url>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct S3Config {
    pub bucket: String,
    pub endpoint: Option<Url>,
    pub force_path_style: bool,
    pub prefix_template: PrefixTemplate,
    /// User metadata keys in use (without `x-amz-meta-`), `description` first: the browser can
    /// read only those the bucket's CORS rules expose, which the setup doctor checks.
    pub metadata_keys: Vec<String>,
}

/// The metadata key the app writes an upload's description to.
pub const DESCRIPTION_KEY: &str = "description";

/// A user's home prefix with `{sub}` standing for the subject of their ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixTemplate(String);

impl PrefixTemplate {
    pub const DEFAULT: &'static str = "users/{sub}/";

    pub fn parse(template: &str) -> Result<Self, String> {
        if !template.contains("{sub}") {
            return Err(text::PREFIX_NEEDS_SUB.into());
        }
        if template.starts_with('/') {
            return Err(text::PREFIX_LEADING_SLASH.into());
        }
        if !template.ends_with('/') {
            return Err(text::PREFIX_TRAILING_SLASH.into());
        }
        let rest = template.replace("{sub}", "");
        if rest.contains('{') || rest.contains('}') {
            return Err(text::PREFIX_UNKNOWN_PLACEHOLDER.into());
        }
        Ok(Self(template.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is wrong with one setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct ConfigError {
    pub key: &'static str,
    pub problem: String,
}

const MIN_SESSION: u64 = 60;
const MAX_SESSION: u64 = 43_200;

impl AwsConfig {
    /// Where STS is: the custom endpoint, else AWS's regional one.
    pub fn sts_url(&self) -> String {
        self.sts_endpoint.as_ref().map_or_else(
            || format!("https://sts.{}.amazonaws.com/", self.region),
            ToString::to_string,
        )
    }
}

impl AppConfig {
    /// The bucket's base URL as the SDK addresses it, ending in `/`.
    pub fn bucket_url(&self) -> String {
        let s3 = &self.s3;
        let region = &self.aws.region;
        match (&s3.endpoint, s3.force_path_style) {
            (Some(endpoint), true) => {
                format!("{}/{}/", endpoint.as_str().trim_end_matches('/'), s3.bucket)
            }
            (Some(endpoint), false) => {
                let mut url = endpoint.clone();
                let host = format!("{}.{}", s3.bucket, endpoint.host_str().unwrap_or_default());
                if url.set_host(Some(&host)).is_err() {
                    return format!("{}//{host}/", endpoint.scheme());
                }
                url.to_string()
            }
            (None, true) => format!("https://s3.{region}.amazonaws.com/{}/", s3.bucket),
            (None, false) => format!("https://{}.s3.{region}.amazonaws.com/", s3.bucket),
        }
    }

    /// Validates every setting at once, so the user sees all problems together.
    ///
    /// `origin` is the page's origin (`https://files.example.com`); the redirect URIs default to
    /// paths under it.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        origin: &str,
    ) -> Result<Self, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut fail = |key: &'static str, problem: String| {
            errors.push(ConfigError { key, problem });
        };
        // Blank values count as unset, as in most .env tooling.
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let issuer = match get("PAIL_OIDC_ISSUER") {
            None => {
                fail("PAIL_OIDC_ISSUER", text::not_set(text::HINT_OIDC_ISSUER));
                None
            }
            // Kept byte for byte: discovery compares the document's `issuer` with it exactly,
            // and `Url` would add a trailing slash to `https://host`.
            Some(v) => match parse_web_url(&v).and_then(|_| {
                IssuerUrl::new(v.clone()).map_err(|e| text::not_a_url(&v, &e.to_string()))
            }) {
                Ok(issuer) => Some(issuer),
                Err(p) => {
                    fail("PAIL_OIDC_ISSUER", p);
                    None
                }
            },
        };
        let client_id = get("PAIL_OIDC_CLIENT_ID").map(ClientId::new);
        if client_id.is_none() {
            fail(
                "PAIL_OIDC_CLIENT_ID",
                text::not_set(text::HINT_OIDC_CLIENT_ID),
            );
        }
        let redirect_uri = match get("PAIL_OIDC_REDIRECT_URI") {
            None => Url::parse(origin).and_then(|o| o.join("/callback")).ok(),
            Some(v) => match parse_web_url(&v) {
                Ok(url) => Some(url),
                Err(p) => {
                    fail("PAIL_OIDC_REDIRECT_URI", p);
                    None
                }
            },
        }
        .map(RedirectUrl::from_url);
        let post_logout = match get("PAIL_OIDC_POST_LOGOUT_REDIRECT_URI") {
            None => Url::parse(origin).and_then(|o| o.join("/")).ok(),
            Some(v) => parse_web_url(&v)
                .map_err(|p| fail("PAIL_OIDC_POST_LOGOUT_REDIRECT_URI", p))
                .ok(),
        };
        let scopes = get("PAIL_OIDC_SCOPES").unwrap_or_else(|| "openid profile email".into());
        let scopes: Vec<String> = scopes.split_whitespace().map(str::to_owned).collect();
        if !scopes.iter().any(|s| s == "openid") {
            fail("PAIL_OIDC_SCOPES", text::SCOPES_NEED_OPENID.into());
        }
        let extra_scopes = scopes.into_iter().filter(|s| s != "openid").collect();

        let region = get("PAIL_AWS_REGION");
        match &region {
            None => fail("PAIL_AWS_REGION", text::not_set(text::HINT_AWS_REGION)),
            Some(r) if !is_region(r) => fail("PAIL_AWS_REGION", text::not_a_region(r)),
            Some(_) => {}
        }
        let role_arn = get("PAIL_ROLE_ARN");
        match &role_arn {
            None => fail("PAIL_ROLE_ARN", text::not_set(text::HINT_ROLE_ARN)),
            Some(a) if !is_role_arn_template(a) => fail("PAIL_ROLE_ARN", text::not_a_role_arn(a)),
            Some(_) => {}
        }
        let session_duration = match get("PAIL_SESSION_DURATION_SECONDS") {
            None => Some(Duration::from_secs(3600)),
            Some(v) => match v.parse::<u64>() {
                Ok(s) if (MIN_SESSION..=MAX_SESSION).contains(&s) => Some(Duration::from_secs(s)),
                _ => {
                    fail(
                        "PAIL_SESSION_DURATION_SECONDS",
                        text::bad_session_duration(&v, MIN_SESSION, MAX_SESSION),
                    );
                    None
                }
            },
        };
        let sts_endpoint = optional_url(&get, "PAIL_STS_ENDPOINT", &mut fail);

        let bucket = get("PAIL_S3_BUCKET");
        match &bucket {
            None => fail("PAIL_S3_BUCKET", text::not_set(text::HINT_S3_BUCKET)),
            Some(b) => {
                if let Err(p) = check_bucket_name(b) {
                    fail("PAIL_S3_BUCKET", p);
                }
            }
        }
        let endpoint = optional_url(&get, "PAIL_S3_ENDPOINT", &mut fail);
        let force_path_style = match get("PAIL_S3_FORCE_PATH_STYLE").as_deref() {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(v) => {
                fail("PAIL_S3_FORCE_PATH_STYLE", text::not_a_bool(v));
                false
            }
        };
        let template =
            get("PAIL_PREFIX_TEMPLATE").unwrap_or_else(|| PrefixTemplate::DEFAULT.into());
        let prefix_template = PrefixTemplate::parse(&template)
            .map_err(|p| fail("PAIL_PREFIX_TEMPLATE", text::quoted_problem(&template, &p)))
            .ok();
        let metadata_keys = get("PAIL_METADATA_KEYS")
            .map_or_else(
                || Ok(vec![DESCRIPTION_KEY.to_owned()]),
                |v| parse_metadata_keys(&v),
            )
            .map_err(|p| fail("PAIL_METADATA_KEYS", p))
            .unwrap_or_default();

        match (
            issuer,
            client_id,
            redirect_uri,
            post_logout,
            region,
            role_arn,
            session_duration,
            bucket,
            prefix_template,
        ) {
            (
                Some(issuer),
                Some(client_id),
                Some(redirect_uri),
                Some(post_logout_redirect_uri),
                Some(region),
                Some(role_arn),
                Some(session_duration),
                Some(bucket),
                Some(prefix_template),
            ) if errors.is_empty() => Ok(Self {
                oidc: OidcConfig {
                    issuer,
                    client_id,
                    redirect_uri,
                    post_logout_redirect_uri,
                    extra_scopes,
                },
                aws: AwsConfig {
                    region,
                    role_arn,
                    session_duration,
                    sts_endpoint,
                },
                s3: S3Config {
                    bucket,
                    endpoint,
                    force_path_style,
                    prefix_template,
                    metadata_keys,
                },
            }),
            _ => Err(errors),
        }
    }
}

/// `description, project` (commas or spaces): lowercase names; `description`, which the app
/// writes, must be among them.
fn parse_metadata_keys(value: &str) -> Result<Vec<String>, String> {
    let mut keys: Vec<String> = Vec::new();
    for key in value
        .split([',', ' '])
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let key = key
            .strip_prefix("x-amz-meta-")
            .unwrap_or(key)
            .to_ascii_lowercase();
        if !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(text::bad_metadata_key(&key));
        }
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let Some(at) = keys.iter().position(|k| k == DESCRIPTION_KEY) else {
        return Err(text::metadata_keys_need(value, DESCRIPTION_KEY));
    };
    keys[..=at].rotate_right(1);
    Ok(keys)
}

fn optional_url(
    get: &impl Fn(&str) -> Option<String>,
    key: &'static str,
    fail: &mut impl FnMut(&'static str, String),
) -> Option<Url> {
    let value = get(key)?;
    parse_web_url(&value).map_err(|p| fail(key, p)).ok()
}

/// An absolute http(s) URL; plain http only on the loopback interface, as browsers treat
/// only loopback as a secure context.
fn parse_web_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| {
        // The build leaves out IDNA's Unicode tables (Cargo.toml, idna_adapter): a host name
        // must be given in ASCII, which is what browsers send anyway.
        if value.is_ascii() {
            text::not_a_url(value, &e.to_string())
        } else {
            text::not_a_url_write_ascii(value, &e.to_string())
        }
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(text::needs_https(value)),
        other => Err(text::wrong_scheme(value, other)),
    }
}

fn is_loopback(url: &Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

fn is_region(r: &str) -> bool {
    r.len() <= 32
        && r.contains('-')
        && r.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A role ARN, or one whose role name holds `{sub}` once: one role per user
/// (`credentials::role_for`), for stores that cannot confine users with a policy variable.
fn is_role_arn_template(arn: &str) -> bool {
    match arn.matches("{sub}").count() {
        0 => is_role_arn(arn),
        1 => {
            arn.rsplit('/')
                .next()
                .is_some_and(|name| name.contains("{sub}"))
                && is_role_arn(&arn.replace("{sub}", "user"))
        }
        _ => false,
    }
}

fn is_role_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    // MinIO's STS hands out roles as arn:minio:iam:::role/<id>, with no account; Ceph RGW
    // names them arn:aws:iam:::role/<name>, or arn:aws:iam::<tenant>:role/<name> in a tenant
    // (docs/providers/s3-compatible.md). A number that is not 12 digits is a mistyped AWS
    // account, not a tenant.
    let digits = !account.is_empty() && account.chars().all(|c| c.is_ascii_digit());
    let tenant = account
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_');
    let account_ok = match partition {
        "minio" => account.is_empty(),
        "aws" | "aws-cn" | "aws-us-gov" => {
            if digits {
                account.len() == 12
            } else {
                tenant
            }
        }
        _ => false,
    };
    account_ok
        && resource
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty())
}

/// S3's general-purpose bucket naming rules.
fn check_bucket_name(name: &str) -> Result<(), String> {
    if !(3..=63).contains(&name.len()) {
        return Err(text::bucket_length(name));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Err(text::bucket_characters(name));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err(text::bucket_edges(name));
    }
    if name.contains("..") {
        return Err(text::bucket_dots(name));
    }
    Ok(())
}

/// The settings baked into this build from `.env` / the build environment.
pub fn build_time_lookup(key: &str) -> Option<String> {
    macro_rules! baked {
        ($($k:literal),* $(,)?) => {
            match key {
                $($k => option_env!($k),)*
                _ => None,
            }
        };
    }
    baked!(
        "PAIL_OIDC_ISSUER",
        "PAIL_OIDC_CLIENT_ID",
        "PAIL_OIDC_REDIRECT_URI",
        "PAIL_OIDC_POST_LOGOUT_REDIRECT_URI",
        "PAIL_OIDC_SCOPES",
        "PAIL_AWS_REGION",
        "PAIL_ROLE_ARN",
        "PAIL_SESSION_DURATION_SECONDS",
        "PAIL_STS_ENDPOINT",
        "PAIL_S3_BUCKET",
        "PAIL_S3_ENDPOINT",
        "PAIL_S3_FORCE_PATH_STYLE",
        "PAIL_PREFIX_TEMPLATE",
        "PAIL_METADATA_KEYS",
    )
    .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8080";

    fn good() -> HashMap<&'static str, &'static str> {
        HashMap::from([
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
        ])
    }

    fn parse(map: &HashMap<&'static str, &'static str>) -> Result<AppConfig, Vec<ConfigError>> {
        AppConfig::from_lookup(|k| map.get(k).map(|v| (*v).to_owned()), ORIGIN)
    }

    fn keys(errors: &[ConfigError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.key).collect()
    }

    #[test]
    fn good_settings_parse_with_defaults() {
        let cfg = parse(&good()).expect("valid");
        assert_eq!(cfg.oidc.issuer.as_str(), "http://127.0.0.1:9090");
        assert_eq!(
            cfg.oidc.redirect_uri.as_str(),
            "http://127.0.0.1:8080/callback"
        );
        assert_eq!(
            cfg.oidc.post_logout_redirect_uri.as_str(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(cfg.oidc.extra_scopes, ["profile", "email"]);
        assert_eq!(cfg.aws.session_duration, Duration::from_secs(3600));
        assert_eq!(cfg.s3.prefix_template.as_str(), "users/{sub}/");
        assert!(cfg.s3.force_path_style);
        assert_eq!(
            cfg.s3.endpoint.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9000/")
        );
        assert_eq!(cfg.s3.metadata_keys, ["description"]);
    }

    #[test]
    fn metadata_keys_put_description_first_and_must_hold_it() {
        assert_eq!(
            parse_metadata_keys("project, x-amz-meta-Description  Owner,project"),
            Ok(vec!["description".into(), "project".into(), "owner".into()])
        );
        assert!(
            parse_metadata_keys("project")
                .expect_err("no description")
                .contains("must include description")
        );
        assert!(parse_metadata_keys("description, a:b").is_err());
    }

    #[test]
    fn every_missing_required_setting_is_named() {
        let errors = parse(&HashMap::new()).expect_err("nothing set");
        let required: Vec<_> = SETTINGS
            .iter()
            .filter(|s| s.required)
            .map(|s| s.key)
            .collect();
        assert_eq!(keys(&errors), required);
        assert!(errors.iter().all(|e| e.problem.starts_with("is not set")));
    }

    #[test]
    fn blank_values_count_as_missing() {
        let mut map = good();
        map.insert("PAIL_S3_BUCKET", "   ");
        assert_eq!(keys(&parse(&map).expect_err("blank")), ["PAIL_S3_BUCKET"]);
    }

    #[test]
    fn malformed_values_are_each_reported() {
        let mut map = good();
        map.insert("PAIL_OIDC_ISSUER", "login.example.com");
        map.insert("PAIL_ROLE_ARN", "arn:aws:iam::123:role/x");
        map.insert("PAIL_S3_BUCKET", "My_Bucket");
        map.insert("PAIL_SESSION_DURATION_SECONDS", "90000");
        map.insert("PAIL_S3_FORCE_PATH_STYLE", "maybe");
        map.insert("PAIL_PREFIX_TEMPLATE", "users/");
        let errors = parse(&map).expect_err("malformed");
        assert_eq!(
            keys(&errors),
            [
                "PAIL_OIDC_ISSUER",
                "PAIL_ROLE_ARN",
                "PAIL_SESSION_DURATION_SECONDS",
                "PAIL_S3_BUCKET",
                "PAIL_S3_FORCE_PATH_STYLE",
                "PAIL_PREFIX_TEMPLATE"
            ]
        );
        let text = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            text.contains("'My_Bucket' may use only lowercase"),
            "{text}"
        );
        assert!(text.contains("must contain {sub}"), "{text}");
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let mut map = good();
        map.insert("PAIL_OIDC_ISSUER", "http://login.example.com");
        let errors = parse(&map).expect_err("http");
        assert!(errors[0].problem.contains("must use https"), "{errors:?}");
    }

    #[test]
    fn host_names_are_ascii() {
        let mut map = good();
        map.insert("PAIL_OIDC_ISSUER", "https://bücher.example/realms/acme");
        let errors = parse(&map).expect_err("unicode host");
        assert_eq!(keys(&errors), ["PAIL_OIDC_ISSUER"]);
        assert!(errors[0].problem.contains("xn--"), "{errors:?}");
        map.insert(
            "PAIL_OIDC_ISSUER",
            "https://xn--bcher-kva.example/realms/acme",
        );
        map.insert("PAIL_S3_ENDPOINT", "https://s3.example/ünï");
        let cfg = parse(&map).expect("punycode host, non-ASCII path");
        assert_eq!(
            cfg.oidc.issuer.as_str(),
            "https://xn--bcher-kva.example/realms/acme"
        );
    }

    #[test]
    fn scopes_must_include_openid() {
        let mut map = good();
        map.insert("PAIL_OIDC_SCOPES", "profile email");
        assert_eq!(
            keys(&parse(&map).expect_err("no openid")),
            ["PAIL_OIDC_SCOPES"]
        );
    }

    #[test]
    fn prefix_template_rules() {
        assert!(PrefixTemplate::parse("users/{sub}/").is_ok());
        assert!(PrefixTemplate::parse("tenants/acme/{sub}/").is_ok());
        assert!(PrefixTemplate::parse("/users/{sub}/").is_err());
        assert!(PrefixTemplate::parse("users/{sub}").is_err());
        assert!(PrefixTemplate::parse("users/{email}/{sub}/").is_err());
    }

    #[test]
    fn role_arns() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/a"));
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/path/a"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/a"));
        assert!(is_role_arn(
            "arn:minio:iam:::role/dRTkMK4JkdN7bfzg0LIYdvD3Z1I"
        ));
        assert!(!is_role_arn("arn:minio:iam::123456789012:role/x"));
        // AWS's partitions; Ceph RGW's forms (no account, or a tenant).
        assert!(is_role_arn("arn:aws-us-gov:iam::123456789012:role/a"));
        assert!(is_role_arn("arn:aws:iam:::role/pail-alice"));
        assert!(is_role_arn("arn:aws:iam::acme_corp:role/pail-alice"));
        assert!(
            !is_role_arn("arn:aws:iam::12345:role/x"),
            "a mistyped account"
        );
        assert!(!is_role_arn("arn:aws:iam::acme corp:role/x"));
        assert!(!is_role_arn("arn:aws-xx:iam::123456789012:role/x"));
        assert!(!is_role_arn("arn:aws:iam:::role/"));
        // One role per user.
        assert!(is_role_arn_template("arn:aws:iam:::role/pail-{sub}"));
        assert!(is_role_arn_template(
            "arn:aws:iam::123456789012:role/users/{sub}"
        ));
        assert!(is_role_arn_template("arn:aws:iam::123456789012:role/a"));
        assert!(!is_role_arn_template("arn:aws:iam::{sub}:role/a"));
        assert!(!is_role_arn_template("arn:aws:iam:::role/{sub}-{sub}"));
        assert!(!is_role_arn("arn:other:iam::123456789012:role/x"));
        assert!(!is_role_arn("arn:aws:s3:::bucket"));
    }

    #[test]
    fn every_setting_is_baked_and_documented_in_env_example() {
        let example = include_str!("../.env.example");
        for s in SETTINGS {
            assert!(
                example.contains(&format!("{}=", s.key)),
                "{} not in .env.example",
                s.key
            );
        }
    }
}
