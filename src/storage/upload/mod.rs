//! Uploads of any size with memory bounded by the parts in flight: one PutObject for a small
//! file, a multipart upload for a larger one; parallel parts, retries, cancel, resume after a
//! reload, credentials renewed on the way.
//!
//! How the bytes travel (measured, bench/README.md "Uploads"): the SDK *presigns* each request
//! — SigV4 in the query string, the part's CRC32 among the signed headers — and the browser
//! sends the `File`'s slice itself (`crate::platform::blob_io`). The bytes never enter wasm
//! memory or even JavaScript's heap, and XMLHttpRequest reports upload progress, which fetch
//! cannot. The CRC32s are computed in a Web Worker, off the main thread; S3 verifies each part's
//! and the whole object's (`checksum`). Presigning happens just before each request, so
//! credentials that renew mid-upload are picked up without anyone noticing.
//!
//! - [`plan`]: single PUT or parts, and their size (S3's limits)
//! - [`checksum`]: CRC32 combination for the whole-object checksum
//! - [`engine`]: one file's upload — the state machine, retries, pause for sign-in, cancel
//! - [`limiter`]: how many parts and files at once (settable while running), the sign-in gate
//! - [`record`]: what survives a reload to resume an upload
//! - [`progress`]: rate and time left
//! - `requests`: the S3 calls (`Storage::create_multipart_upload`, `presign_part`, …)

pub mod checksum;
pub mod engine;
pub mod limiter;
pub mod plan;
pub mod progress;
pub mod record;
pub(crate) mod requests;
pub mod response;

pub use engine::{
    Done, HttpAnswer, Observer, PartIo, Quiet, RetryPolicy, Transfer, UploadError, UploadState,
    cors_rule,
};
pub use limiter::{Gate, Limiter};
pub use plan::{DEFAULT_PART_SIZE, Plan, PlanError};
pub use requests::{FinishedPart, ObjectInfo, SignedRequest, StoredPart, UnfinishedUpload};
