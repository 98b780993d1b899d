#![cfg(not(target_arch = "wasm32"))]
// As in tests (clippy.toml): a panic is the failure report, in helpers too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The upload engine (`pail::storage::upload`) on the host: the app's own S3 client answering
//! from scripted S3 responses (`StaticReplayClient`), and a fake `PartIo` in place of the
//! browser's Blob/worker/XMLHttpRequest, which can fail parts, hide ETags and count requests.
//! What is checked: the requests S3 gets (checksums, metadata, part lists), retries, resume
//! from verified parts, the hidden-ETag error, the pause for a new sign-in, and cancel.

#[allow(dead_code)]
#[path = "fixtures/support.rs"]
mod support;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, future};
use aws_smithy_async::time::StaticTimeSource;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use pail::credentials::CredentialsError;
use pail::sdk::sdk_config;
use pail::storage::upload::checksum::{crc32_base64, parse_crc32_base64};
use pail::storage::upload::plan::MIB;
use pail::storage::upload::{
    FinishedPart, Gate, HttpAnswer, Limiter, ObjectInfo, Observer, PartIo, Plan, Quiet,
    RetryPolicy, SignedRequest, Transfer, UploadError, UploadState,
};
use pail::storage::{Storage, StorageError};
use support::{REGION, app_config, runtime};

const ORIGIN: &str = "http://127.0.0.1:8080";
const KEY: &str = "users/alice/big file.bin";

// ------------------------------------------------------------------------------ the file

