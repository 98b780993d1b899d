//! Rename and move. S3 has no rename: the object is copied to its new key — content type and
//! user metadata kept — and only then is the old key deleted, so a failure on the way leaves
//! the original in place. CopyObject takes objects up to 5 GiB; a larger one is copied in parts
//! (UploadPartCopy), planned like an upload; metadata edits and version restores use the same
//! path ([`Storage::copy_in_parts`]).

use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, MetadataDirective};

use super::edit::{Headers, with_headers};
use super::upload::{Plan, PlanError};
use super::{Storage, StorageError, keys};

/// The largest object one CopyObject copies.
pub const COPY_OBJECT_LIMIT: u64 = 5 << 30;
/// Part size for copies in parts: few requests, far from the 10,000-part limit.
const COPY_PART_SIZE: u64 = 512 << 20;

/// How an object of `size` bytes is copied: `None` in one CopyObject, else in these parts.
pub fn copy_plan(size: u64) -> Result<Option<Plan>, PlanError> {
    if size <= COPY_OBJECT_LIMIT {
        return Ok(None);
    }
    Plan::new(size, COPY_PART_SIZE).map(Some)
}

/// `x-amz-copy-source` of one version of a key: `?versionId=` appended, percent-encoded.
pub fn copy_source_version(bucket: &str, key: &str, version_id: &str) -> String {
    let mut out = copy_source(bucket, key);
    out.push_str("?versionId=");
    for b in version_id.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `x-amz-copy-source`: the bucket and the key, percent-encoded except `/` (S3 API reference,
/// CopyObject).
pub fn copy_source(bucket: &str, key: &str) -> String {
    let mut out = format!("{bucket}/");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where each object goes when the selected `files` and `folders` (full keys; a folder's ends
/// with `/`, `folder_keys` holds every key under each) move into `destination` (a folder key,
/// ending with `/`): a file keeps its name, a folder its name and everything under it.
pub fn move_targets(
    files: &[String],
    folder_keys: &[(String, Vec<String>)],
    destination: &str,
) -> Result<Vec<(String, String)>, RenameError> {
    let mut moves = Vec::new();
    for file in files {
        moves.push((
            file.clone(),
            format!("{destination}{}", keys::file_name(file)),
        ));
    }
    for (folder, under) in folder_keys {
        if destination.starts_with(folder.as_str()) {
            return Err(RenameError::IntoItself(folder.clone()));
        }
        let into = format!("{destination}{}/", keys::file_name(folder));
        for key in under {
            let rest = key.strip_prefix(folder.as_str()).unwrap_or(key);
            moves.push((key.clone(), format!("{into}{rest}")));
        }
    }
    // What stays where it is needs no copy.
    moves.retain(|(from, to)| from != to);
    Ok(moves)
}

/// Why a rename was not done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("there is already an object at {0}")]
    Exists(String),
    #[error("the new name is the old one")]
    Same,
    #[error("the folder {0} cannot be moved into itself")]
    IntoItself(String),
}

impl Storage {
    /// Moves `from` to `to` (both full keys in this user's home): copy, then delete.
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        keys::check_addressable(to)?;
        if from == to {
            return Err(StorageError::Rename(RenameError::Same));
        }
        if self.exists(to).await? {
            return Err(StorageError::Rename(RenameError::Exists(to.to_owned())));
        }
        let source = self.head(from).await?;
        let plan = copy_plan(source.size).map_err(StorageError::too_large)?;
        let copy_source = copy_source(&self.bucket, from);
        match plan {
            None => {
                self.client
                    .copy_object()
                    .bucket(&self.bucket)
                    .key(to)
                    .copy_source(&copy_source)
                    .metadata_directive(MetadataDirective::Copy)
                    .send()
                    .await
                    .map_err(|e| self.fail(to, e))?;
            }
            Some(plan) => {
                self.copy_in_parts(&copy_source, to, &plan, &Headers::of(&source), None)
                    .await?;
            }
        }
        self.delete(from).await
    }

    /// Copies `source` (an `x-amz-copy-source`) to `to` in the parts of `plan`
    /// (UploadPartCopy), the new object written with `headers` — a multipart upload copies no
    /// headers by itself. With `if_match`, each part is copied only while the source still has
    /// that ETag. A failure aborts the upload, so nothing is left behind.
    pub(crate) async fn copy_in_parts(
        &self,
        source: &str,
        to: &str,
        plan: &Plan,
        headers: &Headers,
        if_match: Option<&str>,
    ) -> Result<(), StorageError> {
        let create = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(to);
        let upload = with_headers!(create, headers)
            .send()
            .await
            .map_err(|e| self.fail(to, e))?;
        let upload_id = upload.upload_id().unwrap_or_default().to_owned();
        let mut parts = Vec::new();
        for number in 1..=plan.parts() {
            let range = plan.part_range(number);
            let part_number = i32::try_from(number).unwrap_or(i32::MAX);
            let copied = self
                .client
                .upload_part_copy()
                .bucket(&self.bucket)
                .key(to)
                .upload_id(&upload_id)
                .part_number(part_number)
                .copy_source(source)
                .set_copy_source_if_match(if_match.map(str::to_owned))
                .copy_source_range(format!("bytes={}-{}", range.start, range.end - 1))
                .send()
                .await;
            match copied {
                Ok(out) => parts.push(
                    CompletedPart::builder()
                        .part_number(part_number)
                        .set_e_tag(
                            out.copy_part_result()
                                .and_then(|r| r.e_tag())
                                .map(str::to_owned),
                        )
                        .build(),
                ),
                Err(e) => {
                    let _ = self.abort_multipart_upload(to, &upload_id).await;
                    return Err(self.fail(to, e));
                }
            }
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(to)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.fail(to, e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_5_gib_is_one_copy_above_it_parts() {
        assert_eq!(copy_plan(0), Ok(None));
        assert_eq!(copy_plan(COPY_OBJECT_LIMIT), Ok(None));
        let plan = copy_plan(COPY_OBJECT_LIMIT + 1)
            .expect("plan")
            .expect("parts");
        assert_eq!(plan.parts(), 11);
        assert_eq!(
            plan.part_range(11),
            (10 * COPY_PART_SIZE)..(COPY_OBJECT_LIMIT + 1)
        );
        let largest = copy_plan(5 << 40).expect("plan").expect("parts");
        assert!(largest.parts() <= 10_000);
    }

    #[test]
    fn several_move_with_their_names_and_folders_with_everything_under_them() {
        let files = vec!["users/a/x.txt".to_owned(), "users/a/y ü.txt".to_owned()];
        let folders = vec![(
            "users/a/photos/".to_owned(),
            vec![
                "users/a/photos/".to_owned(),
                "users/a/photos/2024/beach.jpg".to_owned(),
            ],
        )];
        assert_eq!(
            move_targets(&files, &folders, "users/a/archive/"),
            Ok(vec![
                ("users/a/x.txt".into(), "users/a/archive/x.txt".into()),
                ("users/a/y ü.txt".into(), "users/a/archive/y ü.txt".into()),
                ("users/a/photos/".into(), "users/a/archive/photos/".into()),
                (
                    "users/a/photos/2024/beach.jpg".into(),
                    "users/a/archive/photos/2024/beach.jpg".into()
                ),
            ])
        );
        assert_eq!(
            move_targets(&[], &folders, "users/a/photos/2024/"),
            Err(RenameError::IntoItself("users/a/photos/".into()))
        );
        // Into the folder they are in: nothing to do.
        assert_eq!(move_targets(&files, &[], "users/a/"), Ok(vec![]));
    }

    #[test]
    fn the_copy_source_is_encoded_but_keeps_slashes() {
        assert_eq!(
            copy_source("pail-demo", "users/alice/a b+c%ü?.txt"),
            "pail-demo/users/alice/a%20b%2Bc%25%C3%BC%3F.txt"
        );
        assert_eq!(
            copy_source_version("b", "users/a/x y", "3/L4kqtJl+cR=="),
            "b/users/a/x%20y?versionId=3%2FL4kqtJl%2BcR%3D%3D"
        );
    }
}
