//! The upload engine's byte mover in the browser: CRC32s from the worker pool, PUTs of
//! `Blob` slices through XMLHttpRequest (fetch for a conditional one), sleeps on `setTimeout`.

use std::ops::Range;
use std::time::Duration;

use web_sys::Blob;

use super::crc::CrcPool;
use super::{clock, http, xhr};
use crate::storage::upload::{HttpAnswer, PartIo, SignedRequest};

/// How long a part may go without a byte sent or an answer before it is abandoned and sent
/// again: long enough for S3 to answer a 5 GiB part, short enough that a hung connection is
/// noticed while the user watches.
pub const STALL: Duration = Duration::from_secs(60);

/// For a PUT sent without progress events (fetch): the slowest upload rate still waited for,
/// on top of [`STALL`] (16 MiB, the largest single PUT, may take 17 minutes more).
const SLOWEST_BYTES_PER_SEC: u64 = 16 * 1024;

/// One file (any `Blob`) to upload.
#[derive(Debug, Clone)]
pub struct BlobIo {
    blob: Blob,
    crc: CrcPool,
    stall: Duration,
}

impl BlobIo {
    pub fn new(blob: Blob) -> Result<Self, String> {
        Ok(Self {
            blob,
            crc: CrcPool::shared()?,
            stall: STALL,
        })
    }

    /// The same with another stall limit (tests).
    #[must_use]
    pub fn with_stall(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    #[allow(clippy::cast_precision_loss)] // file offsets are far below 2^53
    fn slice(&self, range: &Range<u64>) -> Result<Blob, String> {
        self.blob
            .slice_with_f64_and_f64(range.start as f64, range.end as f64)
            .map_err(|e| format!("cannot slice the file: {e:?}"))
    }
}

impl PartIo for BlobIo {
    async fn crc32(&self, range: Range<u64>) -> Result<u32, String> {
        self.crc.crc32(&self.blob, range).await
    }

    async fn send(
        &self,
        request: &SignedRequest,
        range: Range<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<HttpAnswer, String> {
        let body = self.slice(&range)?;
        // A conditional PUT (`If-None-Match: *`, a new file) goes by fetch: XMLHttpRequest's
        // cache mode is "default", for which the browser turns a conditional request into a
        // revalidation and adds `Cache-Control: max-age=0`, and S3 would store that with the
        // object (seen in Chromium). fetch's `force-cache` adds nothing. It reports no upload
        // progress, so the file's comes at the end, and the stall limit grows with the size.
        let conditional = request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("if-none-match"));
        let answer = if conditional {
            let len = range.end - range.start;
            let limit = self.stall + Duration::from_secs(len / SLOWEST_BYTES_PER_SEC);
            let answer = http::put_blob(&request.url, &request.headers, &body, limit).await?;
            progress(len);
            answer
        } else {
            xhr::put_blob(&request.url, &request.headers, &body, progress, self.stall).await?
        };
        Ok(HttpAnswer {
            status: answer.status,
            etag: answer.etag,
            body: answer.body,
        })
    }

    async fn sleep(&self, duration: Duration) {
        clock::timeout(duration).await;
    }
}
