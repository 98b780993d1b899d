//! The upload engine's byte mover in the browser: CRC32s from the worker pool, PUTs of
//! `Blob` slices through XMLHttpRequest, sleeps on `setTimeout`.

use std::ops::Range;
use std::time::Duration;

use web_sys::Blob;

use super::clock;
use super::crc::CrcPool;
use super::xhr;
use crate::storage::upload::{HttpAnswer, PartIo, SignedRequest};

/// How long a part may go without a byte sent or an answer before it is abandoned and sent
/// again: long enough for S3 to answer a 5 GiB part, short enough that a hung connection is
/// noticed while the user watches.
pub const STALL: Duration = Duration::from_secs(60);

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
        let answer =
            xhr::put_blob(&request.url, &request.headers, &body, progress, self.stall).await?;
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
