//! The upload benchmark's page (built and driven by `scripts/bench-upload`, see
//! bench/README.md): fetches generated files from the bench server as Blobs, uploads each with
//! Pail's upload engine — or, for comparison, with the SDK's own UploadPart and the part's
//! bytes copied into wasm memory — and posts timings and memory figures to the server.
//!
//! No WebDriver or DevTools client is attached while it runs: a debugging client copies request
//! bodies into its events and slows uploads several-fold (../../PEERS.md).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use futures::StreamExt;
use pail::auth::IdTokenJwt;
use pail::config::{AppConfig, build_time_lookup};
use pail::credentials::{WebIdentityCredentials, sts_client};
use pail::platform::blob_io::BlobIo;
use pail::platform::http;
use pail::platform::sdk_runtime;
use pail::sdk::sdk_config;
use pail::storage::upload::{
    Gate, Limiter, ObjectInfo, Quiet, RetryPolicy, Transfer, UploadError, UploadState,
};
use pail::storage::{Storage, s3_client};
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// What the server asks for, from the page's `#fragment` (JSON).
struct Plan {
    token: String,
    user: String,
    sizes: Vec<u64>,
    /// "presigned" (Pail's engine), "sdk" (UploadPart with bytes in wasm), "single" (one
    /// presigned PUT of the whole Blob).
    transports: Vec<String>,
    part_size: u64,
    parallel: usize,
    runs: usize,
    /// "fetch": Blobs fetched from the bench server (in the browser's blob store);
    /// "input": Files from disk, set on `#files` by the runner before it detached.
    source: String,
}

#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = run().await {
            report(&json!({"event": "error", "message": e})).await;
        }
        report(&json!({"event": "done"})).await;
    });
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn plan() -> Result<Plan, String> {
    let hash = web_sys::window()
        .ok_or("no window")?
        .location()
        .hash()
        .map_err(|e| format!("{e:?}"))?;
    let text = js_sys::decode_uri_component(hash.trim_start_matches('#'))
        .map_err(|e| format!("{e:?}"))?
        .as_string()
        .unwrap_or_default();
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("bad plan: {e}"))?;
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Plan {
        token: v["token"].as_str().ok_or("no token")?.to_owned(),
        user: v["user"].as_str().ok_or("no user")?.to_owned(),
        sizes: v["sizes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default(),
        transports: strings("transports"),
        part_size: v["part_size"].as_u64().unwrap_or(16 << 20),
        parallel: v["parallel"].as_u64().map_or(4, |n| n as usize),
        runs: v["runs"].as_u64().map_or(1, |n| n as usize),
        source: v["source"].as_str().unwrap_or("fetch").to_owned(),
    })
}

async fn report(value: &Value) {
    let body = value.to_string();
    let _ = http::fetch(http::Request {
        method: "POST",
        url: "/report",
        headers: vec![("content-type".into(), "application/json".into())],
        body: Some(body.as_bytes()),
    })
    .await;
}

/// Memory the page can see: wasm linear memory and (Chromium) the JS heap.
fn memory() -> Value {
    let wasm = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map_or(0.0, |b| f64::from(b.byte_length()));
    let heap = web_sys::window()
        .and_then(|w| w.performance())
        .and_then(|p| js_sys::Reflect::get(&p, &"memory".into()).ok())
        .and_then(|m| js_sys::Reflect::get(&m, &"usedJSHeapSize".into()).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    json!({"wasm_bytes": wasm, "js_heap_bytes": heap})
}

async fn fetch_blob(size: u64) -> Result<web_sys::Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str(&format!("/data?size={size}")))
            .await
            .map_err(|e| format!("{e:?}"))?
            .unchecked_into();
    let blob = JsFuture::from(response.blob().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(blob.unchecked_into())
}

/// The chosen file of `size` bytes, once the runner has set the input and detached from the
/// browser (`/go` answers 200 then).
async fn file_from_input(size: u64) -> Result<web_sys::Blob, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    loop {
        let found = document
            .get_element_by_id("files")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|list| {
                (0..list.length())
                    .filter_map(|i| list.get(i))
                    .find(|f| f.size() as u64 == size)
            });
        if let Some(file) = found {
            let go = http::fetch(http::Request {
                method: "GET",
                url: "/go",
                headers: Vec::new(),
                body: None,
            })
            .await;
            if go.is_ok_and(|r| r.status == 200) {
                return Ok(file.into());
            }
        }
        pail::platform::clock::timeout(Duration::from_millis(200)).await;
    }
}

