//! The documents a fix asks for — the role's trust policy, its permission policy, the bucket's
//! CORS rules — filled in for this deployment. They are rendered from the templates the local
//! stack applies (`stack/s3/*.json`, also the source of the README's and the CloudFormation
//! template's documents), so the doctor never suggests something the tests did not run.

use serde_json::Value;

use crate::config::AppConfig;

const TRUST_POLICY: &str = include_str!("../../stack/s3/trust-policy.json");
const PERMISSION_POLICY: &str = include_str!("../../stack/s3/permission-policy.json");
const BUCKET_CORS: &str = include_str!("../../stack/s3/bucket-cors.json");

/// What fills the templates' placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values {
    /// `@ACCOUNT_ID@`: the role's account.
    pub account_id: String,
    /// `@ISSUER_HOST@`: the issuer URL without its scheme, IAM's name for the OIDC provider
    /// and the prefix of its condition keys (`<host>:aud`, `<host>:sub`).
    pub issuer_host: String,
    /// `@CLIENT_ID@`: the audience of the app's ID tokens.
    pub client_id: String,
    /// `@BUCKET@`.
    pub bucket: String,
    /// `@HOME@`: each user's prefix as an IAM policy pattern (`users/${<host>:sub}/`).
    pub home: String,
    /// `"@ORIGINS@"`: the app's origins.
    pub origins: Vec<String>,
    /// `"@METADATA_HEADERS@"`: `x-amz-meta-<key>` for each key in use.
    pub metadata_headers: Vec<String>,
}

impl Values {
    /// The values for `config`, with the app served from `origin`.
    pub fn new(config: &AppConfig, origin: &str) -> Self {
        let issuer_host = issuer_host(config.oidc.issuer.as_str());
        Self {
            account_id: account_of(&config.aws.role_arn)
                .unwrap_or("ACCOUNT_ID")
                .to_owned(),
            home: config
                .s3
                .prefix_template
                .as_str()
                .replace("{sub}", &format!("${{{issuer_host}:sub}}")),
            issuer_host,
            client_id: config.oidc.client_id.as_str().to_owned(),
            bucket: config.s3.bucket.clone(),
            origins: vec![origin.trim_end_matches('/').to_owned()],
            metadata_headers: config
                .s3
                .metadata_keys
                .iter()
                .map(|k| format!("x-amz-meta-{k}"))
                .collect(),
        }
    }
}

/// IAM's name for an OIDC provider: its issuer URL without `https://`.
pub fn issuer_host(issuer: &str) -> String {
    issuer
        .split_once("://")
        .map_or(issuer, |(_, rest)| rest)
        .to_owned()
}

/// The account in `arn:aws:iam::<account>:role/<name>`.
pub fn account_of(role_arn: &str) -> Option<&str> {
    role_arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The role's trust policy: tokens from this provider, for this client, may assume it.
pub fn trust_policy(values: &Values) -> String {
    render(TRUST_POLICY, values)
}

/// The role's permission policy: each user lists, reads and writes only their own prefix.
pub fn permission_policy(values: &Values) -> String {
    render(PERMISSION_POLICY, values)
}

/// The bucket's CORS configuration (`aws s3api put-bucket-cors --cors-configuration`).
pub fn bucket_cors(values: &Values) -> String {
    render(BUCKET_CORS, values)
}

fn render(template: &str, values: &Values) -> String {
    let text = template
        .replace("@ACCOUNT_ID@", &values.account_id)
        .replace("@ISSUER_HOST@", &values.issuer_host)
        .replace("@CLIENT_ID@", &values.client_id)
        .replace("@BUCKET@", &values.bucket)
        .replace("@HOME@", &values.home);
    let Ok(mut doc) = serde_json::from_str::<Value>(&text) else {
        // The templates are part of this build and parse (tested); values are plain strings.
        return text;
    };
    expand_lists(&mut doc, values);
    serde_json::to_string_pretty(&doc).unwrap_or(text)
}

/// A list element `"@ORIGINS@"` or `"@METADATA_HEADERS@"` stands for all of them.
fn expand_lists(value: &mut Value, values: &Values) {
    match value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                match item.as_str() {
                    Some("@ORIGINS@") => {
                        out.extend(values.origins.iter().cloned().map(Value::from))
                    }
                    Some("@METADATA_HEADERS@") => {
                        out.extend(values.metadata_headers.iter().cloned().map(Value::from));
                    }
                    _ => out.push(item),
                }
            }
            for item in &mut out {
                expand_lists(item, values);
            }
            *items = out;
        }
        Value::Object(map) => map.values_mut().for_each(|v| expand_lists(v, values)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            account_id: "123456789012".into(),
            issuer_host: "login.example.com/oauth2/default".into(),
            client_id: "pail-spa".into(),
            bucket: "acme-files".into(),
            home: "users/${login.example.com/oauth2/default:sub}/".into(),
            origins: vec!["https://files.example.com".into()],
            metadata_headers: vec!["x-amz-meta-description".into(), "x-amz-meta-project".into()],
        }
    }

    #[test]
    fn documents_are_filled_in_completely() {
        for doc in [
            trust_policy(&values()),
            permission_policy(&values()),
            bucket_cors(&values()),
        ] {
            assert!(!doc.contains('@'), "{doc}");
            serde_json::from_str::<Value>(&doc).expect("JSON");
        }
    }

    #[test]
    fn the_trust_policy_names_provider_and_audience() {
        let doc: Value = serde_json::from_str(&trust_policy(&values())).expect("json");
        let st = &doc["Statement"][0];
        assert_eq!(
            st["Principal"]["Federated"],
            "arn:aws:iam::123456789012:oidc-provider/login.example.com/oauth2/default"
        );
        assert_eq!(
            st["Condition"]["StringEquals"]["login.example.com/oauth2/default:aud"],
            "pail-spa"
        );
    }

    #[test]
    fn the_permission_policy_confines_to_the_home_prefix() {
        let doc = permission_policy(&values());
        assert!(doc.contains(
            r#""arn:aws:s3:::acme-files/users/${login.example.com/oauth2/default:sub}/*""#
        ));
        assert!(doc.contains(r#""users/${login.example.com/oauth2/default:sub}/*""#));
    }

    #[test]
    fn cors_lists_the_origin_and_every_metadata_key() {
        let doc: Value = serde_json::from_str(&bucket_cors(&values())).expect("json");
        let rule = &doc["CORSRules"][0];
        assert_eq!(
            rule["AllowedOrigins"],
            serde_json::json!(["https://files.example.com"])
        );
        let exposed: Vec<&str> = rule["ExposeHeaders"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            &exposed[..3],
            ["ETag", "x-amz-meta-description", "x-amz-meta-project"]
        );
    }

    #[test]
    fn names_from_settings() {
        assert_eq!(issuer_host("https://a.auth0.com/"), "a.auth0.com/");
        assert_eq!(issuer_host("http://127.0.0.1:9090"), "127.0.0.1:9090");
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
    }
}
