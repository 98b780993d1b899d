//! Editing an object's user metadata (`x-amz-meta-*`). S3 cannot change metadata in place: the
//! object is copied onto itself with `MetadataDirective: REPLACE`, and REPLACE replaces the
//! system headers too — whatever the request does not give again is gone. So the content type,
//! `Cache-Control`, `Content-Disposition`, `Content-Encoding`, `Content-Language` and `Expires`
//! the object had are given again ([`Headers::replacing`]). The copy is guarded with
//! `x-amz-copy-source-if-match` = the ETag the user was shown: if someone changed the object
//! meanwhile, S3 answers 412 and nothing is overwritten. Objects above 5 GiB, which CopyObject
//! does not take, are copied in parts ([`super::rename`]).
//!
//! Not here: how the values travel in headers ([`super::metadata`]).

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use aws_sdk_s3::types::MetadataDirective;

use super::rename::{COPY_OBJECT_LIMIT, copy_plan, copy_source};
use super::{ObjectMetadata, Storage, StorageError, keys, metadata};

/// S3's limit on user metadata: the names and values of all `x-amz-meta-*` headers together.
pub const USER_METADATA_LIMIT: usize = 2048;

/// The headers an object is written with by a copy that replaces its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers {
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    /// An HTTP date, as S3 sent it.
    pub expires: Option<String>,
    /// Given again only when it is not the default (a REPLACE copy would make it STANDARD).
    pub storage_class: Option<String>,
    /// User metadata: names without `x-amz-meta-`, values as the user typed them.
    pub user: BTreeMap<String, String>,
}

impl Headers {
    /// What `meta` had, with `user` as its user metadata.
    pub fn replacing(meta: &ObjectMetadata, user: BTreeMap<String, String>) -> Self {
        Self {
            content_type: meta.content_type.clone(),
            cache_control: meta.cache_control.clone(),
            content_disposition: meta.content_disposition.clone(),
            content_encoding: meta.content_encoding.clone(),
            content_language: meta.content_language.clone(),
            expires: meta.expires.clone(),
            storage_class: meta
                .storage_class
                .clone()
                .filter(|c| !c.eq_ignore_ascii_case("STANDARD")),
            user,
        }
    }

    /// Everything `meta` had, user metadata included (a copy in parts writes a new object,
    /// which gets only the headers it is given).
    pub fn of(meta: &ObjectMetadata) -> Self {
        Self::replacing(meta, meta.user.clone())
    }

    /// `Expires` for the SDK, which takes a time; an unreadable value cannot be sent again.
    pub fn expires_time(&self) -> Option<DateTime> {
        self.expires
            .as_deref()
            .and_then(|e| DateTime::from_str(e.trim(), DateTimeFormat::HttpDate).ok())
    }

    /// The user metadata in its header-safe form, as the SDK's `metadata` wants it.
    pub fn encoded_user(&self) -> std::collections::HashMap<String, String> {
        metadata::encode_all(&self.user)
    }
}

/// Gives a request the system headers and user metadata of [`Headers`]: a REPLACE copy, and
/// the CreateMultipartUpload of a copy in parts. Their builders are different types with the
/// same setters, hence a macro.
macro_rules! with_headers {
    ($builder:expr, $headers:expr) => {{
        let headers: &$crate::storage::edit::Headers = $headers;
        $builder
            .set_content_type(headers.content_type.clone())
            .set_cache_control(headers.cache_control.clone())
            .set_content_disposition(headers.content_disposition.clone())
            .set_content_encoding(headers.content_encoding.clone())
            .set_content_language(headers.content_language.clone())
            .set_expires(headers.expires_time())
            .set_storage_class(headers.storage_class.as_deref().map(Into::into))
            .set_metadata(Some(headers.encoded_user()))
    }};
}
pub(crate) use with_headers;

/// Why an edit was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("{0}")]
    Name(String),
    #[error("x-amz-meta-{0} is listed twice")]
    Duplicate(String),
    /// The browser could not read the entry back: the bucket's CORS rules expose only the
    /// names in the app's `metadata_keys` setting.
    #[error("x-amz-meta-{name} is not one of the names this app can read back ({known})")]
    NotReadable { name: String, known: String },
    #[error(
        "user metadata is limited to {USER_METADATA_LIMIT} bytes by S3; these entries take {0}"
    )]
    TooLarge(usize),
    /// The details were read without an ETag (the bucket's CORS rules hide it), so a concurrent
    /// change could not be detected.
    #[error("the object's ETag is not visible to the browser")]
    NoEtag,
}

/// The rows of the editor (name, value) as the user metadata to save: names normalised
/// (lowercase, trimmed), rows with neither name nor value ignored, and only `readable` names
/// (the app's `metadata_keys`) allowed, since an entry the browser cannot read back would be
/// invisible afterwards — and dropped by the next edit.
pub fn entries(
    rows: &[(String, String)],
    readable: &[String],
) -> Result<BTreeMap<String, String>, EditError> {
    let mut out = BTreeMap::new();
    for (name, value) in rows {
        if name.trim().is_empty() && value.is_empty() {
            continue;
        }
        let name = metadata::normalize_key(name).map_err(EditError::Name)?;
        if !readable.iter().any(|k| k == &name) {
            return Err(EditError::NotReadable {
                name,
                known: readable.join(", "),
            });
        }
        if out.insert(name.clone(), value.clone()).is_some() {
            return Err(EditError::Duplicate(name));
        }
    }
    let size: usize = metadata::encode_all(&out)
        .iter()
        .map(|(k, v)| "x-amz-meta-".len() + k.len() + v.len())
        .sum();
    if size > USER_METADATA_LIMIT {
        return Err(EditError::TooLarge(size));
    }
    Ok(out)
}