async fn run() -> Result<(), String> {
    let plan = plan()?;
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let cfg = AppConfig::from_lookup(build_time_lookup, &origin)
        .map_err(|e| format!("settings: {e:?}"))?;
    let runtime = sdk_runtime();
    let sdk = sdk_config(&cfg.aws.region, &runtime);
    let credentials =
        WebIdentityCredentials::new(sts_client(&sdk, &cfg.aws), &cfg.aws, runtime.time_source);
    credentials.set_token(IdTokenJwt::new(plan.token.clone()), &plan.user);
    // The SDK's own client, for the SDK transports; Pail's engine through `Storage`.
    let client = s3_client(&sdk, &cfg.s3, credentials.clone());
    let home = format!("users/{}/", plan.user);
    let storage = Storage::connect(
        &sdk,
        &cfg.s3,
        &cfg.aws.region,
        home.clone(),
        credentials.clone(),
    );
    // Credentials first, so that no run pays for the STS exchange.
    credentials.credentials().await.map_err(|e| e.to_string())?;

    for &size in &plan.sizes {
        report(&json!({"event": "fetching", "size": size, "memory": memory()})).await;
        let blob = if plan.source == "input" {
            file_from_input(size).await?
        } else {
            fetch_blob(size).await?
        };
        report(&json!({"event": "fetched", "size": size, "memory": memory()})).await;
        for transport in &plan.transports {
            for run in 0..plan.runs {
                let key = format!("{home}bench-{transport}-{size}-{run}.bin");
                report(&json!({"event": "start", "size": size, "transport": transport, "run": run, "memory": memory()})).await;
                let t0 = now_ms();
                let outcome = match transport.as_str() {
                    "presigned" => {
                        engine(
                            &storage,
                            &blob,
                            &key,
                            size,
                            plan.part_size,
                            plan.parallel,
                            &origin,
                        )
                        .await
                    }
                    "single" => engine(&storage, &blob, &key, size, 5 << 30, 1, &origin).await,
                    "sdk" => {
                        sdk_parts(
                            &client,
                            &cfg.s3.bucket,
                            &blob,
                            &key,
                            size,
                            plan.part_size,
                            plan.parallel,
                        )
                        .await
                    }
                    "crc-only" => crc_only(&blob, size, plan.part_size, plan.parallel).await,
                    "xhr-nocrc" => {
                        xhr_without_checksums(
                            &client,
                            &cfg.s3.bucket,
                            &blob,
                            &key,
                            size,
                            plan.part_size,
                            plan.parallel,
                        )
                        .await
                    }
                    other => Err(format!("unknown transport {other}")),
                };
                let ms = now_ms() - t0;
                report(&json!({
                    "event": "end", "size": size, "transport": transport, "run": run, "ms": ms,
                    "error": outcome.err(), "memory": memory(),
                    "exchanges": credentials.exchanges(),
                }))
                .await;
                let _ = storage.delete(&key).await;
                // Let the server settle (moto frees the object).
                pail::platform::clock::timeout(Duration::from_millis(300)).await;
            }
        }
    }
    Ok(())
}

