//! Object versions, where the bucket keeps them: list one object's versions, restore one (a
//! copy of it becomes the current version, its type and metadata with it), and the presigned
//! download of an object or of one of its versions.
//!
//! Whether a bucket is versioned is read from what HeadObject already returns (the object's
//! version id), not from GetBucketVersioning, which users' roles usually may not call.

use std::time::Duration;

use aws_sdk_s3::types::MetadataDirective;

use super::edit::Headers;
use super::rename::{COPY_OBJECT_LIMIT, copy_plan, copy_source_version};
use super::share::attachment;
use super::upload::requests::presigning;
use super::{ObjectMetadata, Storage, StorageError, epoch_ms, keys};

/// How long a download link is valid: it is used at once, by this browser.
const DOWNLOAD_VALID_FOR: Duration = Duration::from_secs(120);
/// ListObjectVersions pages read for one object at most (1,000 versions each).
const MAX_PAGES: usize = 10;

/// One version of an object, or a delete marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub version_id: String,
    /// The current version (S3's `IsLatest`).
    pub latest: bool,
    /// A delete marker: the object was deleted at this point; it has no bytes.
    pub delete_marker: bool,
    /// Milliseconds since the Unix epoch.
    pub last_modified_ms: Option<i64>,
    pub size: Option<u64>,
    pub etag: Option<String>,
}

/// Does the bucket keep versions? A versioned bucket gives every object a version id; one that
/// never had versioning gives none, and one with versioning suspended gives new writes `null`.
pub fn is_versioned(version_id: Option<&str>) -> bool {
    version_id.is_some_and(|v| !v.is_empty() && v != "null")
}

/// The versions of exactly `key`, newest first, from ListObjectVersions entries
/// `(key, version)` — with `Prefix = key`, S3 also lists longer keys that start with it
/// (`a.txt.bak`), and it lists versions and delete markers separately.
pub fn shape(key: &str, listed: impl IntoIterator<Item = (String, Version)>) -> Vec<Version> {
    let mut out: Vec<Version> = listed
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect();
    // The current one first, then by time; S3's own order for equal times (stable sort).
    out.sort_by(|a, b| {
        b.latest
            .cmp(&a.latest)
            .then(b.last_modified_ms.cmp(&a.last_modified_ms))
    });
    out
}

impl Storage {
    /// The versions of `key`, newest first (empty if the bucket does not keep versions).
    pub async fn versions(&self, key: &str) -> Result<Vec<Version>, StorageError> {
        keys::check_addressable(key)?;
        let mut listed = Vec::new();
        let (mut key_marker, mut version_marker) = (None, None);
        for _ in 0..MAX_PAGES {
            let out = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(key)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(|e| self.fail(key, e))?;
            listed.extend(out.versions().iter().filter_map(|v| {
                Some((
                    v.key()?.to_owned(),
                    Version {
                        version_id: v.version_id()?.to_owned(),
                        latest: v.is_latest().unwrap_or(false),
                        delete_marker: false,
                        last_modified_ms: v.last_modified().and_then(epoch_ms),
                        size: v.size().and_then(|s| u64::try_from(s).ok()),
                        etag: v.e_tag().map(str::to_owned),
                    },
                ))
            }));
            listed.extend(out.delete_markers().iter().filter_map(|m| {
                Some((
                    m.key()?.to_owned(),
                    Version {
                        version_id: m.version_id()?.to_owned(),
                        latest: m.is_latest().unwrap_or(false),
                        delete_marker: true,
                        last_modified_ms: m.last_modified().and_then(epoch_ms),
                        size: None,
                        etag: None,
                    },
                ))
            }));
            // Keys are listed in order: once the next page starts past `key`, it is done.
            let next_is_this_key = out.next_key_marker() == Some(key);
            if !out.is_truncated().unwrap_or(false) || !next_is_this_key {
                break;
            }
            key_marker = out.next_key_marker().map(str::to_owned);
            version_marker = out.next_version_id_marker().map(str::to_owned);
        }
        Ok(shape(key, listed))
    }

    /// Makes `version` of `key` the current version again: a copy of it, with its content
    /// type and metadata, becomes the newest version. The versions after it stay.
    pub async fn restore_version(&self, key: &str, version: &Version) -> Result<(), StorageError> {
        keys::check_addressable(key)?;
        let source = copy_source_version(&self.bucket, key, &version.version_id);
        if version.size.unwrap_or(0) > COPY_OBJECT_LIMIT {
            let old = self.head_version(key, Some(&version.version_id)).await?;
            let plan = copy_plan(old.size)
                .map_err(StorageError::too_large)?
                .ok_or_else(|| StorageError::too_large("no copy plan"))?;
            return self
                .copy_in_parts(&source, key, &plan, &Headers::of(&old), None)
                .await;
        }
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(key)
            .copy_source(source)
            .metadata_directive(MetadataDirective::Copy)
            .send()
            .await
            .map_err(|e| self.fail(key, e))?;
        Ok(())
    }

    /// A link that downloads `key` (or one version of it) under its own name, unicode
    /// included, straight from S3 to the browser's downloads — the bytes never pass through
    /// the app. Valid for two minutes: it is opened at once.
    pub async fn download_url(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<String, StorageError> {
        keys::check_addressable(key)?;
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version_id.map(str::to_owned))
            .response_content_disposition(attachment(keys::file_name(key)))
            .presigned(presigning(self.now()?, DOWNLOAD_VALID_FOR)?)
            .await
            .map_err(|e| self.fail(key, e))?;
        Ok(presigned.uri().to_owned())
    }

    /// HeadObject of one version (`None`: the current one).
    pub async fn head_version(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<ObjectMetadata, StorageError> {
        self.head_of(key, version_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: &str, latest: bool, marker: bool, ms: i64) -> Version {
        Version {
            version_id: id.into(),
            latest,
            delete_marker: marker,
            last_modified_ms: Some(ms),
            size: (!marker).then_some(3),
            etag: None,
        }
    }

    #[test]
    fn versioning_is_read_from_the_version_id() {
        assert!(is_versioned(Some("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")));
        assert!(!is_versioned(Some("null")));
        assert!(!is_versioned(Some("")));
        assert!(!is_versioned(None));
    }

    #[test]
    fn only_the_key_itself_newest_first_markers_kept() {
        let listed = vec![
            ("a.txt".to_owned(), v("v1", false, false, 100)),
            ("a.txt".to_owned(), v("v3", false, false, 300)),
            ("a.txt.bak".to_owned(), v("b1", true, false, 500)),
            // Markers come in their own list, after the versions.
            ("a.txt".to_owned(), v("m2", false, true, 200)),
            ("a.txt".to_owned(), v("m4", true, true, 400)),
        ];
        let ids: Vec<(String, bool, bool)> = shape("a.txt", listed)
            .into_iter()
            .map(|v| (v.version_id, v.latest, v.delete_marker))
            .collect();
        assert_eq!(
            ids,
            [
                ("m4".into(), true, true),
                ("v3".into(), false, false),
                ("m2".into(), false, true),
                ("v1".into(), false, false),
            ]
        );
        assert!(shape("b.txt", vec![("a.txt".to_owned(), v("x", true, false, 1))]).is_empty());
    }

    #[test]
    fn the_current_version_comes_first_even_with_equal_times() {
        let listed = vec![
            ("k".to_owned(), v("old", false, false, 100)),
            ("k".to_owned(), v("new", true, false, 100)),
        ];
        assert_eq!(shape("k", listed)[0].version_id, "new");
    }
}