/// CRC-32/ISO-HDLC with a byte table: independent of the code under test.
fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            (0..8).fold(i as u32, |c, _| {
                if c & 1 != 0 {
                    (c >> 1) ^ 0xedb8_8320
                } else {
                    c >> 1
                }
            })
        })
    });
    !data.iter().fold(!0u32, |crc, &b| {
        table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

fn file_bytes(len: usize) -> Vec<u8> {
    let mut x = 0x1234_5678u32;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// One PUT the fake browser sent.
#[derive(Debug, Clone)]
struct Sent {
    part: u32,
    range: Range<u64>,
    checksum: Option<String>,
    if_none_match: Option<String>,
}

/// The browser's side, faked: CRCs of the bytes, PUTs that answer as scripted (by part
/// number; 200 with an ETag when nothing is scripted), sleeps that only record.
#[derive(Default)]
struct FakeBrowser {
    data: Vec<u8>,
    scripted: RefCell<HashMap<u32, VecDeque<HttpAnswer>>>,
    hide_etag: bool,
    sent: RefCell<Vec<Sent>>,
    in_flight: Cell<usize>,
    most_in_flight: Cell<usize>,
    slept: RefCell<Vec<Duration>>,
}

impl FakeBrowser {
    fn new(data: Vec<u8>) -> Self {
        Self {
            data,
            ..Self::default()
        }
    }

    fn script(&self, part: u32, answer: HttpAnswer) {
        self.scripted
            .borrow_mut()
            .entry(part)
            .or_default()
            .push_back(answer);
    }

    fn parts_sent(&self) -> Vec<u32> {
        self.sent.borrow().iter().map(|s| s.part).collect()
    }
}

fn part_number(url: &str) -> u32 {
    url.split(['?', '&'])
        .find_map(|p| p.strip_prefix("partNumber="))
        .map_or(1, |n| n.parse().expect("part number"))
}

impl PartIo for FakeBrowser {
    async fn crc32(&self, range: Range<u64>) -> Result<u32, String> {
        Ok(crc32(&self.data[range.start as usize..range.end as usize]))
    }

    async fn send(
        &self,
        request: &SignedRequest,
        range: Range<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<HttpAnswer, String> {
        let part = part_number(&request.url);
        self.sent.borrow_mut().push(Sent {
            part,
            range: range.clone(),
            checksum: request
                .headers
                .iter()
                .find(|(k, _)| k == "x-amz-checksum-crc32")
                .map(|(_, v)| v.clone()),
            if_none_match: request
                .headers
                .iter()
                .find(|(k, _)| k == "if-none-match")
                .map(|(_, v)| v.clone()),
        });
        self.in_flight.set(self.in_flight.get() + 1);
        self.most_in_flight
            .set(self.most_in_flight.get().max(self.in_flight.get()));
        // Let the other parts run meanwhile, as a real network would.
        for step in 1..=4 {
            tokio::task::yield_now().await;
            progress((range.end - range.start) * step / 4);
        }
        self.in_flight.set(self.in_flight.get() - 1);
        if let Some(answer) = self
            .scripted
            .borrow_mut()
            .get_mut(&part)
            .and_then(VecDeque::pop_front)
        {
            return Ok(answer);
        }
        Ok(HttpAnswer {
            status: 200,
            etag: (!self.hide_etag).then(|| format!("\"etag-{part}\"")),
            body: String::new(),
        })
    }

    async fn sleep(&self, duration: Duration) {
        self.slept.borrow_mut().push(duration);
    }
}

fn s3_error(status: u16, code: &str, message: &str) -> HttpAnswer {
    HttpAnswer {
        status,
        etag: None,
        body: format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
             <Message>{message}</Message><RequestId>R</RequestId></Error>"
        ),
    }
}

// ------------------------------------------------------------------------------ S3, scripted

/// An S3 answer for the replay client (the request half is only bookkeeping).
fn answer(status: u16, body: &str) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("http://127.0.0.1:9000/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "application/xml")
            .body(SdkBody::from(body.to_owned()))
            .unwrap(),
    )
}

fn created(upload_id: &str) -> ReplayEvent {
    answer(
        200,
        &format!(
            "<InitiateMultipartUploadResult><Bucket>pail-demo</Bucket><Key>{KEY}</Key>\
             <UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>"
        ),
    )
}

fn completed() -> ReplayEvent {
    answer(
        200,
        &format!(
            "<CompleteMultipartUploadResult><Bucket>pail-demo</Bucket><Key>{KEY}</Key>\
             <ETag>\"whole-3\"</ETag></CompleteMultipartUploadResult>"
        ),
    )
}

fn listed_parts(parts: &[(u32, u64, Option<u32>)]) -> ReplayEvent {
    let parts: String = parts
        .iter()
        .map(|(n, size, crc)| {
            let crc = crc
                .map(|c| format!("<ChecksumCRC32>{}</ChecksumCRC32>", crc32_base64(c)))
                .unwrap_or_default();
            format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>\"stored-{n}\"</ETag><Size>{size}</Size>{crc}</Part>"
            )
        })
        .collect();
    answer(
        200,
        &format!(
            "<ListPartsResult><Bucket>pail-demo</Bucket><Key>{KEY}</Key><UploadId>up-1</UploadId>\
             <IsTruncated>false</IsTruncated>{parts}</ListPartsResult>"
        ),
    )
}

fn uploads_listed(ids: &[&str]) -> ReplayEvent {
    let uploads: String = ids
        .iter()
        .map(|id| format!("<Upload><Key>{KEY}</Key><UploadId>{id}</UploadId></Upload>"))
        .collect();
    answer(
        200,
        &format!(
            "<ListMultipartUploadsResult><Bucket>pail-demo</Bucket><IsTruncated>false</IsTruncated>\
             {uploads}</ListMultipartUploadsResult>"
        ),
    )
}

/// Credentials that fail as an expired sign-in while `expired` is set.
#[derive(Debug, Clone, Default)]
struct SignIn {
    expired: Arc<AtomicBool>,
}

impl ProvideCredentials for SignIn {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let expired = self.expired.load(Ordering::SeqCst);
        future::ProvideCredentials::ready(if expired {
            Err(provider::error::CredentialsError::provider_error(
                CredentialsError::IdTokenExpired,
            ))
        } else {
            Ok(Credentials::new(
                "ASIAENGINETEST",
                "secret",
                Some("token".into()),
                None,
                "test",
            ))
        })
    }
}

struct Harness {
    storage: Storage,
    http: StaticReplayClient,
    sign_in: SignIn,
    parts: Limiter,
    gate: Gate<UploadError>,
}

impl Harness {
    fn new(s3: Vec<ReplayEvent>) -> Self {
        let http = StaticReplayClient::new(s3);
        let rt = runtime(http.clone(), StaticTimeSource::from_secs(1_795_310_377));
        let config = app_config();
        let sign_in = SignIn::default();

        Self {
            storage: Storage::connect(
                &sdk_config(REGION, &rt),
                &config.s3,
                REGION,
                "users/alice/".into(),
                sign_in.clone(),
            ),
            http,
            sign_in,
            parts: Limiter::new(2),
            gate: Gate::default(),
        }
    }

