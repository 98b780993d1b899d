//! Where the settings come from: `config.json` served beside the app, so that one build serves
//! any provider and bucket, else the values baked into the build from `.env` (development).
//!
//! Pure: `crate::platform` fetches `config.json` and hands over what came back as a
//! [`Fetched`]; [`load`] decides what it means. A `config.json` that is there but unusable (not
//! JSON, HTTP 500, a network error) is an error the user sees, never a silent fallback. Only
//! "there is none" — a 404, or the host's fallback page for unknown paths (what `trunk serve`
//! and most single-page-app hosts answer) — falls back to the build's values.

use serde_json::Value;

use super::{AppConfig, ConfigError, SETTINGS, Setting};
use crate::text;

/// The file's name, beside `index.html`.
pub const FILE_NAME: &str = "config.json";

/// Where `config.json` is for a page on `origin` (the app is served from the root).
pub fn config_json_url(origin: &str) -> String {
    format!("{}/{FILE_NAME}", origin.trim_end_matches('/'))
}

/// What asking for `config.json` gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// An HTTP answer.
    Answer {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    /// No answer at all (offline, refused); the browser's reason.
    Failed(String),
}

/// Where the settings in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `config.json` at this URL.
    ConfigJson { url: String },
    /// Baked into the build from `.env`; `why` says why `config.json` was not used.
    Build { why: String },
}

impl Source {
    /// The setting's name as this source spells it: `s3_bucket` in config.json,
    /// `PAIL_S3_BUCKET` in `.env`.
    pub fn name_of(&self, setting: &Setting) -> &'static str {
        match self {
            Self::ConfigJson { .. } => setting.json,
            Self::Build { .. } => setting.key,
        }
    }

    /// [`Source::name_of`] for a setting given by its `PAIL_…` key.
    pub fn name_of_key(&self, key: &'static str) -> &'static str {
        Setting::by_key(key).map_or(key, |s| self.name_of(s))
    }

    /// One line for people: where the settings came from.
    pub fn describe(&self) -> String {
        match self {
            Self::ConfigJson { url } => text::settings_from(url),
            Self::Build { why } => text::settings_built_in(why),
        }
    }
}

/// A name in `config.json` that is not a setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub name: String,
    /// The setting probably meant.
    pub suggestion: Option<&'static str>,
}

/// Why there are no usable settings: what the start-up page shows instead of the app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// `config.json` answered, but not with settings.
    #[error("{url} cannot be used: {problem}")]
    Unusable { url: String, problem: String },
    /// No `config.json`, and the build has no settings either.
    #[error("no settings: {why}, and this build has none built in")]
    Missing { url: String, why: String },
    /// Settings are missing or malformed.
    #[error("{}", invalid_lines(from, errors, unknown).join("\n"))]
    Invalid {
        /// Where the settings came from.
        from: Source,
        errors: Vec<ConfigError>,
        unknown: Vec<UnknownName>,
    },
}

fn invalid_lines(source: &Source, errors: &[ConfigError], unknown: &[UnknownName]) -> Vec<String> {
    let mut lines: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", source.name_of_key(e.key), e.problem))
        .collect();
    lines.extend(unknown.iter().map(UnknownName::problem));
    lines
}

impl UnknownName {
    /// What is wrong with it, for people.
    pub fn problem(&self) -> String {
        match self.suggestion {
            Some(s) => format!("{}: {}", self.name, text::not_a_setting(Some(s))),
            None => format!("{}: {}", self.name, text::not_a_setting(None)),
        }
    }
}

