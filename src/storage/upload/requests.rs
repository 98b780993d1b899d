//! The S3 requests of an upload: multipart create/list/complete/abort through the SDK, and the
//! part and single-object PUTs built by the SDK and signed for the browser to send the bytes
//! itself, straight from the `File` (see the module documentation of `super` for why).
//!
//! Those PUTs are signed in their *headers*, not in the query as a presigned URL is: a store
//! may check a query signature on the CORS preflight, which carries none of the signed headers
//! (`x-amz-checksum-crc32`), and refuse it — Ceph RGW 16 does, so every upload failed there.
//! A preflight of a URL without `X-Amz-Signature` passes everywhere.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumType, CompletedMultipartUpload, CompletedPart};

use super::checksum::{crc32_base64, parse_crc32_base64};
use crate::storage::metadata;
use crate::storage::{Storage, StorageError, epoch_ms};

/// How long a presigned part URL is valid. Each is made just before its part is sent (and
/// again for a retry), so this only has to outlast a slow start; S3 checks it when the
/// request arrives, not when its body ends.
const PRESIGNED_FOR: Duration = Duration::from_secs(15 * 60);

/// What an uploaded object is: its key, content type and user metadata (names without
/// `x-amz-meta-`, values as the user typed them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectInfo {
    pub key: String,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// Store it only where no object is (`If-None-Match: *` on PutObject and
    /// CompleteMultipartUpload): the user did not choose to replace anything, and a file that
    /// someone else creates at the key meanwhile stays.
    pub if_absent: bool,
}

impl ObjectInfo {
    fn encoded_metadata(&self) -> Option<std::collections::HashMap<String, String>> {
        Some(metadata::encode_all(&self.metadata))
    }
}

/// A request signed for the browser to send: every header listed here must be sent as it is,
/// since the signature covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

impl From<PresignedRequest> for SignedRequest {
    fn from(p: PresignedRequest) -> Self {
        Self {
            method: p.method().to_owned(),
            url: p.uri().to_owned(),
            headers: p
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }
}

/// A part S3 holds for an unfinished multipart upload (ListParts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    pub number: u32,
    pub etag: String,
    pub size: u64,
    pub crc32: Option<u32>,
}

/// A part sent: what CompleteMultipartUpload must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedPart {
    pub number: u32,
    pub etag: String,
    pub crc32: u32,
}

/// An unfinished multipart upload in the bucket (ListMultipartUploads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfinishedUpload {
    pub key: String,
    pub upload_id: String,
    pub initiated_ms: Option<i64>,
}

/// `url` without the query parameters of a query signature (`X-Amz-Algorithm`, `-Credential`,
/// `-Date`, `-Expires`, `-SignedHeaders`, `-Signature`, `-Security-Token`); the others
/// (`uploadId`, `partNumber`, `x-id`) stay as they were written.
pub fn without_query_signature(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.to_ascii_lowercase().starts_with("x-amz-"))
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// `If-None-Match: *` for a write that must not replace an object.
fn if_absent(only_if_absent: bool) -> Option<String> {
    only_if_absent.then(|| "*".to_owned())
}

/// A presigning window of `valid_for` from `start` (AWS's time).
pub(crate) fn presigning(
    start: std::time::SystemTime,
    valid_for: Duration,
) -> Result<PresigningConfig, StorageError> {
    PresigningConfig::builder()
        .start_time(start)
        .expires_in(valid_for)
        .build()
        .map_err(|e| StorageError::Other {
            status: 0,
            code: "PresigningConfig".into(),
            message: e.to_string(),
        })
}

impl Storage {
    /// The S3 client's clock (AWS's time, `crate::clock_skew`). Presigning must be told the
    /// time: `SystemTime::now()` panics on wasm32.
    pub(crate) fn now(&self) -> Result<std::time::SystemTime, StorageError> {
        self.client
            .config()
            .time_source()
            .map(|t| t.now())
            .ok_or_else(|| StorageError::Other {
                status: 0,
                code: "NoClock".into(),
                message: "the S3 client has no time source to presign with".into(),
            })
    }