    fn transfer<'a>(&'a self, io: &'a FakeBrowser) -> Transfer<'a, FakeBrowser> {
        Transfer {
            origin: ORIGIN,
            storage: &self.storage,
            io,
            parts: &self.parts,
            gate: &self.gate,
            retry: RetryPolicy::default(),
        }
    }

    /// (method, path and query, headers, body) of each request S3 got.
    fn requests(&self) -> Vec<(String, String, http::HeaderMap, String)> {
        self.http
            .actual_requests()
            .map(|r| {
                let headers = r
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                            http::HeaderValue::from_str(v).unwrap(),
                        )
                    })
                    .collect();
                (
                    r.method().to_owned(),
                    r.uri()
                        .trim_start_matches("http://127.0.0.1:9000")
                        .to_owned(),
                    headers,
                    String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned(),
                )
            })
            .collect()
    }
}

fn object() -> ObjectInfo {
    ObjectInfo {
        key: KEY.into(),
        content_type: Some("video/mp4".into()),
        metadata: BTreeMap::from([("description".into(), "holiday — ünïcode".into())]),
        if_absent: false,
    }
}

/// Records what the engine reports.
#[derive(Default)]
struct Log {
    started: RefCell<Vec<String>>,
    progress: RefCell<Vec<u64>>,
    retries: RefCell<Vec<(u32, u32, StorageError)>>,
    verified: RefCell<Vec<(u32, u32)>>,
    paused: Cell<u32>,
}

impl Observer for Log {
    fn started(&self, upload_id: &str, _plan: &Plan) {
        self.started.borrow_mut().push(upload_id.into());
    }
    fn progress(&self, bytes: u64) {
        self.progress.borrow_mut().push(bytes);
    }
    fn verified(&self, kept: u32, resend: u32) {
        self.verified.borrow_mut().push((kept, resend));
    }
    fn retrying(&self, part: u32, attempt: u32, error: &StorageError, _wait: Duration) {
        self.retries
            .borrow_mut()
            .push((part, attempt, error.clone()));
    }
    fn paused(&self, _reason: &UploadError) {
        self.paused.set(self.paused.get() + 1);
    }
}

const SIZE: usize = 12 * MIB as usize;
const PART: u64 = 5 * MIB;

fn new_state() -> UploadState {
    UploadState::new(object(), SIZE as u64, PART).unwrap()
}

// ------------------------------------------------------------------------------ tests

#[tokio::test]
async fn a_large_file_goes_up_in_parallel_parts_with_checksums() {
    let h = Harness::new(vec![created("up-1"), completed()]);
    let data = file_bytes(SIZE);
    let io = FakeBrowser::new(data.clone());
    let log = Log::default();
    let mut state = new_state();

    let done = h
        .transfer(&io)
        .upload(&mut state, &log)
        .await
        .expect("upload");

    assert_eq!(done.etag.as_deref(), Some("\"whole-3\""));
    assert_eq!((done.requests, done.reused), (3, 0));
    assert_eq!(*log.started.borrow(), ["up-1"]);
    assert_eq!(
        io.most_in_flight.get(),
        2,
        "the limiter allows two parts at once"
    );
    let mut sent = io.sent.borrow().clone();
    sent.sort_by_key(|s| s.part);
    for s in &sent {
        let bytes = &data[s.range.start as usize..s.range.end as usize];
        assert_eq!(
            s.checksum,
            Some(crc32_base64(crc32(bytes))),
            "part {}",
            s.part
        );
    }
    assert_eq!(
        sent.iter().map(|s| s.range.clone()).collect::<Vec<_>>(),
        [0..PART, PART..2 * PART, 2 * PART..SIZE as u64]
    );
    assert_eq!(log.progress.borrow().last(), Some(&(SIZE as u64)));
    assert!(log.progress.borrow().iter().all(|&b| b <= SIZE as u64));

    let requests = h.requests();
    assert_eq!(
        requests.len(),
        2,
        "create and complete; the parts went around the SDK"
    );
    let (method, uri, headers, _) = &requests[0];
    assert_eq!(
        (method.as_str(), uri.as_str()),
        ("POST", "/pail-demo/users/alice/big%20file.bin?uploads")
    );
    assert_eq!(headers["content-type"], "video/mp4");
    assert_eq!(headers["x-amz-checksum-algorithm"], "CRC32");
    assert_eq!(headers["x-amz-checksum-type"], "FULL_OBJECT");
    assert_eq!(
        headers["x-amz-meta-description"],
        "=?UTF-8?B?aG9saWRheSDigJQgw7xuw69jb2Rl?="
    );
    let (method, uri, headers, body) = &requests[1];
    assert_eq!(
        (method.as_str(), uri.as_str()),
        (
            "POST",
            "/pail-demo/users/alice/big%20file.bin?uploadId=up-1"
        )
    );
    assert_eq!(
        headers["x-amz-checksum-crc32"],
        crc32_base64(crc32(&data)).as_str(),
        "the whole object's CRC32, combined from the parts'"
    );
    assert_eq!(headers["x-amz-checksum-type"], "FULL_OBJECT");
    for s in &sent {
        let part = format!(
            "<Part><ETag>&quot;etag-{n}&quot;</ETag><ChecksumCRC32>{}</ChecksumCRC32><PartNumber>{n}</PartNumber></Part>",
            s.checksum.as_deref().unwrap(),
            n = s.part
        );
        assert!(body.contains(&part), "{part} in {body}");
    }
}

