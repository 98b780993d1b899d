//! Object keys: the user's home prefix, keys for new uploads, and names to show.

/// S3's limit on a key's length, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Why a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the name is empty")]
    Empty,
    #[error("the key would be {0} bytes long; S3 allows at most 1,024")]
    TooLong(usize),
    #[error("the sign-in carries no subject (sub), so there is no home folder")]
    NoSubject,
    /// A `sub` that would not name a folder of its own: with a `/` the home prefix nests
    /// inside another user's (`users/bob/evil/` is in `users/bob/`), and IAM matches the
    /// policy variable literally, so the store would let it in; `.`/`..` cannot be addressed.
    #[error(
        "the user id “{0}” contains “/” or is “.” or “..”, so it cannot name a folder of its own"
    )]
    UnsafeSubject(String),
    #[error("a folder name cannot contain \"/\"; create one folder, open it, then the next")]
    Slash,
    /// A `.` or `..` path segment: browsers resolve those in every URL they send (WHATWG URL
    /// standard, `%2e%2e` included), so the request would reach another key — S3 refuses it,
    /// since the signature was made for this one.
    #[error(
        "“{0}” cannot be a file or folder name here: browsers rewrite “.” and “..” in web \
         addresses, so S3 could not be reached at such a key"
    )]
    DotSegment(String),
}

/// Whether a browser can send a request for `key`: no `.` or `..` segment.
pub fn check_addressable(key: &str) -> Result<(), KeyError> {
    match key
        .split('/')
        .find(|segment| matches!(*segment, "." | ".."))
    {
        Some(segment) => Err(KeyError::DotSegment(segment.to_owned())),
        None => Ok(()),
    }
}

/// Whether `sub` can name a home folder of its own: not empty, no `/`, not `.` or `..`. The
/// role's trust policy refuses the same ids at STS (`StringNotLike` `<issuer>:sub` `*/*`), so
/// isolation does not rest on this check; it only says why before anything is sent.
pub fn check_subject(sub: &str) -> Result<(), KeyError> {
    if sub.is_empty() {
        return Err(KeyError::NoSubject);
    }
    if sub.contains('/') || matches!(sub, "." | "..") {
        return Err(KeyError::UnsafeSubject(sub.to_owned()));
    }
    Ok(())
}

/// The signed-in user's home prefix: the template with `{sub}` filled in.
pub fn home_prefix(
    template: &crate::config::PrefixTemplate,
    sub: &str,
) -> Result<String, KeyError> {
    check_subject(sub)?;
    Ok(template.as_str().replace("{sub}", sub))
}

/// The key for a file uploaded into `folder` (a full prefix ending in `/`). The name is used
/// as given — S3 keys are arbitrary UTF-8 — except that leading slashes are dropped, since
/// they would create an empty-named folder.
pub fn upload_key(folder: &str, name: &str) -> Result<String, KeyError> {
    let name = name.trim_start_matches('/');
    if name.is_empty() {
        return Err(KeyError::Empty);
    }
    let key = format!("{folder}{name}");
    if key.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLong(key.len()));
    }
    check_addressable(&key)?;
    Ok(key)
}

/// The placeholder key that makes an empty folder `name` exist inside `parent` (a prefix
/// ending in `/`): `parent` + `name` + `/`, a zero-byte object, as the S3 console creates them.
/// The name is trimmed of surrounding spaces; one level at a time.
pub fn folder_key(parent: &str, name: &str) -> Result<String, KeyError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(KeyError::Empty);
    }
    if name.contains('/') {
        return Err(KeyError::Slash);
    }
    if name == "." || name == ".." {
        return Err(KeyError::DotSegment(name.to_owned()));
    }
    let key = format!("{parent}{name}/");
    if key.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLong(key.len()));
    }
    Ok(key)
}