/// The settings for this page: from `config.json` when there is one, else from `build` (the
/// values baked in from `.env`). `url` is where `config.json` was asked for, `origin` the
/// page's origin (redirect URIs default to paths under it).
pub fn load(
    fetched: Fetched,
    url: &str,
    origin: &str,
    build: impl Fn(&str) -> Option<String>,
) -> Result<(AppConfig, Source), LoadError> {
    let unusable = |problem: String| LoadError::Unusable {
        url: url.to_owned(),
        problem,
    };
    let why_missing = match fetched {
        Fetched::Failed(detail) => {
            return Err(unusable(text::settings_not_fetched(&detail)));
        }
        Fetched::Answer { status: 404, .. } => text::settings_not_found(FILE_NAME, url),
        Fetched::Answer {
            status,
            content_type,
            body,
        } if (200..300).contains(&status) => {
            if is_html(content_type.as_deref(), &body) {
                text::settings_web_page(url)
            } else {
                let source = Source::ConfigJson {
                    url: url.to_owned(),
                };
                let file = parse_file(&body).map_err(unusable)?;
                return validate(&file, source, origin);
            }
        }
        Fetched::Answer { status, .. } => {
            return Err(unusable(text::settings_http_status(status)));
        }
    };
    if SETTINGS.iter().all(|s| build(s.key).is_none()) {
        return Err(LoadError::Missing {
            url: url.to_owned(),
            why: why_missing,
        });
    }
    let source = Source::Build { why: why_missing };
    AppConfig::from_lookup(build, origin)
        .map(|config| (config, source.clone()))
        .map_err(|errors| LoadError::Invalid {
            from: source,
            errors,
            unknown: Vec::new(),
        })
}

fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let declared = content_type.is_some_and(|t| t.trim_start().starts_with("text/html"));
    let start = String::from_utf8_lossy(&body[..body.len().min(64)])
        .trim_start()
        .to_ascii_lowercase();
    declared || start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// `config.json`, read: the values by `PAIL_…` key, values that are not settings' values, and
/// names that are not settings.
#[derive(Debug, Default)]
struct File {
    values: Vec<(&'static str, String)>,
    bad_values: Vec<ConfigError>,
    unknown: Vec<UnknownName>,
}

fn parse_file(body: &[u8]) -> Result<File, String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}');
    let json: Value =
        serde_json::from_str(text).map_err(|e| text::settings_not_json(&e.to_string()))?;
    let Value::Object(entries) = json else {
        return Err(text::SETTINGS_NOT_AN_OBJECT.into());
    };
    let mut file = File::default();
    for (name, value) in entries {
        // "_comment": … and "$schema" are room for notes.
        if name.starts_with('_') || name == "$schema" {
            continue;
        }
        let Some(setting) = SETTINGS.iter().find(|s| s.json == name) else {
            file.unknown.push(UnknownName {
                suggestion: suggest(&name),
                name,
            });
            continue;
        };
        match value_text(value) {
            Ok(Some(text)) => file.values.push((setting.key, text)),
            Ok(None) => {}
            Err(problem) => file.bad_values.push(ConfigError {
                key: setting.key,
                problem,
            }),
        }
    }
    // serde_json's map order depends on its features; the report should not.
    file.unknown.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(file)
}

/// A JSON value as the setting's text: strings as they are, numbers and booleans written out,
/// a list of strings joined with spaces (scopes, metadata keys); `null` is unset.
fn value_text(value: Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                other => Err(text::list_of_strings_only(&other.to_string())),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|items| Some(items.join(" "))),
        Value::Object(_) => Err(text::SETTING_VALUE_KINDS.into()),
    }
}

