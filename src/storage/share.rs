//! Share links: a presigned GET that whoever holds it can use, without signing in, until it
//! expires. A presigned URL carries the session token of the credentials that signed it, so S3
//! refuses it once those credentials expire, whatever `X-Amz-Expires` says: a link never
//! outlives the session's credentials, and the app says when it really stops working.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::upload::requests::presigning;
use super::{Storage, StorageError, keys};

/// The longest a presigned URL may be valid (SigV4: seven days).
pub const MAX_VALID_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// A link and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    pub url: String,
    /// Milliseconds since the epoch (AWS's time) after which S3 refuses the link.
    pub expires_at_ms: u64,
    /// The user asked for longer, but the credentials that signed it end first.
    pub cut_short: bool,
}

/// How long a link asked to last `wanted` from `now` can really be valid, given when the
/// signing credentials expire (`None`: unknown, e.g. long-lived keys), and whether that is
/// shorter than asked.
pub fn real_validity(
    now: SystemTime,
    wanted: Duration,
    credentials_expire: Option<SystemTime>,
) -> (Duration, bool) {
    let wanted = wanted.min(MAX_VALID_FOR);
    match credentials_expire.map(|e| e.duration_since(now).unwrap_or_default()) {
        Some(left) if left < wanted => (left, true),
        _ => (wanted, false),
    }
}

/// Of `durations` (seconds), those a link made with fresh credentials of `session` length can
/// keep (a presigned URL ends with the credentials that signed it); when none can, `session`
/// itself, so there is always one honest choice.
pub fn honoured(durations: &[u64], session: Duration) -> Vec<u64> {
    let within: Vec<u64> = durations
        .iter()
        .copied()
        .filter(|&d| d <= session.as_secs())
        .collect();
    if within.is_empty() {
        vec![session.as_secs()]
    } else {
        within
    }
}

/// `Content-Disposition` that downloads under the object's own name (RFC 6266): an ASCII
/// fallback for old clients and the exact name, UTF-8 percent-encoded (RFC 8187).
pub fn attachment(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

impl Storage {
    /// A link to `key` valid for `wanted` or until `credentials_expire`, whichever is first;
    /// opening it downloads the object under its own name.
    pub async fn share_link(
        &self,
        key: &str,
        wanted: Duration,
        credentials_expire: Option<SystemTime>,
    ) -> Result<ShareLink, StorageError> {
        keys::check_addressable(key)?;
        let now = self.now()?;
        let (valid_for, cut_short) = real_validity(now, wanted, credentials_expire);
        if valid_for < Duration::from_secs(1) {
            return Err(StorageError::ExpiredToken);
        }
        let presigning = presigning(now, valid_for)?;
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(attachment(keys::file_name(key)))
            .presigned(presigning)
            .await
            .map_err(|e| self.fail(key, e))?;
        let expires_at = now + valid_for;
        Ok(ShareLink {
            url: presigned.uri().to_owned(),
            expires_at_ms: expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            cut_short,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_durations_the_credentials_can_keep_are_offered() {
        let offered = [900, 3600, 43_200, 604_800];
        assert_eq!(
            honoured(&offered, Duration::from_secs(3600)),
            vec![900, 3600]
        );
        assert_eq!(
            honoured(&offered, Duration::from_secs(43_200)),
            vec![900, 3600, 43_200]
        );
        assert_eq!(honoured(&offered, Duration::from_secs(900)), vec![900]);
        // Shorter than every choice: the session's own length is the one choice.
        assert_eq!(honoured(&offered, Duration::from_secs(60)), vec![60]);
    }

    #[test]
    fn a_link_never_outlives_the_credentials_that_sign_it() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let hour = Duration::from_secs(3600);
        assert_eq!(
            real_validity(now, hour, Some(now + 2 * hour)),
            (hour, false)
        );
        assert_eq!(
            real_validity(now, 12 * hour, Some(now + hour)),
            (hour, true)
        );
        assert_eq!(
            real_validity(now, hour, Some(now - hour)),
            (Duration::ZERO, true)
        );
        assert_eq!(real_validity(now, hour, None), (hour, false));
        // SigV4's own limit.
        assert_eq!(
            real_validity(now, 30 * 24 * hour, None),
            (MAX_VALID_FOR, false)
        );
    }

    #[test]
    fn downloads_keep_the_real_name() {
        assert_eq!(
            attachment("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            attachment("Zürich \"Q1\" 😀.txt"),
            "attachment; filename=\"Z_rich _Q1_ _.txt\"; \
             filename*=UTF-8''Z%C3%BCrich%20%22Q1%22%20%F0%9F%98%80.txt"
        );
    }
}