/// A name for "keep both": `key` with ` (n)` before its extension, for the smallest `n` from 1
/// that `taken` does not hold (`a.txt` → `a (1).txt`; `a (1).txt` → `a (2).txt`, counting on
/// from a number the name already has; `README` → `README (1)`; `.env` → `.env (1)`). Only the
/// last segment changes, so the file stays in its folder.
pub fn free_name(key: &str, taken: impl Fn(&str) -> bool) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    let folder = &key[..key.len() - name.len()];
    // The extension starts at the last dot that is not the first character (a dot-file's name
    // is all stem).
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    // `report (3)` goes on as `report (4)`, not `report (3) (1)`.
    let (base, start) = match stem.strip_suffix(')').and_then(|s| s.rsplit_once(" (")) {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (base, n.parse::<u64>().map_or(1, |n| n.saturating_add(1)))
        }
        _ => (stem, 1),
    };
    let mut n = start;
    loop {
        let candidate = format!("{folder}{base} ({n}){ext}");
        if !taken(&candidate) {
            return candidate;
        }
        n = n.saturating_add(1);
    }
}

/// What the list shows for `key` inside `folder`: the rest of the key. A key outside the folder
/// is shown whole.
pub fn display_name<'k>(folder: &str, key: &'k str) -> &'k str {
    key.strip_prefix(folder)
        .filter(|rest| !rest.is_empty())
        .unwrap_or(key)
}

