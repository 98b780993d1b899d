//! The pending-login record: what must survive the redirect to the provider and back.
//!
//! It holds the PKCE verifier, the `state` and the `nonce`, and is kept in `sessionStorage`
//! only (per tab, gone with the tab), read once on the callback and deleted right away.

use openidconnect::{CsrfToken, Nonce, PkceCodeVerifier};
use serde::{Deserialize, Serialize};

/// The `sessionStorage` key of the record.
pub const STORAGE_KEY: &str = "pail.login.pending";

#[derive(Debug, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub pkce_verifier: PkceCodeVerifier,
    /// Where in the app to go after signing in (a path of this app, see [`safe_return_path`]).
    pub return_to: String,
    /// A `prompt=none` attempt (restoring the session after a reload): a refusal then means
    /// "not signed in at the provider", not an error to show.
    pub silent: bool,
}

impl PendingLogin {
    pub fn to_json(&self) -> String {
        // Serializing four strings and a bool cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }

    /// Constant-time comparison of the returned `state` with ours (CSRF defence).
    pub fn state_matches(&self, returned: &str) -> bool {
        let ours = self.state.secret().as_bytes();
        let theirs = returned.as_bytes();
        ours.len() == theirs.len()
            && ours
                .iter()
                .zip(theirs)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// Keeps a return path inside this app: a path starting with a single `/`. Anything else
/// (`//evil.example`, `https://…`, `javascript:`) becomes `/`, so the record cannot be used to
/// send the user elsewhere.
pub fn safe_return_path(path: &str) -> String {
    let inside = path.starts_with('/') && !path.starts_with("//") && !path.contains('\\');
    if inside && !path.starts_with("/callback") {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> PendingLogin {
        PendingLogin {
            state: CsrfToken::new("state-123".into()),
            nonce: Nonce::new("nonce-456".into()),
            pkce_verifier: PkceCodeVerifier::new("v".repeat(43)),
            return_to: "/object?key=a".into(),
            silent: false,
        }
    }

    #[test]
    fn round_trips_through_json() {
        let back = PendingLogin::from_json(&record().to_json()).expect("parses");
        assert_eq!(back.state.secret(), "state-123");
        assert_eq!(back.nonce.secret(), "nonce-456");
        assert_eq!(back.pkce_verifier.secret(), &"v".repeat(43));
        assert_eq!(back.return_to, "/object?key=a");
    }

    #[test]
    fn garbage_is_no_record() {
        assert!(PendingLogin::from_json("{}").is_none());
        assert!(PendingLogin::from_json("not json").is_none());
    }

    #[test]
    fn state_must_match_exactly() {
        let r = record();
        assert!(r.state_matches("state-123"));
        assert!(!r.state_matches("state-124"));
        assert!(!r.state_matches("state-12"));
        assert!(!r.state_matches(""));
    }

    #[test]
    fn return_paths_stay_inside_the_app() {
        assert_eq!(safe_return_path("/object?key=x"), "/object?key=x");
        assert_eq!(safe_return_path("//evil.example/"), "/");
        assert_eq!(safe_return_path("https://evil.example/"), "/");
        assert_eq!(safe_return_path("/\\evil.example"), "/");
        assert_eq!(safe_return_path("/callback?code=1"), "/");
    }
}