impl Storage {
    /// Replaces the user metadata of `shown.key` with `user`, keeping its content type and
    /// other system headers — only if the object is still the one `shown` describes (its ETag).
    pub async fn save_metadata(
        &self,
        shown: &ObjectMetadata,
        user: BTreeMap<String, String>,
    ) -> Result<(), StorageError> {
        let key = shown.key.as_str();
        keys::check_addressable(key)?;
        let etag = shown
            .etag
            .clone()
            .ok_or(StorageError::Edit(EditError::NoEtag))?;
        let headers = Headers::replacing(shown, user);
        let source = copy_source(&self.bucket, key);
        let changed = |e: StorageError| match e {
            StorageError::PreconditionFailed { .. } => StorageError::Changed {
                key: key.to_owned(),
            },
            e => e,
        };
        if shown.size > COPY_OBJECT_LIMIT {
            let plan = copy_plan(shown.size)
                .map_err(StorageError::too_large)?
                .ok_or_else(|| StorageError::too_large("no copy plan"))?;
            return self
                .copy_in_parts(&source, key, &plan, &headers, Some(&etag))
                .await
                .map_err(changed);
        }
        let copy = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(key)
            .copy_source(source)
            .copy_source_if_match(&etag)
            .metadata_directive(MetadataDirective::Replace);
        // Ceph RGW ignores `x-amz-copy-source-if-match` and honours only its older
        // `x-amz-copy-if-match`: a store at a custom endpoint gets both (signed: the request is
        // changed before signing), so the guard holds there too. AWS gets the standard one only.
        let legacy = self.custom_endpoint.then(|| etag.clone());
        with_headers!(copy, &headers)
            .customize()
            .mutate_request(move |request| {
                if let Some(etag) = &legacy {
                    request
                        .headers_mut()
                        .insert("x-amz-copy-if-match", etag.clone());
                }
            })
            .send()
            .await
            .map_err(|e| changed(self.fail(key, e)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> ObjectMetadata {
        ObjectMetadata {
            key: "users/alice/a.txt".into(),
            size: 3,
            content_type: Some("text/markdown; charset=utf-8".into()),
            etag: Some("\"abc\"".into()),
            cache_control: Some("max-age=60".into()),
            content_disposition: Some("inline".into()),
            content_encoding: Some("gzip".into()),
            content_language: Some("de-CH".into()),
            expires: Some("Wed, 21 Oct 2026 07:28:00 GMT".into()),
            storage_class: Some("STANDARD".into()),
            user: BTreeMap::from([("description".into(), "old".into())]),
            ..ObjectMetadata::default()
        }
    }

    #[test]
    fn replace_carries_the_system_headers_over() {
        let user = BTreeMap::from([("project".into(), "Zürich".into())]);
        let h = Headers::replacing(&meta(), user.clone());
        assert_eq!(
            h.content_type.as_deref(),
            Some("text/markdown; charset=utf-8")
        );
        assert_eq!(h.cache_control.as_deref(), Some("max-age=60"));
        assert_eq!(h.content_disposition.as_deref(), Some("inline"));
        assert_eq!(h.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(h.content_language.as_deref(), Some("de-CH"));
        assert_eq!(
            h.expires_time().map(|t| t.secs()),
            Some(1_792_567_680),
            "Expires read as a time"
        );
        // STANDARD is the default: not sent. Another class is.
        assert_eq!(h.storage_class, None);
        let glacier = ObjectMetadata {
            storage_class: Some("GLACIER_IR".into()),
            ..meta()
        };
        assert_eq!(
            Headers::of(&glacier).storage_class.as_deref(),
            Some("GLACIER_IR")
        );
        // The user metadata is the new one, encoded for headers.
        assert_eq!(h.user, user);
        assert_eq!(
            h.encoded_user().get("project").map(String::as_str),
            Some("=?UTF-8?B?WsO8cmljaA==?=")
        );
        assert_eq!(Headers::of(&meta()).user, meta().user);
    }

    #[test]
    fn an_unreadable_expires_is_not_sent() {
        let h = Headers {
            expires: Some("0".into()),
            ..Headers::default()
        };
        assert_eq!(h.expires_time(), None);
    }

    fn rows(r: &[(&str, &str)]) -> Vec<(String, String)> {
        r.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn editor_rows_become_user_metadata() {
        let readable = vec!["description".to_owned(), "project".to_owned()];
        assert_eq!(
            entries(
                &rows(&[
                    (" Description ", " kept as typed "),
                    ("", ""),
                    ("project", "")
                ]),
                &readable
            ),
            Ok(BTreeMap::from([
                ("description".into(), " kept as typed ".into()),
                ("project".into(), String::new()),
            ]))
        );
        assert_eq!(entries(&[], &readable), Ok(BTreeMap::new()));
        assert_eq!(
            entries(&rows(&[("project", "a"), ("PROJECT", "b")]), &readable),
            Err(EditError::Duplicate("project".into()))
        );
        assert!(matches!(
            entries(&rows(&[("", "a value without a name")]), &readable),
            Err(EditError::Name(_))
        ));
        assert!(matches!(
            entries(&rows(&[("has space", "x")]), &readable),
            Err(EditError::Name(_))
        ));
        assert_eq!(
            entries(&rows(&[("secret", "x")]), &readable),
            Err(EditError::NotReadable {
                name: "secret".into(),
                known: "description, project".into()
            })
        );
        let long = "ü".repeat(800); // 1,600 bytes, more once encoded
        assert!(matches!(
            entries(&rows(&[("description", &long)]), &readable),
            Err(EditError::TooLarge(n)) if n > USER_METADATA_LIMIT
        ));
    }
}
