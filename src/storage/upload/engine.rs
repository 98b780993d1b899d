//! One file's upload, start to finish: plan, create (or resume and verify), parts in parallel
//! with retries, complete — or cancel, leaving nothing behind.
//!
//! Plain Rust: the bytes are read, summed and sent by a [`PartIo`] (the browser's `Blob` +
//! Web Worker + XMLHttpRequest in `crate::platform::blob_io`; a fake in the host tests), so the
//! decisions here — what to retry, when to pause for a sign-in, what to resend after a reload —
//! are tested on the host.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};

use super::checksum::crc32_of_parts;
use super::limiter::{Gate, Limiter};
use super::plan::{Plan, PlanError};
use super::requests::{FinishedPart, ObjectInfo, SignedRequest};
use super::response::{PartOutcome, classify_response};
use crate::credentials::CredentialsError;
use crate::sdk::SdkFailure;
use crate::storage::error::Target;
use crate::storage::{Storage, StorageError};

/// What the browser (or a test) does with bytes of the file.
// Single-threaded by design (the page's event loop): callers never need these futures `Send`.
#[allow(async_fn_in_trait)]
pub trait PartIo {
    /// The CRC32 of bytes `range` of the file.
    async fn crc32(&self, range: Range<u64>) -> Result<u32, String>;
    /// Sends bytes `range` of the file with `request`, calling `progress` with the bytes sent
    /// so far. `Err` only when no HTTP answer came (network, CORS, aborted).
    async fn send(
        &self,
        request: &SignedRequest,
        range: Range<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<HttpAnswer, String>;
    async fn sleep(&self, duration: Duration);
}

/// An HTTP answer to a part or object PUT, as far as the browser lets the page read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpAnswer {
    pub status: u16,
    /// `None` when absent — or when CORS does not expose it.
    pub etag: Option<String>,
    pub body: String,
}

/// Why an upload stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A part was stored but its ETag cannot be read: CompleteMultipartUpload needs it.
    /// `origin` is the app's, for the CORS rule that fixes it ([`cors_rule`]).
    #[error(
        "S3 stored part {part} but the browser hides its ETag: the CORS rules of bucket {bucket} \
         do not expose the ETag header to {origin}"
    )]
    EtagHidden {
        part: u32,
        bucket: String,
        origin: String,
    },
    #[error("the file could not be read: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl UploadError {
    /// Only a new sign-in can fix it: the uploads wait for one (see [`Gate`]).
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            Self::Storage(StorageError::Credentials(
                CredentialsError::IdTokenExpired
                    | CredentialsError::InvalidIdentityToken(_)
                    | CredentialsError::SignedOut
            ))
        )
    }
}

/// Backoff between attempts of a part: `base`, doubling, capped, with jitter so that parts
/// failing together do not retry together.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per part, the first included.
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
    /// A number in [0, 1); the delay is scaled by 0.5 + that.
    pub random: fn() -> f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(8),
            random: || 0.5,
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doubled = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        doubled
            .min(self.max)
            .mul_f64(0.5 + (self.random)().clamp(0.0, 1.0))
    }
}

/// What the caller hears while a file uploads. Every method has a default that ignores it.
pub trait Observer {
    /// A new multipart upload exists in S3: from now on it can be resumed (and must be
    /// aborted if abandoned).
    fn started(&self, _upload_id: &str, _plan: &Plan) {}
    /// Bytes of this file sent or stored so far (parts on the wire included).
    fn progress(&self, _bytes: u64) {}
    fn part_stored(&self, _part: &FinishedPart) {}
    /// A resumed upload's stored parts were checked against the file: `kept` are reused,
    /// `resend` did not match (or carried no checksum) and will be sent again.
    fn verified(&self, _kept: u32, _resend: u32) {}
    fn retrying(&self, _part: u32, _attempt: u32, _error: &StorageError, _wait: Duration) {}
    /// This file closed the gate: every upload waits for a new sign-in.
    fn paused(&self, _reason: &UploadError) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;
impl Observer for Quiet {}

/// One file's upload as it stands; kept by the caller across attempts, so that "Retry" goes
/// on from the parts already stored and "Cancel" knows what to abort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadState {
    pub object: ObjectInfo,
    pub plan: Plan,
    pub upload_id: Option<String>,
    /// The upload id came from an earlier page (a resume): list and verify the stored parts
    /// before sending any.
    pub stored_unchecked: bool,
    pub finished: BTreeMap<u32, FinishedPart>,
}

impl UploadState {
    /// A new upload of `size` bytes, parts of `part_size` where the limits allow.
    pub fn new(object: ObjectInfo, size: u64, part_size: u64) -> Result<Self, PlanError> {
        Ok(Self {
            object,
            plan: Plan::new(size, part_size)?,
            upload_id: None,
            stored_unchecked: false,
            finished: BTreeMap::new(),
        })
    }

