//! Reading what the provider put in the redirect back to us (RFC 6749 §4.1.2, RFC 9207 `iss`).

use url::form_urlencoded;

/// The query of the redirect URI after the provider is done with the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// The user signed in; the code is exchanged at the token endpoint.
    Code {
        code: String,
        state: String,
        /// RFC 9207 issuer identification, when the provider sends it (mix-up defence).
        iss: Option<String>,
    },
    /// The provider refused or could not sign the user in (`access_denied`, `login_required`…).
    Error {
        error: String,
        description: Option<String>,
        state: Option<String>,
    },
}

impl Callback {
    /// Parses a query string (with or without the leading `?`). `None` when it carries neither
    /// a code nor an error, i.e. this is not a callback at all.
    pub fn parse(query: &str) -> Option<Self> {
        let mut code = None;
        let mut state = None;
        let mut iss = None;
        let mut error = None;
        let mut description = None;
        for (k, v) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let slot = match k.as_ref() {
                "code" => &mut code,
                "state" => &mut state,
                "iss" => &mut iss,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            slot.get_or_insert_with(|| v.into_owned());
        }
        match (error, code) {
            (Some(error), _) => Some(Self::Error {
                error,
                description,
                state,
            }),
            (None, Some(code)) => Some(Self::Code {
                code,
                state: state.unwrap_or_default(),
                iss,
            }),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_state_and_iss() {
        let cb = Callback::parse("?code=abc%2F1&state=s1&iss=http%3A%2F%2F127.0.0.1%3A9090");
        assert_eq!(
            cb,
            Some(Callback::Code {
                code: "abc/1".into(),
                state: "s1".into(),
                iss: Some("http://127.0.0.1:9090".into())
            })
        );
    }

    #[test]
    fn error_wins_over_code() {
        let cb = Callback::parse(
            "error=login_required&error_description=End-User+is+not+logged+in&state=x&code=y",
        );
        assert_eq!(
            cb,
            Some(Callback::Error {
                error: "login_required".into(),
                description: Some("End-User is not logged in".into()),
                state: Some("x".into())
            })
        );
    }

    #[test]
    fn first_value_of_a_repeated_parameter_counts() {
        let Some(Callback::Code { code, .. }) = Callback::parse("code=first&code=second&state=s")
        else {
            panic!("not a code callback");
        };
        assert_eq!(code, "first");
    }

    #[test]
    fn missing_state_is_empty_and_fails_the_state_check_later() {
        let Some(Callback::Code { state, .. }) = Callback::parse("code=c") else {
            panic!("not a code callback");
        };
        assert_eq!(state, "");
    }

    #[test]
    fn plain_query_is_not_a_callback() {
        assert_eq!(Callback::parse(""), None);
        assert_eq!(Callback::parse("?key=users%2Fa"), None);
    }
}