#[tokio::test]
async fn a_small_file_is_one_presigned_put() {
    let h = Harness::new(vec![]);
    let data = file_bytes(1000);
    let io = FakeBrowser::new(data.clone());
    let mut state = UploadState::new(object(), 1000, PART).unwrap();

    let done = h
        .transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .expect("upload");

    assert_eq!(done.requests, 1);
    assert!(h.requests().is_empty(), "no SDK request at all");
    let sent = io.sent.borrow();
    assert_eq!(sent[0].range, 0..1000);
    assert_eq!(sent[0].checksum, Some(crc32_base64(crc32(&data))));
}

#[tokio::test]
async fn a_new_file_is_stored_only_where_nothing_is_and_a_taken_name_is_said_so() {
    let h = Harness::new(vec![]);
    let io = FakeBrowser::new(file_bytes(1000));
    // Someone created the file meanwhile: S3 refuses the If-None-Match.
    io.script(
        1,
        s3_error(
            412,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
        ),
    );
    let new_file = ObjectInfo {
        if_absent: true,
        ..object()
    };
    let mut state = UploadState::new(new_file, 1000, PART).unwrap();
    let error = h
        .transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        UploadError::Storage(StorageError::Exists { key: KEY.into() })
    );
    // Signed with the request (the browser cannot leave it out), and not retried.
    assert_eq!(io.sent.borrow().len(), 1);
    assert_eq!(io.sent.borrow()[0].if_none_match.as_deref(), Some("*"));

    // The user chose to replace: no condition, and it goes through.
    let io = FakeBrowser::new(file_bytes(1000));
    let mut state = UploadState::new(object(), 1000, PART).unwrap();
    h.transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .expect("upload");
    assert_eq!(io.sent.borrow()[0].if_none_match, None);
}

#[tokio::test]
async fn a_new_file_in_parts_completes_only_where_nothing_is() {
    let taken = answer(
        412,
        "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you \
         specified did not hold</Message><Condition>If-None-Match</Condition></Error>",
    );
    let h = Harness::new(vec![created("up-1"), taken]);
    let io = FakeBrowser::new(file_bytes(SIZE));
    let mut state = UploadState::new(
        ObjectInfo {
            if_absent: true,
            ..object()
        },
        SIZE as u64,
        PART,
    )
    .unwrap();
    let error = h
        .transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        UploadError::Storage(StorageError::Exists { key: KEY.into() })
    );
    let requests = h.requests();
    let (method, path, headers, _) = requests.last().expect("CompleteMultipartUpload");
    assert_eq!(method, "POST");
    assert!(path.contains("uploadId=up-1"), "{path}");
    assert_eq!(
        headers.get("if-none-match").map(|v| v.to_str().unwrap()),
        Some("*")
    );
    // The parts are kept for the answer to "replace, keep both or skip?".
    assert_eq!(state.upload_id.as_deref(), Some("up-1"));
    assert_eq!(state.finished.len(), 3);
}

#[tokio::test]
async fn an_empty_file_is_uploaded_too() {
    let h = Harness::new(vec![]);
    let io = FakeBrowser::new(Vec::new());
    let mut state = UploadState::new(object(), 0, PART).unwrap();
    h.transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .expect("upload");
    assert_eq!(io.sent.borrow()[0].checksum.as_deref(), Some("AAAAAA=="));
}

