//! The documents a fix asks for — the role's trust policy, its permission policy, the bucket's
//! CORS rules — filled in for this deployment. They are rendered from the templates the local
//! stack applies (`stack/s3/*.json`, also the source of the README's and the CloudFormation
//! template's documents), so the doctor never suggests something the tests did not run.

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

/// Fills the placeholders in the template's own text, so the document reads as the template
/// does (statement and key order kept). Values are JSON-escaped; a list element
/// `"@ORIGINS@"` or `"@METADATA_HEADERS@"` becomes one element per value.
fn render(template: &str, values: &Values) -> String {
    let inside_string = |v: &str| {
        let quoted = serde_json::to_string(v).unwrap_or_default();
        quoted[1..quoted.len().saturating_sub(1)].to_owned()
    };
    let elements = |items: &[String]| {
        items
            .iter()
            .map(|i| serde_json::to_string(i).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", ")
    };
    template
        .replace("\"@ORIGINS@\"", &elements(&values.origins))
        .replace(
            "\"@METADATA_HEADERS@\"",
            &elements(&values.metadata_headers),
        )
        .replace("@ACCOUNT_ID@", &inside_string(&values.account_id))
        .replace("@ISSUER_HOST@", &inside_string(&values.issuer_host))
        .replace("@CLIENT_ID@", &inside_string(&values.client_id))
        .replace("@BUCKET@", &inside_string(&values.bucket))
        .replace("@HOME@", &inside_string(&values.home))
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

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
    fn documents_keep_the_templates_order() {
        let doc = permission_policy(&values());
        let sid = doc.find("\"Sid\": \"ListOwnPrefixOnly\"").expect("sid");
        let action = doc.find("\"Action\": \"s3:ListBucket\"").expect("action");
        assert!(sid < action, "{doc}");
    }

    #[test]
    fn values_are_escaped() {
        let mut v = values();
        v.client_id = "a\"b".into();
        let doc: Value = serde_json::from_str(&trust_policy(&v)).expect("still JSON");
        assert_eq!(
            doc["Statement"][0]["Condition"]["StringEquals"]["login.example.com/oauth2/default:aud"],
            "a\"b"
        );
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
