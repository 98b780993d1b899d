//! The page's Content-Security-Policy, narrowed at run time. The build's policy
//! (`scripts/csp.mjs`) must let any deployment's provider and AWS origins through
//! (`connect-src https:`, `frame-src https:`); once the settings and the provider's discovery
//! document are known, a second policy allows exactly those origins. A browser enforces every
//! policy a page has, so the second can only narrow the first, never widen it.

use url::Url;

use crate::config::AppConfig;

/// The second policy: `connect-src` for this page, the provider's discovery, token endpoint
/// and JWKS, STS and the bucket; `frame-src` for this page, `blob:` documents and the
/// provider's authorization endpoint (the silent renewal's frame lands back on this page);
/// `form-action` for this page and the provider's end-session endpoint (sign-out posts there).
pub fn narrowed(
    config: &AppConfig,
    provider_urls: &[&str],
    authorization_url: &str,
    end_session_url: Option<&str>,
) -> String {
    let mut connect = vec!["'self'".to_owned()];
    let aws = [config.aws.sts_url(), config.bucket_url()];
    for url in provider_urls
        .iter()
        .copied()
        .chain(aws.iter().map(String::as_str))
    {
        push_origin(&mut connect, url);
    }
    // Without a custom endpoint the SDK may address the bucket path-style too (a name that is
    // not a DNS label, e.g. with dots, over HTTPS).
    if config.s3.endpoint.is_none() {
        push_origin(
            &mut connect,
            &format!("https://s3.{}.amazonaws.com/", config.aws.region),
        );
    }
    // blob: for PDF previews, which are documents made from the object's bytes.
    let mut frame = vec!["'self'".to_owned(), "blob:".to_owned()];
    push_origin(&mut frame, authorization_url);
    let mut form = vec!["'self'".to_owned()];
    if let Some(url) = end_session_url {
        push_origin(&mut form, url);
    }
    format!(
        "connect-src {}; frame-src {}; form-action {}",
        connect.join(" "),
        frame.join(" "),
        form.join(" ")
    )
}

fn push_origin(list: &mut Vec<String>, url: &str) {
    let Ok(url) = Url::parse(url) else { return };
    let origin = url.origin();
    // An opaque origin (no host) cannot be named in a policy.
    if origin.is_tuple() {
        let origin = origin.ascii_serialization();
        if !list.contains(&origin) {
            list.push(origin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> AppConfig {
        let mut values: Vec<(&str, &str)> = vec![
            ("PAIL_OIDC_ISSUER", "https://login.example.com/realms/x"),
            ("PAIL_OIDC_CLIENT_ID", "pail"),
            ("PAIL_AWS_REGION", "eu-west-1"),
            ("PAIL_ROLE_ARN", "arn:aws:iam::123456789012:role/pail"),
            ("PAIL_S3_BUCKET", "files"),
        ];
        values.extend_from_slice(pairs);
        AppConfig::from_lookup(
            |k| {
                values
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            },
            "https://files.example.com",
        )
        .unwrap_or_else(|e| panic!("test settings: {e:?}"))
    }

    #[test]
    fn aws_defaults_name_the_regional_endpoints_and_the_provider() {
        let policy = narrowed(
            &config(&[]),
            &[
                "https://login.example.com/realms/x",
                "https://keys.example.net/jwks.json",
                "https://login.example.com/realms/x/token",
            ],
            "https://login.example.com/realms/x/auth",
            Some("https://logout.example.org/end"),
        );
        assert_eq!(
            policy,
            "connect-src 'self' https://login.example.com https://keys.example.net \
             https://sts.eu-west-1.amazonaws.com https://files.s3.eu-west-1.amazonaws.com \
             https://s3.eu-west-1.amazonaws.com; frame-src 'self' blob: https://login.example.com; \
             form-action 'self' https://logout.example.org"
        );
    }

    #[test]
    fn custom_endpoints_keep_their_ports_and_nothing_else_is_allowed() {
        let policy = narrowed(
            &config(&[
                ("PAIL_STS_ENDPOINT", "http://127.0.0.1:9001"),
                ("PAIL_S3_ENDPOINT", "http://127.0.0.1:9000"),
                ("PAIL_S3_FORCE_PATH_STYLE", "true"),
            ]),
            &[
                "http://127.0.0.1:9090",
                "http://127.0.0.1:9090/jwks",
                "not a url",
            ],
            "http://127.0.0.1:9090/auth",
            None,
        );
        assert_eq!(
            policy,
            "connect-src 'self' http://127.0.0.1:9090 http://127.0.0.1:9001 \
             http://127.0.0.1:9000; frame-src 'self' blob: http://127.0.0.1:9090; \
             form-action 'self'"
        );
        assert!(!policy.contains("https:"), "{policy}");
    }
}