#[tokio::test]
async fn a_part_that_fails_once_is_retried_after_a_pause() {
    let h = Harness::new(vec![created("up-1"), completed()]);
    let io = FakeBrowser::new(file_bytes(SIZE));
    io.script(
        2,
        s3_error(500, "InternalError", "We encountered an internal error."),
    );
    let log = Log::default();
    let mut state = new_state();

    let done = h
        .transfer(&io)
        .upload(&mut state, &log)
        .await
        .expect("upload");

    assert_eq!(done.requests, 4);
    let mut parts = io.parts_sent();
    parts.sort_unstable();
    assert_eq!(parts, [1, 2, 2, 3]);
    let retries = log.retries.borrow();
    assert_eq!(retries.len(), 1);
    assert_eq!((retries[0].0, retries[0].1), (2, 1));
    assert!(
        matches!(&retries[0].2, StorageError::Other { code, .. } if code == "InternalError"),
        "{:?}",
        retries[0].2
    );
    assert_eq!(*io.slept.borrow(), [RetryPolicy::default().delay(1)]);
}

#[tokio::test]
async fn a_part_that_keeps_failing_stops_the_file_and_retry_goes_on_from_there() {
    let h = Harness::new(vec![created("up-1"), completed()]);
    let io = FakeBrowser::new(file_bytes(SIZE));
    for _ in 0..5 {
        io.script(
            3,
            s3_error(503, "SlowDown", "Please reduce your request rate."),
        );
    }
    let log = Log::default();
    let mut state = new_state();

    let error = h
        .transfer(&io)
        .upload(&mut state, &log)
        .await
        .expect_err("part 3 fails five times");
    assert!(
        matches!(&error, UploadError::Storage(StorageError::Other { code, .. }) if code == "SlowDown"),
        "{error:?}"
    );
    assert_eq!(log.retries.borrow().len(), 4, "five attempts");
    let delays = io.slept.borrow().clone();
    assert!(
        delays.windows(2).all(|w| w[1] >= w[0]),
        "backing off: {delays:?}"
    );
    assert_eq!(state.upload_id.as_deref(), Some("up-1"));
    assert_eq!(state.finished.keys().copied().collect::<Vec<_>>(), [1, 2]);

    // "Retry": the same state, a network that works again — only part 3 goes.
    let io = FakeBrowser::new(file_bytes(SIZE));
    let done = h
        .transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .expect("retry");
    assert_eq!(io.parts_sent(), [3]);
    assert_eq!(done.requests, 1);
    assert_eq!(h.requests().len(), 2, "no second CreateMultipartUpload");
}

#[tokio::test]
async fn a_refused_part_is_not_retried() {
    let h = Harness::new(vec![created("up-1")]);
    let io = FakeBrowser::new(file_bytes(SIZE));
    io.script(1, s3_error(403, "AccessDenied", "Access Denied"));
    let mut state = new_state();
    let error = h
        .transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(error, UploadError::Storage(StorageError::AccessDenied { ref target }) if target == KEY),
        "{error:?}"
    );
    assert_eq!(io.parts_sent().iter().filter(|&&p| p == 1).count(), 1);
}

#[tokio::test]
async fn a_hidden_etag_is_named_as_such() {
    let h = Harness::new(vec![created("up-1")]);
    let mut io = FakeBrowser::new(file_bytes(SIZE));
    io.hide_etag = true;
    let mut state = new_state();
    let error = h
        .transfer(&io)
        .upload(&mut state, &Quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, UploadError::EtagHidden { bucket, origin, .. } if bucket == "pail-demo" && origin == ORIGIN),
        "{error:?}"
    );
    assert_eq!(
        state.upload_id.as_deref(),
        Some("up-1"),
        "kept, to cancel or retry"
    );
}