    fn presigning(&self) -> Result<PresigningConfig, StorageError> {
        presigning(self.now()?, PRESIGNED_FOR)
    }

    /// The SDK's presigned `request` signed in its headers instead: the same URL without the
    /// `X-Amz-*` query, the same headers, plus `Authorization`, `X-Amz-Date`,
    /// `X-Amz-Security-Token` and `X-Amz-Content-SHA256: UNSIGNED-PAYLOAD` (the browser streams
    /// the body from the file; its CRC32 header is signed and S3 checks the bytes against it).
    /// Signed at AWS's time, with the credentials the SDK uses, so renewed ones apply.
    async fn signed_in_headers(
        &self,
        key: &str,
        presigned: PresignedRequest,
    ) -> Result<SignedRequest, StorageError> {
        use aws_sigv4::http_request::{
            PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
            UriPathNormalizationMode, sign,
        };
        use aws_smithy_runtime_api::client::identity::Identity;
        let fail = |message: String| StorageError::Other {
            status: 0,
            code: "SigningError".into(),
            message,
        };
        let config = self.client.config();
        let credentials = aws_credential_types::provider::ProvideCredentials::provide_credentials(
            &self.credentials,
        )
        .await
        .map_err(|e| {
            // Ours (`WebIdentityCredentials`) says why, e.g. the sign-in expired.
            std::error::Error::source(&e)
                .and_then(|s| s.downcast_ref::<crate::credentials::CredentialsError>())
                .map_or_else(
                    || fail(format!("no credentials for {key}: {e}")),
                    |c| StorageError::Credentials(c.clone()),
                )
        })?;
        let region = config.region().map(ToString::to_string).unwrap_or_default();
        let identity = Identity::from(credentials);
        // S3's rules: the path is encoded once and never normalised.
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
        settings.signature_location = SignatureLocation::Headers;
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("s3")
            .time(self.now()?)
            .settings(settings)
            .build()
            .map_err(|e| fail(e.to_string()))?
            .into();
        let url = without_query_signature(presigned.uri());
        let headers: Vec<(String, String)> = presigned
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let signable = SignableRequest::new(
            presigned.method(),
            url.as_str(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::UnsignedPayload,
        )
        .map_err(|e| fail(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| fail(e.to_string()))?
            .into_parts();
        let mut signed = headers;
        signed.extend(
            instructions
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        Ok(SignedRequest {
            method: presigned.method().to_owned(),
            url,
            headers: signed,
        })
    }

    /// A PutObject for the whole file, signed with its CRC32 (S3 verifies it), content type
    /// and metadata.
    pub async fn presign_put(
        &self,
        object: &ObjectInfo,
        crc32: u32,
    ) -> Result<SignedRequest, StorageError> {
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&object.key)
            .set_content_type(object.content_type.clone())
            .set_metadata(object.encoded_metadata())
            .checksum_crc32(crc32_base64(crc32))
            .set_if_none_match(if_absent(object.if_absent))
            .presigned(self.presigning()?)
            .await
            .map_err(|e| self.fail(&object.key, e))?;
        self.signed_in_headers(&object.key, presigned).await
    }

    /// CreateMultipartUpload with the object's content type and metadata (they belong to the
    /// upload, not to the parts), announcing a full-object CRC32. Returns the upload id.
    pub async fn create_multipart_upload(
        &self,
        object: &ObjectInfo,
    ) -> Result<String, StorageError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&object.key)
            .set_content_type(object.content_type.clone())
            .set_metadata(object.encoded_metadata())
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .checksum_type(ChecksumType::FullObject)
            .send()
            .await
            .map_err(|e| self.fail(&object.key, e))?;
        out.upload_id()
            .map(str::to_owned)
            .ok_or_else(|| StorageError::Other {
                status: 200,
                code: "NoUploadId".into(),
                message: "CreateMultipartUpload answered without an UploadId".into(),
            })
    }

