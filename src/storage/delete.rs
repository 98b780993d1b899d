//! Deleting many objects: every key under the chosen folders, then DeleteObjects in batches of
//! at most 1,000 keys (S3's limit per request), and a report of what was and was not deleted.
//!
//! S3 answers DeleteObjects per key, so one request can partly fail; a request that fails as a
//! whole (access denied, the network) fails every key in it. Either way the other batches go
//! on and the report names each key that is still there, with S3's reason.

use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::{Storage, StorageError};

/// S3's maximum number of keys in one DeleteObjects request.
pub const MAX_KEYS_PER_DELETE: usize = 1000;

/// The requests a delete of `keys` takes, each at most [`MAX_KEYS_PER_DELETE`] keys, in order.
pub fn batches(keys: &[String]) -> std::slice::Chunks<'_, String> {
    keys.chunks(MAX_KEYS_PER_DELETE)
}

/// A key that was not deleted, and why (S3's error code and message, or the request's error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDeleted {
    pub key: String,
    pub reason: String,
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteReport {
    /// How many keys were asked for.
    pub requested: usize,
    pub deleted: usize,
    pub not_deleted: Vec<NotDeleted>,
}

impl DeleteReport {
    /// Adds one request's outcome: `errors` are S3's per-key errors (key, code, message) of a
    /// request that went through; everything else in `batch` was deleted.
    pub fn add_batch(&mut self, batch: &[String], errors: Vec<(String, String, String)>) {
        self.requested += batch.len();
        let failed: Vec<NotDeleted> = errors
            .into_iter()
            .filter(|(key, _, _)| batch.contains(key))
            .map(|(key, code, message)| NotDeleted {
                key,
                reason: if message.is_empty() {
                    code
                } else {
                    format!("{code}: {message}")
                },
            })
            .collect();
        self.deleted += batch.len() - failed.len();
        self.not_deleted.extend(failed);
    }

    /// Adds a request that failed as a whole: none of `batch` was deleted.
    pub fn add_failed_batch(&mut self, batch: &[String], error: &StorageError) {
        self.requested += batch.len();
        let reason = error.to_string();
        self.not_deleted.extend(batch.iter().map(|key| NotDeleted {
            key: key.clone(),
            reason: reason.clone(),
        }));
    }

    pub fn all_deleted(&self) -> bool {
        self.not_deleted.is_empty() && self.deleted == self.requested
    }
}

