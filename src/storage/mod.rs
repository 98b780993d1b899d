//! S3: the client, key and prefix rules, and the operations the app performs — list, upload,
//! metadata (read, and edit: [`edit`]), download, create a folder, delete (one, or many in
//! batches: [`delete`]), versions ([`versions`]).
//!
//! Owns everything that talks to S3 and every S3 error code; not where credentials come from
//! (`crate::credentials`) or how bytes travel (`crate::platform`'s fetch connector).

pub mod delete;
pub mod edit;
pub mod error;
pub mod keys;
pub mod metadata;
pub mod overwrite;
pub mod rename;
pub mod share;
pub mod upload;
pub mod versions;

use std::collections::BTreeMap;

use aws_config::identity::IdentityCache;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use error::StorageError;
use error::Target;

use crate::config::S3Config;
use crate::sdk::classify;

/// The S3 client for the browser: the shared SDK config plus bucket addressing and the
/// credentials provider. The provider keeps its own renewal schedule, so the SDK's identity
/// cache is off (it would hold credentials past our renewal margin).
pub fn s3_client(
    sdk: &aws_config::SdkConfig,
    s3: &S3Config,
    credentials: impl ProvideCredentials + 'static,
) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(sdk)
        .credentials_provider(credentials)
        .identity_cache(IdentityCache::no_cache())
        .force_path_style(s3.force_path_style)
        .retry_classifier(crate::clock_skew::SkewRetry);
    if let Some(endpoint) = &s3.endpoint {
        builder = builder.endpoint_url(endpoint.as_str().trim_end_matches('/'));
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// One page of a folder listing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing {
    /// Sub-folders, as full prefixes ending in `/`.
    pub folders: Vec<String>,
    pub objects: Vec<ObjectSummary>,
    /// Pass back to [`Storage::list`] for the next page.
    pub next_page: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSummary {
    pub key: String,
    pub size: u64,
    /// Milliseconds since the Unix epoch.
    pub last_modified_ms: Option<i64>,
    pub etag: Option<String>,
}

/// A new object: its key, bytes, type and user metadata (names without `x-amz-meta-`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewObject {
    pub key: String,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

/// What HeadObject tells: system headers and every user metadata entry, decoded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectMetadata {
    pub key: String,
    pub size: u64,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified_ms: Option<i64>,
    pub version_id: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    /// `Expires` as S3 sent it (an HTTP date).
    pub expires: Option<String>,
    pub storage_class: Option<String>,
    pub server_side_encryption: Option<String>,
    pub checksum_crc32: Option<String>,
    pub user: BTreeMap<String, String>,
}

/// The signed-in user's view of the bucket.
#[derive(Debug, Clone)]
pub struct Storage {
    client: aws_sdk_s3::Client,
    /// What the client signs with, also for the upload PUTs signed here for the browser to
    /// send (`upload::requests`).
    credentials: SharedCredentialsProvider,
    bucket: String,
    endpoint: String,
    /// The store is not AWS's (a custom `s3_endpoint`): it may need the legacy forms of some
    /// headers (`storage::edit`).
    custom_endpoint: bool,
    home: String,
}

impl Storage {
    /// The S3 client of the SDK configuration `sdk` for the bucket of `s3`, signing with
    /// `credentials`, for the user whose home is `home`.
    pub fn connect(
        sdk: &aws_config::SdkConfig,
        s3: &S3Config,
        region: &str,
        home: String,
        credentials: impl ProvideCredentials + 'static,
    ) -> Self {
        let credentials = SharedCredentialsProvider::new(credentials);
        let endpoint = s3.endpoint.as_ref().map_or_else(
            || format!("https://s3.{region}.amazonaws.com"),
            ToString::to_string,
        );
        Self {
            client: s3_client(sdk, s3, credentials.clone()),
            credentials,
            bucket: s3.bucket.clone(),
            endpoint,
            custom_endpoint: s3.endpoint.is_some(),
            home,
        }
    }

    /// The user's home prefix (`users/<sub>/`).
    pub fn home(&self) -> &str {
        &self.home
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The S3 endpoint, for messages.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The error to show for a failed request about `path` (a key or a listed prefix).
    fn fail<E>(&self, path: &str, err: SdkError<E, HttpResponse>) -> StorageError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let target = Target {
            endpoint: &self.endpoint,
            bucket: &self.bucket,
            path,
        };
        StorageError::from_failure(classify(err), target)
    }

