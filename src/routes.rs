//! The app's URLs. The route carries the state a user may want to bookmark, share or go
//! back to: the open folder (`path`) and the object whose details are shown (`key`).

use url::form_urlencoded;

use crate::text;

/// Where sign-in returns to.
pub const CALLBACK: &str = "/callback";

/// The setup doctor.
pub const DOCTOR: &str = "/doctor";

/// `/?path=…&key=…`, with both values percent-encoded (keys may hold `&`, `#`, `+`, `%`…).
pub fn files_href(path: Option<&str>, key: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(p) = path {
        query.append_pair("path", p);
    }
    if let Some(k) = key {
        query.append_pair("key", k);
    }
    let query = query.finish();
    if query.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{query}")
    }
}

/// The folders from `home` down to `folder`, as (label, prefix) pairs; `home` is labelled
/// [`text::HOME`] ("My files"). A folder outside home is shown as one crumb.
/// The folder above `folder`, or `None` at (or outside) the user's `home`.
pub fn parent_folder(home: &str, folder: &str) -> Option<String> {
    if folder == home || !folder.starts_with(home) {
        return None;
    }
    let inner = folder.strip_suffix('/').unwrap_or(folder);
    let cut = inner.rfind('/').map_or(0, |i| i + 1);
    Some(inner[..cut].to_owned()).filter(|p| p.len() >= home.len())
}

pub fn breadcrumbs(home: &str, folder: &str) -> Vec<(String, String)> {
    let mut crumbs = vec![(text::HOME.to_owned(), home.to_owned())];
    let Some(rest) = folder.strip_prefix(home) else {
        crumbs.push((folder.to_owned(), folder.to_owned()));
        return crumbs;
    };
    let mut prefix = home.to_owned();
    for part in rest.split_terminator('/') {
        prefix.push_str(part);
        prefix.push('/');
        crumbs.push((part.to_owned(), prefix.clone()));
    }
    crumbs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_encode_everything() {
        assert_eq!(files_href(None, None), "/");
        assert_eq!(
            files_href(Some("users/a/"), Some("users/a/x&y=#z+ %.txt")),
            "/?path=users%2Fa%2F&key=users%2Fa%2Fx%26y%3D%23z%2B+%25.txt"
        );
        let parsed: Vec<(String, String)> = form_urlencoded::parse(
            files_href(None, Some("ü 😀/+"))
                .trim_start_matches("/?")
                .as_bytes(),
        )
        .into_owned()
        .collect();
        assert_eq!(parsed, [("key".to_owned(), "ü 😀/+".to_owned())]);
    }

    #[test]
    fn crumbs_walk_down_from_home() {
        assert_eq!(
            breadcrumbs("users/a/", "users/a/photos/2024/"),
            [
                ("My files".to_owned(), "users/a/".to_owned()),
                ("photos".to_owned(), "users/a/photos/".to_owned()),
                ("2024".to_owned(), "users/a/photos/2024/".to_owned()),
            ]
        );
        assert_eq!(breadcrumbs("users/a/", "users/a/").len(), 1);
        assert_eq!(breadcrumbs("users/a/", "users/b/")[1].1, "users/b/");
    }

    #[test]
    fn the_parent_folder_stops_at_home() {
        let p = |f: &str| parent_folder("users/a/", f);
        assert_eq!(
            p("users/a/photos/2024/").as_deref(),
            Some("users/a/photos/")
        );
        assert_eq!(p("users/a/photos/").as_deref(), Some("users/a/"));
        assert_eq!(p("users/a/x//").as_deref(), Some("users/a/x/"));
        assert_eq!(p("users/a/"), None);
        assert_eq!(p("users/b/x/"), None);
    }
}