fn validate(file: &File, source: Source, origin: &str) -> Result<(AppConfig, Source), LoadError> {
    let lookup = |key: &str| {
        file.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    let result = AppConfig::from_lookup(lookup, origin);
    if file.bad_values.is_empty()
        && file.unknown.is_empty()
        && let Ok(config) = result
    {
        return Ok((config, source));
    }
    // One line per setting, in the table's order: a value of the wrong type is reported as
    // such, not also as "is not set".
    let mut errors = file.bad_values.clone();
    errors.extend(
        result
            .err()
            .into_iter()
            .flatten()
            .filter(|e| file.bad_values.iter().all(|b| b.key != e.key)),
    );
    errors.sort_by_key(|e| SETTINGS.iter().position(|s| s.key == e.key));
    Err(LoadError::Invalid {
        from: source,
        errors,
        unknown: file.unknown.clone(),
    })
}

/// The setting a mistyped name probably means: the `.env` spelling of a setting, or a name at
/// most two edits away.
fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if let Some(s) = SETTINGS.iter().find(|s| s.key.eq_ignore_ascii_case(name)) {
        return Some(s.json);
    }
    SETTINGS
        .iter()
        .map(|s| (edit_distance(&lower, s.json), s.json))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, json)| json)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://files.example.com";
    const URL: &str = "https://files.example.com/config.json";

    fn json(body: &str) -> Fetched {
        Fetched::Answer {
            status: 200,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    const GOOD: &str = r#"{
        "oidc_issuer": "https://login.example.com",
        "oidc_client_id": "pail",
        "aws_region": "eu-west-1",
        "role_arn": "arn:aws:iam::123456789012:role/pail",
        "s3_bucket": "acme-files",
        "s3_force_path_style": true,
        "session_duration_seconds": 900,
        "oidc_scopes": ["openid", "email"],
        "metadata_keys": ["project", "description"],
        "_comment": "notes are allowed"
    }"#;

    fn build(key: &str) -> Option<String> {
        match key {
            "PAIL_OIDC_ISSUER" => Some("http://127.0.0.1:9090".into()),
            "PAIL_OIDC_CLIENT_ID" => Some("pail-local".into()),
            "PAIL_AWS_REGION" => Some("us-east-1".into()),
            "PAIL_ROLE_ARN" => Some("arn:aws:iam::123456789012:role/pail-web-user".into()),
            "PAIL_S3_BUCKET" => Some("pail-demo".into()),
            _ => None,
        }
    }

    fn nothing_built(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn config_json_wins_over_the_build() {
        let (config, source) = load(json(GOOD), URL, ORIGIN, build).expect("valid");
        assert_eq!(source, Source::ConfigJson { url: URL.into() });
        assert_eq!(config.oidc.issuer.as_str(), "https://login.example.com");
        assert_eq!(config.s3.bucket, "acme-files");
        assert!(config.s3.force_path_style);
        assert_eq!(config.aws.session_duration.as_secs(), 900);
        assert_eq!(config.oidc.extra_scopes, ["email"]);
        assert_eq!(config.s3.metadata_keys, ["description", "project"]);
        assert_eq!(
            config.oidc.redirect_uri.as_str(),
            "https://files.example.com/callback"
        );
    }

    #[test]
    fn a_404_or_the_hosts_fallback_page_means_the_build_values() {
        let not_found = Fetched::Answer {
            status: 404,
            content_type: Some("text/plain".into()),
            body: b"not found".to_vec(),
        };
        let (config, source) = load(not_found, URL, ORIGIN, build).expect("built in");
        assert_eq!(config.s3.bucket, "pail-demo");
        assert!(
            matches!(&source, Source::Build { why } if why.contains("HTTP 404")),
            "{source:?}"
        );
        let fallback = Fetched::Answer {
            status: 200,
            content_type: Some("text/html; charset=utf-8".into()),
            body: b"<!DOCTYPE html><html>...".to_vec(),
        };
        let (_, source) = load(fallback, URL, ORIGIN, build).expect("built in");
        assert!(
            matches!(&source, Source::Build { why } if why.contains("web page")),
            "{source:?}"
        );
        let undeclared = Fetched::Answer {
            status: 200,
            content_type: None,
            body: b"\n  <html><body>app</body></html>".to_vec(),
        };
        assert!(load(undeclared, URL, ORIGIN, build).is_ok());
    }

    #[test]
    fn no_file_and_nothing_built_in_says_so() {
        let not_found = Fetched::Answer {
            status: 404,
            content_type: None,
            body: Vec::new(),
        };
        let err = load(not_found, URL, ORIGIN, nothing_built).expect_err("nothing");
        assert_eq!(
            err,
            LoadError::Missing {
                url: URL.into(),
                why: format!("no config.json at {URL} (HTTP 404)")
            }
        );
    }

    #[test]
    fn a_broken_file_is_an_error_not_a_fallback() {
        let err = load(json(r#"{"oidc_issuer": "x",}"#), URL, ORIGIN, build).expect_err("bad");
        assert!(
            matches!(&err, LoadError::Unusable { problem, .. } if problem.contains("not valid JSON") && problem.contains("line 1")),
            "{err:?}"
        );
        let err = load(json(r#"["a"]"#), URL, ORIGIN, build).expect_err("array");
        assert!(
            matches!(&err, LoadError::Unusable { problem, .. } if problem.contains("JSON object")),
            "{err:?}"
        );
        for status in [403, 500] {
            let answer = Fetched::Answer {
                status,
                content_type: Some("application/xml".into()),
                body: b"<Error/>".to_vec(),
            };
            let err = load(answer, URL, ORIGIN, build).expect_err("status");
            assert!(err.to_string().contains(&format!("HTTP {status}")), "{err}");
        }
        let err = load(Fetched::Failed("offline".into()), URL, ORIGIN, build).expect_err("net");
        assert!(err.to_string().contains("could not be fetched (offline)"));
    }

    #[test]
    fn errors_use_the_config_json_names() {
        let body = r#"{
            "oidc_issuer": "http://login.example.com",
            "oidc_client_id": "pail",
            "aws_region": "eu-west-1",
            "role_arn": ["arn:aws:iam::123456789012:role/pail", 1],
            "s3_buckets": "acme-files",
            "PAIL_PREFIX_TEMPLATE": "users/{sub}/",
            "metadata_keys": "project"
        }"#;
        let err = load(json(body), URL, ORIGIN, build).expect_err("invalid");
        let LoadError::Invalid {
            from: source,
            errors,
            unknown,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(source, &Source::ConfigJson { url: URL.into() });
        let keys: Vec<&str> = errors.iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            [
                "PAIL_OIDC_ISSUER",
                "PAIL_ROLE_ARN",
                "PAIL_S3_BUCKET",
                "PAIL_METADATA_KEYS"
            ]
        );
        assert!(errors[1].problem.contains("only strings"), "{errors:?}");
        assert_eq!(
            unknown,
            &[
                UnknownName {
                    name: "PAIL_PREFIX_TEMPLATE".into(),
                    suggestion: Some("prefix_template")
                },
                UnknownName {
                    name: "s3_buckets".into(),
                    suggestion: Some("s3_bucket")
                },
            ]
        );
        let text = err.to_string();
        assert!(text.contains("oidc_issuer: 'http://login.example.com' must use https"));
        assert!(text.contains("s3_bucket: is not set"), "{text}");
        assert!(text.contains("s3_buckets: not a setting; did you mean s3_bucket?"));
        assert!(text.contains("must include description"), "{text}");
        assert!(!text.contains("PAIL_S3_BUCKET"), "{text}");
    }

    #[test]
    fn build_errors_use_the_env_names() {
        let not_found = Fetched::Answer {
            status: 404,
            content_type: None,
            body: Vec::new(),
        };
        let partial = |key: &str| (key == "PAIL_S3_BUCKET").then(|| "Bad_Bucket".to_owned());
        let err = load(not_found, URL, ORIGIN, partial).expect_err("invalid");
        let text = err.to_string();
        assert!(text.contains("PAIL_S3_BUCKET: 'Bad_Bucket'"), "{text}");
        assert!(text.contains("PAIL_OIDC_ISSUER: is not set"), "{text}");
        assert!(
            matches!(
                err,
                LoadError::Invalid {
                    from: Source::Build { .. },
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn every_setting_has_its_json_name() {
        for s in SETTINGS {
            let derived = s.key.trim_start_matches("PAIL_").to_ascii_lowercase();
            assert_eq!(s.json, derived, "{}", s.key);
        }
    }

    #[test]
    fn the_shipped_example_is_valid_and_complete() {
        let example = include_str!("../../public/config.example.json");
        let (config, _) = load(json(example), URL, ORIGIN, nothing_built).expect("valid example");
        assert_eq!(config.s3.prefix_template.as_str(), "users/{sub}/");
        let parsed: Value = serde_json::from_str(example).expect("json");
        for s in SETTINGS {
            assert!(
                parsed.get(s.json).is_some(),
                "{} not in the example",
                s.json
            );
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("oidc_isuer"), Some("oidc_issuer"));
        assert_eq!(suggest("PAIL_ROLE_ARN"), Some("role_arn"));
        assert_eq!(suggest("bucket"), None);
    }
}