    /// An UploadPart signed with the part's CRC32: the signature covers the checksum header,
    /// and S3 refuses the part if the bytes do not match it.
    pub async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        crc32: u32,
    ) -> Result<SignedRequest, StorageError> {
        let number = i32::try_from(number).unwrap_or(i32::MAX);
        let presigned = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .checksum_crc32(crc32_base64(crc32))
            .presigned(self.presigning()?)
            .await
            .map_err(|e| self.fail(key, e))?;
        self.signed_in_headers(key, presigned).await
    }

    /// The parts S3 already holds for an upload, in part order (every page of ListParts).
    pub async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<StoredPart>, StorageError> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .send()
                .await
                .map_err(|e| self.fail(key, e))?;
            parts.extend(out.parts().iter().filter_map(|p| {
                Some(StoredPart {
                    number: u32::try_from(p.part_number()?).ok()?,
                    etag: p.e_tag()?.to_owned(),
                    size: p.size().and_then(|s| u64::try_from(s).ok())?,
                    crc32: p.checksum_crc32().and_then(parse_crc32_base64),
                })
            }));
            match out.next_part_number_marker() {
                Some(next) if out.is_truncated().unwrap_or(false) => marker = Some(next.into()),
                _ => break,
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// CompleteMultipartUpload with every part's ETag and CRC32 and the whole object's CRC32,
    /// which S3 checks against the parts it holds. Returns the object's ETag.
    pub async fn complete_multipart_upload(
        &self,
        object: &ObjectInfo,
        upload_id: &str,
        parts: &[FinishedPart],
        object_crc32: u32,
    ) -> Result<Option<String>, StorageError> {
        let key = &object.key;
        let completed = parts
            .iter()
            .map(|p| {
                CompletedPart::builder()
                    .part_number(i32::try_from(p.number).unwrap_or(i32::MAX))
                    .e_tag(&p.etag)
                    .checksum_crc32(crc32_base64(p.crc32))
                    .build()
            })
            .collect();
        let out = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .checksum_type(ChecksumType::FullObject)
            .checksum_crc32(crc32_base64(object_crc32))
            .set_if_none_match(if_absent(object.if_absent))
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.fail(key, e))?;
        Ok(out.e_tag().map(str::to_owned))
    }

    /// AbortMultipartUpload: S3 deletes the parts it holds. An upload that is already gone
    /// (`NoSuchUpload`) counts as aborted.
    pub async fn abort_multipart_upload(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<(), StorageError> {
        let result = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await;
        match result.map_err(|e| self.fail(key, e)) {
            Ok(_) => Ok(()),
            Err(StorageError::NoSuchUpload { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Unfinished multipart uploads under `prefix` (every page), oldest first.
    pub async fn list_unfinished_uploads(
        &self,
        prefix: &str,
    ) -> Result<Vec<UnfinishedUpload>, StorageError> {
        let mut uploads = Vec::new();
        let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
        loop {
            let out = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(id_marker.take())
                .send()
                .await
                .map_err(|e| self.fail(prefix, e))?;
            uploads.extend(out.uploads().iter().filter_map(|u| {
                Some(UnfinishedUpload {
                    key: u.key()?.to_owned(),
                    upload_id: u.upload_id()?.to_owned(),
                    initiated_ms: u.initiated().and_then(epoch_ms),
                })
            }));
            if !out.is_truncated().unwrap_or(false) {
                break;
            }
            key_marker = out.next_key_marker().map(str::to_owned);
            id_marker = out.next_upload_id_marker().map(str::to_owned);
            if key_marker.is_none() && id_marker.is_none() {
                break;
            }
        }
        uploads.sort_by_key(|u| u.initiated_ms);
        Ok(uploads)
    }
}