    /// Continues multipart upload `upload_id`, whose parts are `part_size` bytes.
    pub fn resume(
        object: ObjectInfo,
        size: u64,
        part_size: u64,
        upload_id: String,
    ) -> Result<Self, PlanError> {
        Ok(Self {
            object,
            plan: Plan::multipart(size, part_size)?,
            upload_id: Some(upload_id),
            stored_unchecked: true,
            finished: BTreeMap::new(),
        })
    }

    /// Bytes in parts S3 holds.
    pub fn stored_bytes(&self) -> u64 {
        self.finished
            .keys()
            .map(|&n| range_len(&self.plan.part_range(n)))
            .sum()
    }
}

/// How an upload ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Done {
    pub etag: Option<String>,
    /// Part requests that carried bytes (retries and resends included).
    pub requests: u32,
    /// Stored parts of a resumed upload that were kept.
    pub reused: u32,
}

/// The bucket CORS rule (S3's JSON form) that lets the app at `origin` upload and read what it
/// needs — `ETag` above all, without which a multipart upload cannot be completed.
pub fn cors_rule(origin: &str) -> String {
    let origin = serde_json::to_string(origin).unwrap_or_else(|_| "\"*\"".into());
    format!(
        r#"[{{
  "AllowedOrigins": [{origin}],
  "AllowedMethods": ["GET", "PUT", "POST", "DELETE", "HEAD"],
  "AllowedHeaders": ["*"],
  "ExposeHeaders": ["ETag", "x-amz-meta-description", "x-amz-version-id", "x-amz-request-id",
                    "Content-Length", "Content-Type", "Last-Modified", "Content-Disposition",
                    "x-amz-server-side-encryption", "x-amz-checksum-crc32"],
  "MaxAgeSeconds": 3000
}}]"#
    )
}

/// What the uploads of a page share: S3, the byte mover, the limit on parts in flight, and
/// the gate that holds everything while the user signs in again.
#[derive(Debug)]
pub struct Transfer<'a, Io> {
    /// The app's origin, for messages about CORS.
    pub origin: &'a str,
    pub storage: &'a Storage,
    pub io: &'a Io,
    pub parts: &'a Limiter,
    pub gate: &'a Gate<UploadError>,
    pub retry: RetryPolicy,
}

fn range_len(r: &Range<u64>) -> u64 {
    r.end - r.start
}

/// Bytes on the wire per part plus bytes stored, reported as one number.
struct Tally<'o> {
    stored: Cell<u64>,
    in_flight: RefCell<BTreeMap<u32, u64>>,
    requests: Cell<u32>,
    observer: &'o dyn Observer,
}

impl Tally<'_> {
    fn report(&self) {
        let moving: u64 = self.in_flight.borrow().values().sum();
        self.observer.progress(self.stored.get() + moving);
    }
    fn sending(&self, part: u32, bytes: u64) {
        self.in_flight.borrow_mut().insert(part, bytes);
        self.report();
    }
    fn stored(&self, part: u32, bytes: u64) {
        self.in_flight.borrow_mut().remove(&part);
        self.stored.set(self.stored.get() + bytes);
        self.report();
    }
}