/// The last segment of a key, for download file names.
pub fn file_name(key: &str) -> &str {
    key.trim_end_matches('/').rsplit('/').next().unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PrefixTemplate;

    #[test]
    fn dot_segments_cannot_be_sent_from_a_browser() {
        let f = "users/alice/";
        for (name, segment) in [
            ("..", ".."),
            (".", "."),
            ("../up.txt", ".."),
            ("./here.txt", "."),
            ("x/../y.txt", ".."),
            ("x/./y", "."),
        ] {
            assert_eq!(
                upload_key(f, name),
                Err(KeyError::DotSegment(segment.into())),
                "{name}"
            );
        }
        assert_eq!(check_addressable("users/alice/a..b/.c/d."), Ok(()));
        assert_eq!(
            check_addressable("users/alice/../bob/x"),
            Err(KeyError::DotSegment("..".into()))
        );
    }

    #[test]
    fn home_prefix_fills_sub() {
        let t = PrefixTemplate::parse("users/{sub}/").expect("valid");
        assert_eq!(home_prefix(&t, "alice").as_deref(), Ok("users/alice/"));
        assert_eq!(home_prefix(&t, ""), Err(KeyError::NoSubject));
    }

    #[test]
    fn a_subject_that_could_nest_gets_no_home() {
        let t = PrefixTemplate::parse("users/{sub}/").expect("valid");
        for sub in ["bob/evil", "bob/", "/bob", "a/../b", ".", ".."] {
            assert_eq!(
                home_prefix(&t, sub),
                Err(KeyError::UnsafeSubject(sub.into())),
                "{sub}"
            );
        }
        // Literal in keys and in IAM's matching: these stay in a prefix of their own.
        for sub in [
            "*",
            "?",
            "...",
            "alice%2Fx",
            "alice\u{2215}x",
            "alice\u{ff0f}x",
            "\u{430}lice",
            "alice-x",
            "auth0|5f7c8ec7c33c6c004bbafe82",
        ] {
            assert_eq!(home_prefix(&t, sub), Ok(format!("users/{sub}/")), "{sub}");
        }
    }

    #[test]
    fn upload_keys_keep_odd_names_exactly() {
        let f = "users/alice/";
        for name in [
            "a b.txt",
            "x+y%z#?&=.bin",
            "ünïcödé 😀.md",
            "...",
            "dots..in..name",
            ".hidden",
            "dir/inner.txt",
        ] {
            assert_eq!(upload_key(f, name), Ok(format!("{f}{name}")));
        }
        assert_eq!(upload_key(f, "/lead"), Ok("users/alice/lead".into()));
        assert_eq!(upload_key(f, "///"), Err(KeyError::Empty));
    }

    #[test]
    fn key_length_limit_is_in_bytes() {
        let f = "users/alice/";
        let fits = "a".repeat(MAX_KEY_BYTES - f.len());
        assert!(upload_key(f, &fits).is_ok());
        // 'é' is two bytes in UTF-8.
        let too_long = "é".repeat(507);
        assert_eq!(
            upload_key(f, &too_long),
            Err(KeyError::TooLong(f.len() + 1014))
        );
    }

    #[test]
    fn folder_keys_are_one_level_with_a_slash() {
        let f = "users/alice/";
        assert_eq!(
            folder_key(f, " trips 2024 "),
            Ok("users/alice/trips 2024/".into())
        );
        assert_eq!(folder_key(f, "ünï 😀"), Ok("users/alice/ünï 😀/".into()));
        assert_eq!(folder_key(f, "  "), Err(KeyError::Empty));
        assert_eq!(folder_key(f, "a/b"), Err(KeyError::Slash));
        assert_eq!(folder_key(f, ".."), Err(KeyError::DotSegment("..".into())));
        assert_eq!(folder_key(f, "..."), Ok("users/alice/.../".into()));
        let long = "x".repeat(MAX_KEY_BYTES);
        assert_eq!(
            folder_key(f, &long),
            Err(KeyError::TooLong(f.len() + MAX_KEY_BYTES + 1))
        );
    }

    #[test]
    fn keep_both_takes_the_next_free_number() {
        let none = |_: &str| false;
        let f = "users/alice/";
        assert_eq!(
            free_name(&format!("{f}a.txt"), none),
            format!("{f}a (1).txt")
        );
        assert_eq!(
            free_name(&format!("{f}a (1).txt"), none),
            format!("{f}a (2).txt")
        );
        assert_eq!(
            free_name(&format!("{f}a (9).txt"), none),
            format!("{f}a (10).txt")
        );
        assert_eq!(
            free_name(&format!("{f}README"), none),
            format!("{f}README (1)")
        );
        assert_eq!(free_name(&format!("{f}.env"), none), format!("{f}.env (1)"));
        assert_eq!(
            free_name(&format!("{f}.config.json"), none),
            format!("{f}.config (1).json")
        );
        assert_eq!(
            free_name(&format!("{f}photos/2024/img.jpeg"), none),
            format!("{f}photos/2024/img (1).jpeg")
        );
        // A dot in a folder's name is not an extension.
        assert_eq!(
            free_name(&format!("{f}v1.2/notes"), none),
            format!("{f}v1.2/notes (1)")
        );
        // Not a number in brackets: a name of its own.
        assert_eq!(
            free_name(&format!("{f}a (x).txt"), none),
            format!("{f}a (x) (1).txt")
        );
        assert_eq!(
            free_name(&format!("{f}a ().txt"), none),
            format!("{f}a () (1).txt")
        );
        assert_eq!(free_name("a.txt", none), "a (1).txt");

        // The next number that nothing holds, in the store or in the same batch.
        let taken = [
            format!("{f}a (1).txt"),
            format!("{f}a (2).txt"),
            format!("{f}a (4).txt"),
        ];
        let is_taken = |k: &str| taken.iter().any(|t| t == k);
        assert_eq!(
            free_name(&format!("{f}a.txt"), is_taken),
            format!("{f}a (3).txt")
        );
        assert_eq!(
            free_name(&format!("{f}a (2).txt"), is_taken),
            format!("{f}a (3).txt")
        );
    }

    #[test]
    fn display_and_file_names() {
        assert_eq!(
            display_name("users/alice/", "users/alice/a/b.txt"),
            "a/b.txt"
        );
        assert_eq!(display_name("users/alice/", "users/bob/x"), "users/bob/x");
        assert_eq!(display_name("users/alice/", "users/alice/"), "users/alice/");
        assert_eq!(file_name("users/alice/a/b.txt"), "b.txt");
        assert_eq!(file_name("users/alice/photos/"), "photos");
    }
}