/// Diagnostic: only the CRC32s of the parts, in the workers, as many at a time as parts would
/// be sent (what summing costs by itself).
async fn crc_only(
    blob: &web_sys::Blob,
    size: u64,
    part_size: u64,
    parallel: usize,
) -> Result<(), String> {
    let pool = pail::platform::crc::CrcPool::shared()?;
    let count = size.div_ceil(part_size);
    let results: Vec<Result<u32, String>> = futures::stream::iter(1..=count)
        .map(|n| {
            let pool = pool.clone();
            async move {
                pool.crc32(blob, (n - 1) * part_size..(n * part_size).min(size))
                    .await
            }
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    results
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map(|_| ())
}

/// Diagnostic: presigned parts sent by XHR without any checksum (what sending costs by
/// itself); not how Pail uploads.
async fn xhr_without_checksums(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    blob: &web_sys::Blob,
    key: &str,
    size: u64,
    part_size: u64,
    parallel: usize,
) -> Result<(), String> {
    let created = client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| pail::sdk::chain(Some(&e)))?;
    let upload_id = created.upload_id().ok_or("no upload id")?.to_owned();
    let count = size.div_ceil(part_size);
    let results: Vec<Result<CompletedPart, String>> = futures::stream::iter(1..=count)
        .map(|n| {
            let upload_id = upload_id.clone();
            async move {
                let now = pail::platform::clock::BrowserClock::now_ms();
                let presigning = aws_sdk_s3::presigning::PresigningConfig::builder()
                    .start_time(std::time::UNIX_EPOCH + Duration::from_millis(now))
                    .expires_in(Duration::from_secs(900))
                    .build()
                    .map_err(|e| e.to_string())?;
                let signed = client
                    .upload_part()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .part_number(n as i32)
                    .presigned(presigning)
                    .await
                    .map_err(|e| pail::sdk::chain(Some(&e)))?;
                let headers: Vec<(String, String)> = signed
                    .headers()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                #[allow(clippy::cast_precision_loss)]
                let slice = blob
                    .slice_with_f64_and_f64(
                        ((n - 1) * part_size) as f64,
                        ((n * part_size).min(size)) as f64,
                    )
                    .map_err(|e| format!("{e:?}"))?;
                let answer = pail::platform::xhr::put_blob(
                    signed.uri(),
                    &headers,
                    &slice,
                    &|_| {},
                    pail::platform::blob_io::STALL,
                )
                .await?;
                if answer.status != 200 {
                    return Err(format!("HTTP {} {}", answer.status, answer.body));
                }
                Ok(CompletedPart::builder()
                    .part_number(n as i32)
                    .set_e_tag(answer.etag)
                    .build())
            }
        })
        .buffered(parallel)
        .collect()
        .await;
    let parts = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    client
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map_err(|e| pail::sdk::chain(Some(&e)))?;
    Ok(())
}

/// Pail's way: presigned parts, the browser sends each Blob slice itself.
async fn engine(
    storage: &Storage,
    blob: &web_sys::Blob,
    key: &str,
    size: u64,
    part_size: u64,
    parallel: usize,
    origin: &str,
) -> Result<(), String> {
    let io = BlobIo::new(blob.clone())?;
    let parts = Limiter::new(parallel);
    let gate: Gate<UploadError> = Gate::default();
    let transfer = Transfer {
        origin,
        storage,
        io: &io,
        parts: &parts,
        gate: &gate,
        retry: RetryPolicy::default(),
    };
    let object = ObjectInfo {
        key: key.to_owned(),
        content_type: Some("application/octet-stream".into()),
        ..ObjectInfo::default()
    };
    let mut state = UploadState::new(object, size, part_size).map_err(|e| e.to_string())?;
    transfer
        .upload(&mut state, &Quiet)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The other way, for comparison: each part read into wasm memory, the SDK's UploadPart
/// computes its CRC32 and the fetch connector copies it out again.
async fn sdk_parts(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    blob: &web_sys::Blob,
    key: &str,
    size: u64,
    part_size: u64,
    parallel: usize,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let created = client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .map_err(|e| err(&pail::sdk::chain(Some(&e))))?;
    let upload_id = created.upload_id().ok_or("no upload id")?.to_owned();
    let count = size.div_ceil(part_size);
    let results: Vec<Result<CompletedPart, String>> = futures::stream::iter(1..=count)
        .map(|n| {
            let (start, end) = ((n - 1) * part_size, (n * part_size).min(size));
            let upload_id = upload_id.clone();
            async move {
                #[allow(clippy::cast_precision_loss)]
                let slice = blob
                    .slice_with_f64_and_f64(start as f64, end as f64)
                    .map_err(|e| format!("{e:?}"))?;
                let buffer = JsFuture::from(slice.array_buffer())
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                let out = client
                    .upload_part()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .part_number(n as i32)
                    .checksum_algorithm(ChecksumAlgorithm::Crc32)
                    .body(ByteStream::from(bytes))
                    .send()
                    .await
                    .map_err(|e| pail::sdk::chain(Some(&e)))?;
                Ok(CompletedPart::builder()
                    .part_number(n as i32)
                    .set_e_tag(out.e_tag().map(str::to_owned))
                    .set_checksum_crc32(out.checksum_crc32().map(str::to_owned))
                    .build())
            }
        })
        .buffered(parallel)
        .collect()
        .await;
    let parts = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    client
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map_err(|e| pail::sdk::chain(Some(&e)))?;
    Ok(())
}