impl<Io: PartIo> Transfer<'_, Io> {
    fn target<'k>(&'k self, key: &'k str) -> Target<'k> {
        Target {
            endpoint: self.storage.endpoint(),
            bucket: self.storage.bucket(),
            path: key,
        }
    }

    /// Runs an S3 call; when it fails for want of a sign-in, closes the gate, waits for it to
    /// open and tries again.
    async fn signed_in<T, F, Fut>(
        &self,
        observer: &dyn Observer,
        mut call: F,
    ) -> Result<T, UploadError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StorageError>>,
    {
        loop {
            self.gate.wait().await;
            match call().await.map_err(UploadError::from) {
                Err(e) if e.needs_sign_in() => {
                    if self.gate.close(e.clone()) {
                        observer.paused(&e);
                    }
                }
                other => return other,
            }
        }
    }

    /// Uploads the file `state` describes, going on from where `state` stands. On error,
    /// `state` keeps what S3 holds, for a retry or a cancel.
    pub async fn upload(
        &self,
        state: &mut UploadState,
        observer: &dyn Observer,
    ) -> Result<Done, UploadError> {
        let tally = Tally {
            stored: Cell::new(state.stored_bytes()),
            in_flight: RefCell::default(),
            requests: Cell::new(0),
            observer,
        };
        tally.report();
        let outcome = match state.plan {
            Plan::Single { size } => {
                let permit = self.parts.acquire().await;
                let etag = self.put_whole(&state.object, size, &tally).await;
                drop(permit);
                etag.map(|etag| Done {
                    etag,
                    requests: tally.requests.get(),
                    reused: 0,
                })
            }
            Plan::Multipart { .. } => self.multipart(state, &tally).await,
        };
        match outcome {
            // Only the `If-None-Match: *` of a new file's write can fail this way: someone
            // created the file meanwhile. (A multipart upload stays, for a retry.)
            Err(UploadError::Storage(StorageError::PreconditionFailed { key }))
                if state.object.if_absent =>
            {
                Err(UploadError::Storage(StorageError::Exists { key }))
            }
            other => other,
        }
    }

    async fn multipart(
        &self,
        state: &mut UploadState,
        tally: &Tally<'_>,
    ) -> Result<Done, UploadError> {
        let observer = tally.observer;
        let key = state.object.key.clone();
        let mut reused = 0;
        if state.stored_unchecked
            && let Some(upload_id) = state.upload_id.clone()
        {
            let listed = self
                .signed_in(observer, || self.storage.list_parts(&key, &upload_id))
                .await;
            match listed {
                Ok(stored) => {
                    let (kept, resend) = self.verify_stored(state, stored).await?;
                    reused = kept;
                    observer.verified(kept, resend);
                }
                // Aborted meanwhile (another tab, a lifecycle rule): start again.
                Err(UploadError::Storage(StorageError::NoSuchUpload { .. })) => {
                    state.upload_id = None;
                    state.finished.clear();
                }
                Err(e) => return Err(e),
            }
            state.stored_unchecked = false;
            tally.stored.set(state.stored_bytes());
            tally.report();
        }
        let upload_id = match &state.upload_id {
            Some(id) => id.clone(),
            None => {
                let id = self
                    .signed_in(observer, || {
                        self.storage.create_multipart_upload(&state.object)
                    })
                    .await?;
                state.upload_id = Some(id.clone());
                state.finished.clear();
                observer.started(&id, &state.plan);
                id
            }
        };

        let plan = state.plan;
        let UploadState { finished, .. } = state;
        let sent = self
            .send_parts(&key, &upload_id, plan, finished, tally)
            .await;
        if let Err(e) = sent {
            if matches!(e, UploadError::Storage(StorageError::NoSuchUpload { .. })) {
                state.upload_id = None;
                state.finished.clear();
            }
            return Err(e);
        }

        let parts: Vec<FinishedPart> = state.finished.values().cloned().collect();
        let object_crc = crc32_of_parts(
            parts
                .iter()
                .map(|p| (p.crc32, range_len(&plan.part_range(p.number)))),
        );
        let etag = self
            .signed_in(observer, || {
                self.storage.complete_multipart_upload(
                    &state.object,
                    &upload_id,
                    &parts,
                    object_crc,
                )
            })
            .await;
        match etag {
            Ok(etag) => Ok(Done {
                etag,
                requests: tally.requests.get(),
                reused,
            }),
            Err(e) => {
                if matches!(e, UploadError::Storage(StorageError::NoSuchUpload { .. })) {
                    state.upload_id = None;
                    state.finished.clear();
                }
                Err(e)
            }
        }
    }

    /// Keeps the stored parts whose CRC32 matches the same bytes of this file; the others
    /// will be sent again (a part uploaded without a checksum cannot be checked).
    async fn verify_stored(
        &self,
        state: &mut UploadState,
        stored: Vec<super::requests::StoredPart>,
    ) -> Result<(u32, u32), UploadError> {
        let (mut kept, mut resend) = (0, 0);
        state.finished.clear();
        for part in stored {
            let range = state.plan.part_range(part.number);
            if range_len(&range) != part.size || range.is_empty() {
                resend += 1;
                continue;
            }
            let Some(stored_crc) = part.crc32 else {
                resend += 1;
                continue;
            };
            let local = self
                .io
                .crc32(range)
                .await
                .map_err(UploadError::Unreadable)?;
            if local == stored_crc {
                kept += 1;
                state.finished.insert(
                    part.number,
                    FinishedPart {
                        number: part.number,
                        etag: part.etag,
                        crc32: local,
                    },
                );
            } else {
                resend += 1;
            }
        }
        Ok((kept, resend))
    }

    /// Sends every part not in `finished`, as many at a time as the limiter allows. A few
    /// more parts than that are started: they sum their CRC32 while the others are on the
    /// wire and take the next free slot ready to go (measured: summing in line cost a tenth
    /// of the throughput).
    async fn send_parts(
        &self,
        key: &str,
        upload_id: &str,
        plan: Plan,
        finished: &mut BTreeMap<u32, FinishedPart>,
        tally: &Tally<'_>,
    ) -> Result<(), UploadError> {
        const SUMMING_AHEAD: usize = 2;
        let mut todo: std::collections::VecDeque<u32> = (1..=plan.parts())
            .filter(|n| !finished.contains_key(n))
            .collect();
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < self.parts.limit() + SUMMING_AHEAD
                && let Some(number) = todo.pop_front()
            {
                let range = plan.part_range(number);
                running.push(self.put_part(key, upload_id, number, range, tally));
            }
            match running.next().await {
                None => return Ok(()),
                Some(result) => {
                    let part = result?;
                    tally.observer.part_stored(&part);
                    finished.insert(part.number, part);
                }
            }
        }
    }

    async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        range: Range<u64>,
        tally: &Tally<'_>,
    ) -> Result<FinishedPart, UploadError> {
        let crc32 = self
            .io
            .crc32(range.clone())
            .await
            .map_err(UploadError::Unreadable)?;
        let permit = self.parts.acquire().await;
        let etag = self
            .send_with_retries(key, number, range, tally, || {
                self.storage.presign_part(key, upload_id, number, crc32)
            })
            .await?;
        drop(permit);
        match etag {
            Some(etag) => Ok(FinishedPart {
                number,
                etag,
                crc32,
            }),
            None => Err(UploadError::EtagHidden {
                part: number,
                bucket: self.storage.bucket().to_owned(),
                origin: self.origin.to_owned(),
            }),
        }
    }

    async fn put_whole(
        &self,
        object: &ObjectInfo,
        size: u64,
        tally: &Tally<'_>,
    ) -> Result<Option<String>, UploadError> {
        let crc32 = self
            .io
            .crc32(0..size)
            .await
            .map_err(UploadError::Unreadable)?;
        self.send_with_retries(&object.key, 1, 0..size, tally, || {
            self.storage.presign_put(object, crc32)
        })
        .await
    }

    /// Presigns (just now: credentials renew between attempts) and sends, retrying what a
    /// retry can fix. Returns the ETag, if the browser may read it.
    async fn send_with_retries<F, Fut>(
        &self,
        key: &str,
        number: u32,
        range: Range<u64>,
        tally: &Tally<'_>,
        mut presign: F,
    ) -> Result<Option<String>, UploadError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<SignedRequest, StorageError>>,
    {
        let observer = tally.observer;
        let len = range_len(&range);
        let mut attempt = 1;
        loop {
            let request = self.signed_in(observer, &mut presign).await?;
            tally.sending(number, 0);
            tally.requests.set(tally.requests.get() + 1);
            let answer = self
                .io
                .send(&request, range.clone(), &|sent| {
                    tally.sending(number, sent.min(len))
                })
                .await;
            let outcome = match answer {
                Ok(answer) => classify_response(&answer),
                Err(detail) => PartOutcome::Retry(SdkFailure::Unreachable { detail }),
            };
            let failure = match outcome {
                PartOutcome::Stored { etag } => {
                    tally.stored(number, len);
                    return Ok(etag);
                }
                PartOutcome::Retry(f) if attempt < self.retry.attempts => f,
                PartOutcome::Retry(f) | PartOutcome::Fail(f) => {
                    tally.sending(number, 0);
                    return Err(StorageError::from_failure(f, self.target(key)).into());
                }
            };
            tally.sending(number, 0);
            let error = StorageError::from_failure(failure, self.target(key));
            let wait = self.retry.delay(attempt);
            observer.retrying(number, attempt, &error, wait);
            self.io.sleep(wait).await;
            attempt += 1;
        }
    }

    /// Aborts the multipart upload `state` started (if any) and checks that S3 lists it no
    /// more: a part that was still arriving can outlive one abort (S3 API reference,
    /// AbortMultipartUpload), so it is repeated until the upload is gone.
    pub async fn cancel(&self, state: &mut UploadState) -> Result<(), UploadError> {
        let Some(upload_id) = state.upload_id.clone() else {
            return Ok(());
        };
        let key = state.object.key.clone();
        for _ in 0..5 {
            self.signed_in(&Quiet, || {
                self.storage.abort_multipart_upload(&key, &upload_id)
            })
            .await?;
            let left = self
                .signed_in(&Quiet, || self.storage.list_unfinished_uploads(&key))
                .await?;
            if !left.iter().any(|u| u.upload_id == upload_id) {
                state.upload_id = None;
                state.finished.clear();
                return Ok(());
            }
            self.io.sleep(Duration::from_millis(500)).await;
        }
        Err(StorageError::Other {
            status: 0,
            code: "AbortIncomplete".into(),
            message: format!("S3 still lists upload {upload_id} of {key} after aborting it"),
        }
        .into())
    }
}