#[tokio::test]
async fn a_resumed_upload_keeps_the_stored_parts_that_match_the_file() {
    let data = file_bytes(SIZE);
    let good = crc32(&data[..PART as usize]);
    let h = Harness::new(vec![
        // Part 1 matches the file; part 2 was stored from other bytes; part 3 is missing.
        listed_parts(&[(1, PART, Some(good)), (2, PART, Some(good ^ 1))]),
        completed(),
    ]);
    let io = FakeBrowser::new(data.clone());
    let log = Log::default();
    let mut state = UploadState::resume(object(), SIZE as u64, PART, "up-1".into()).unwrap();

    let done = h
        .transfer(&io)
        .upload(&mut state, &log)
        .await
        .expect("resumed");

    assert_eq!(*log.verified.borrow(), [(1, 1)]);
    let mut parts = io.parts_sent();
    parts.sort_unstable();
    assert_eq!(parts, [2, 3], "part 1 is not sent again");
    assert_eq!((done.requests, done.reused), (2, 1));
    assert!(log.started.borrow().is_empty(), "no new upload");
    let requests = h.requests();
    assert!(
        requests[0].1.ends_with("?x-id=ListParts&uploadId=up-1"),
        "{}",
        requests[0].1
    );
    assert_eq!(requests[0].0, "GET");
    let body = &requests[1].3;
    assert!(body.contains("<ETag>&quot;stored-1&quot;</ETag>"), "{body}");
    assert!(body.contains("<ETag>&quot;etag-2&quot;</ETag>"), "{body}");
    assert_eq!(
        parse_crc32_base64(requests[1].2["x-amz-checksum-crc32"].to_str().unwrap()),
        Some(crc32(&data))
    );
    let first = log.progress.borrow().iter().copied().find(|&b| b > 0);
    assert_eq!(first, Some(PART), "progress goes on from what is stored");
}

#[tokio::test]
async fn a_resumed_upload_that_is_gone_starts_over() {
    let h = Harness::new(vec![
        answer(
            404,
            "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>",
        ),
        created("up-2"),
        completed(),
    ]);
    let io = FakeBrowser::new(file_bytes(SIZE));
    let log = Log::default();
    let mut state = UploadState::resume(object(), SIZE as u64, PART, "up-1".into()).unwrap();
    h.transfer(&io)
        .upload(&mut state, &log)
        .await
        .expect("started over");
    assert_eq!(*log.started.borrow(), ["up-2"]);
    assert_eq!(io.parts_sent().len(), 3);
}

#[tokio::test]
async fn an_expired_sign_in_pauses_everything_until_the_gate_opens() {
    let h = Harness::new(vec![created("up-1"), completed()]);
    h.sign_in.expired.store(true, Ordering::SeqCst);
    let io = FakeBrowser::new(file_bytes(SIZE));
    let log = Log::default();
    let mut state = new_state();

    let transfer = h.transfer(&io);
    let upload = transfer.upload(&mut state, &log);
    let user = async {
        while log.paused.get() == 0 {
            tokio::task::yield_now().await;
        }
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert!(io.sent.borrow().is_empty(), "nothing is sent while paused");
        assert!(
            h.gate.reason().is_some_and(|r| r.needs_sign_in()),
            "{:?}",
            h.gate.reason()
        );
        // The user signs in again: new credentials, the gate opens.
        h.sign_in.expired.store(false, Ordering::SeqCst);
        h.gate.open();
    };
    let (done, ()) = futures::join!(upload, user);

    done.expect("completed after the new sign-in");
    assert_eq!(
        log.paused.get(),
        1,
        "paused once, by whichever call met it first"
    );
    assert_eq!(io.parts_sent().len(), 3);
}

#[tokio::test]
async fn cancel_aborts_and_checks_that_nothing_is_left() {
    let h = Harness::new(vec![
        answer(204, ""),
        // S3 still lists it (a part was arriving): abort again.
        uploads_listed(&["up-1"]),
        answer(204, ""),
        uploads_listed(&["some-other-upload"]),
    ]);
    let io = FakeBrowser::new(Vec::new());
    let mut state = new_state();
    state.upload_id = Some("up-1".into());
    state.finished.insert(
        1,
        FinishedPart {
            number: 1,
            etag: "e".into(),
            crc32: 1,
        },
    );

    h.transfer(&io).cancel(&mut state).await.expect("cancelled");

    assert_eq!(state.upload_id, None);
    assert!(state.finished.is_empty());
    let requests = h.requests();
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|(m, u, _, _)| (m.as_str(), u.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "DELETE",
                "/pail-demo/users/alice/big%20file.bin?x-id=AbortMultipartUpload&uploadId=up-1"
            ),
            (
                "GET",
                "/pail-demo/?uploads&prefix=users%2Falice%2Fbig%20file.bin"
            ),
            (
                "DELETE",
                "/pail-demo/users/alice/big%20file.bin?x-id=AbortMultipartUpload&uploadId=up-1"
            ),
            (
                "GET",
                "/pail-demo/?uploads&prefix=users%2Falice%2Fbig%20file.bin"
            ),
        ]
    );
}