    /// One page (up to 1,000 entries) of `prefix`, folders first, using `/` as the delimiter.
    pub async fn list(&self, prefix: &str, page: Option<String>) -> Result<Listing, StorageError> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .delimiter("/")
            .set_continuation_token(page)
            .send()
            .await
            .map_err(|e| self.fail(prefix, e))?;
        let folders = out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix().map(str::to_owned));
        let objects = out.contents().iter().filter_map(|o| {
            Some(ObjectSummary {
                key: o.key()?.to_owned(),
                size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                last_modified_ms: o.last_modified().and_then(epoch_ms),
                etag: o.e_tag().map(str::to_owned),
            })
        });
        Ok(Listing {
            folders: folders.collect(),
            // The folder's own placeholder object ("photos/") is not a file in it.
            objects: objects.filter(|o| o.key != prefix).collect(),
            next_page: out
                .next_continuation_token()
                .map(str::to_owned)
                .filter(|_| out.is_truncated().unwrap_or(false)),
        })
    }

    /// Whether an object is at `key`, by a one-key listing under that exact name: the
    /// per-user policy allows it, and it does not depend on the status of a HEAD of a missing
    /// key (403, not 404, without an unconditioned `s3:ListBucket` — AWS's rule, and Ceph
    /// RGW's).
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(key)
            .max_keys(1)
            .send()
            .await
            .map_err(|e| self.fail(key, e))?;
        // The name itself sorts before every longer one that starts with it.
        Ok(out.contents().first().and_then(|o| o.key()) == Some(key))
    }

    /// PutObject with the content type and user metadata. The SDK adds a CRC32 checksum
    /// that S3 verifies. Returns the new ETag.
    pub async fn put(&self, object: NewObject) -> Result<Option<String>, StorageError> {
        keys::check_addressable(&object.key)?;
        let metadata = metadata::encode_all(&object.metadata);
        let out = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&object.key)
            .set_content_type(object.content_type)
            .set_metadata(Some(metadata))
            .body(ByteStream::from(object.body))
            .send()
            .await
            .map_err(|e| self.fail(&object.key, e))?;
        Ok(out.e_tag().map(str::to_owned))
    }

    /// HeadObject: system headers and user metadata.
    pub async fn head(&self, key: &str) -> Result<ObjectMetadata, StorageError> {
        match self.head_of(key, None).await {
            // A missing key answers 403, not 404, to a caller without an unconditioned
            // s3:ListBucket (AWS's rule; Ceph RGW's; the user's listing right is conditioned on
            // s3:prefix). In the user's own folder a one-key listing tells "not there" from
            // "not allowed"; if it cannot, the refusal stands.
            Err(StorageError::AccessDenied { .. })
                if key.starts_with(&self.home) && matches!(self.exists(key).await, Ok(false)) =>
            {
                Err(StorageError::NoSuchKey {
                    key: key.to_owned(),
                })
            }
            other => other,
        }
    }

    /// HeadObject of the current version, or of `version_id`.
    async fn head_of(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<ObjectMetadata, StorageError> {
        keys::check_addressable(key)?;
        let out = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version_id.map(str::to_owned))
            .send()
            .await
            .map_err(|e| self.fail(key, e))?;
        Ok(ObjectMetadata {
            key: key.to_owned(),
            size: out
                .content_length()
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or(0),
            content_type: out.content_type().map(str::to_owned),
            etag: out.e_tag().map(str::to_owned),
            last_modified_ms: out.last_modified().and_then(epoch_ms),
            version_id: out.version_id().map(str::to_owned),
            cache_control: out.cache_control().map(str::to_owned),
            content_disposition: out.content_disposition().map(str::to_owned),
            content_encoding: out.content_encoding().map(str::to_owned),
            content_language: out.content_language().map(str::to_owned),
            expires: out.expires_string().map(str::to_owned),
            storage_class: out.storage_class().map(|s| s.as_str().to_owned()),
            server_side_encryption: out.server_side_encryption().map(|s| s.as_str().to_owned()),
            checksum_crc32: out.checksum_crc32().map(str::to_owned),
            user: out
                .metadata()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.to_ascii_lowercase(), metadata::decode_value(v)))
                .collect(),
        })
    }

    /// The object's bytes.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        self.get_range(key, None).await
    }

    /// The first `cap` bytes of an object of `size` bytes (as HeadObject said): a Range GET
    /// when it is bigger, so a preview of a 10 GiB log costs `cap` bytes.
    pub async fn get_first(&self, key: &str, size: u64, cap: u64) -> Result<Vec<u8>, StorageError> {
        let mut bytes = self
            .get_range(key, crate::preview::first_bytes_range(size, cap))
            .await?;
        // A server that ignores Range answers 200 with everything.
        bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        Ok(bytes)
    }

    async fn get_range(&self, key: &str, range: Option<String>) -> Result<Vec<u8>, StorageError> {
        keys::check_addressable(key)?;
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_range(range)
            .send()
            .await
            .map_err(|e| self.fail(key, e))?;
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| StorageError::Unreachable {
                endpoint: self.endpoint.clone(),
                detail: e.to_string(),
            })?;
        Ok(body.to_vec())
    }

    /// An empty folder: the zero-byte placeholder key ending in `/` (see
    /// [`keys::folder_key`]). Listings show it as a folder, never as a file.
    pub async fn create_folder(&self, key: &str) -> Result<(), StorageError> {
        self.put(NewObject {
            key: key.to_owned(),
            body: Vec::new(),
            content_type: None,
            metadata: BTreeMap::new(),
        })
        .await
        .map(|_| ())
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        keys::check_addressable(key)?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.fail(key, e))?;
        Ok(())
    }
}

fn epoch_ms(t: &DateTime) -> Option<i64> {
    t.to_millis().ok()
}