impl Storage {
    /// Every key under `prefix`, sub-folders included (ListObjectsV2 without a delimiter, all
    /// pages); `progress` hears the count after each page.
    pub async fn keys_under(
        &self,
        prefix: &str,
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<String>, StorageError> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| self.fail(prefix, e))?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            progress(keys.len());
            token = out
                .next_continuation_token()
                .map(str::to_owned)
                .filter(|_| out.is_truncated().unwrap_or(false));
            if token.is_none() {
                return Ok(keys);
            }
        }
    }

    /// Deletes `keys` with DeleteObjects, [`MAX_KEYS_PER_DELETE`] at a time, one request after
    /// another; `progress` hears the report so far after each.
    pub async fn delete_keys(
        &self,
        keys: &[String],
        mut progress: impl FnMut(&DeleteReport),
    ) -> DeleteReport {
        let mut report = DeleteReport::default();
        let mut one_by_one = false;
        for batch in batches(keys) {
            let outcome = if one_by_one {
                Ok(self.delete_each(batch).await)
            } else {
                self.delete_batch(batch).await
            };
            match outcome {
                Ok(errors) => report.add_batch(batch, errors),
                // A store that checks DeleteObjects against the bucket, not each key (Ceph
                // RGW 16), refuses it as a whole where the user may delete every key one by
                // one; so do the rest of the batches.
                Err(StorageError::AccessDenied { .. }) => {
                    one_by_one = true;
                    report.add_batch(batch, self.delete_each(batch).await);
                }
                Err(error) => report.add_failed_batch(batch, &error),
            }
            progress(&report);
        }
        report
    }

    /// Deletes each key with its own DeleteObject; returns the keys that were not deleted, as
    /// (key, code, message) like DeleteObjects' errors.
    async fn delete_each(&self, batch: &[String]) -> Vec<(String, String, String)> {
        let mut errors = Vec::new();
        for key in batch {
            if let Err(e) = self.delete(key).await {
                let code = match &e {
                    StorageError::AccessDenied { .. } => "AccessDenied".to_owned(),
                    StorageError::Other { code, .. } => code.clone(),
                    _ => "Error".to_owned(),
                };
                errors.push((key.clone(), code, e.to_string()));
            }
        }
        errors
    }

    async fn delete_batch(
        &self,
        batch: &[String],
    ) -> Result<Vec<(String, String, String)>, StorageError> {
        let objects = batch
            .iter()
            .map(|key| ObjectIdentifier::builder().key(key).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| build_error(&e))?;
        // Quiet: S3 lists only the keys it could not delete, not a line per deleted key.
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| build_error(&e))?;
        let first = batch.first().map_or("", String::as_str);
        let out = self
            .client
            .delete_objects()
            .bucket(&self.bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| self.fail(first, e))?;
        Ok(out
            .errors()
            .iter()
            .map(|e| {
                (
                    e.key().unwrap_or_default().to_owned(),
                    e.code().unwrap_or("Error").to_owned(),
                    e.message().unwrap_or_default().to_owned(),
                )
            })
            .collect())
    }
}

/// The SDK's builders fail only when a required field is missing, which the code above always
/// sets; keep the sentence anyway rather than panic.
fn build_error(e: &aws_smithy_types::error::operation::BuildError) -> StorageError {
    StorageError::Other {
        status: 0,
        code: "BuildError".to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u/f/{i:05}")).collect()
    }

    #[test]
    fn batches_hold_at_most_a_thousand_keys_and_cover_all_in_order() {
        for n in [0, 1, 999, 1000, 1001, 2502, 100_000] {
            let all = keys(n);
            let sizes: Vec<usize> = batches(&all).map(<[String]>::len).collect();
            assert!(
                sizes.iter().all(|&s| (1..=1000).contains(&s)),
                "{n}: {sizes:?}"
            );
            assert_eq!(sizes.len(), n.div_ceil(1000), "{n}");
            let rejoined: Vec<String> = batches(&all).flatten().cloned().collect();
            assert_eq!(rejoined, all);
        }
    }

    #[test]
    fn report_counts_per_key_errors_and_whole_failed_requests() {
        let all = keys(2502);
        let mut report = DeleteReport::default();
        let mut parts = batches(&all);
        let first = parts.next().expect("three batches");
        report.add_batch(first, vec![]);
        let second = parts.next().expect("three batches");
        report.add_batch(
            second,
            vec![
                (
                    "u/f/01001".into(),
                    "AccessDenied".into(),
                    "Access Denied".into(),
                ),
                // Not in this batch: S3 would never say so, and it must not count.
                ("elsewhere".into(), "AccessDenied".into(), String::new()),
            ],
        );
        let third = parts.next().expect("three batches");
        report.add_failed_batch(third, &StorageError::ExpiredToken);
        assert_eq!(report.requested, 2502);
        assert_eq!(report.deleted, 1999);
        assert_eq!(report.not_deleted.len(), 503);
        assert_eq!(
            report.not_deleted[0],
            NotDeleted {
                key: "u/f/01001".into(),
                reason: "AccessDenied: Access Denied".into()
            }
        );
        assert_eq!(report.not_deleted[1].reason, "the AWS session has expired");
        assert!(!report.all_deleted());
        let mut clean = DeleteReport::default();
        clean.add_batch(&all[..3], vec![]);
        assert!(clean.all_deleted());
    }
}
