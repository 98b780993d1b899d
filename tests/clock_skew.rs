//! A device clock that is off, in the browser against the real stack: the stack's S3 (and
//! STS, for carol) runs an hour ahead or behind under one prefix (its `clock` knob), and
//! requests signed by the SDK and presigned uploads still go through, once each, after the
//! `Date` of the refusal has corrected the app's clock (`pail::clock_skew`).
//!
//! A test binary of its own: the learned offset is process-wide (one page talks to one AWS),
//! and wasm-bindgen-test runs the tests of one binary concurrently in one page.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use pail::platform::blob_io::BlobIo;
use pail::platform::clock::BrowserClock;
use pail::storage::NewObject;
use pail::storage::upload::{Gate, Limiter, ObjectInfo, Quiet, UploadState};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[allow(dead_code)]
#[path = "fixtures/browser_support.rs"]
mod browser_support;
use browser_support::*;

/// What the stack's S3 counted for `key` (`knob_app` in stack/s3/adapter.py).
async fn counters(key: &str) -> serde_json::Value {
    let endpoint = config().s3.endpoint.expect("test stack has an S3 endpoint");
    let url = format!(
        "{}__pail/counters?key={}",
        endpoint.as_str(),
        String::from(js_sys::encode_uri_component(key))
    );
    let response = pail::platform::http::fetch(pail::platform::http::Request {
        method: "GET",
        url: &url,
        headers: Vec::new(),
        body: None,
    })
    .await
    .expect("counters");
    serde_json::from_slice(&response.body).expect("counters are JSON")
}

/// Forgets any learned skew, as if this device's clock were right (observing a `Date` that
/// equals the device's time).
fn trust_the_device_clock() {
    let now = BrowserClock::device_ms();
    let date = aws_smithy_types::DateTime::from_millis(now as i64)
        .fmt(aws_smithy_types::date_time::Format::HttpDate)
        .expect("an HTTP date");
    pail::clock_skew::observe(&date, now);
    assert_eq!(pail::clock_skew::offset_ms(), 0);
}

fn assert_offset_near(expected_ms: i64) {
    let offset = pail::clock_skew::offset_ms();
    assert!(
        (offset - expected_ms).abs() < 10_000,
        "learned offset {offset} ms, expected about {expected_ms} ms"
    );
}

#[wasm_bindgen_test]
async fn a_device_clock_an_hour_off_is_corrected_from_s3s_date_and_requests_go_through() {
    let prefix = format!("users/carol/{}/", unique("clock"));
    let carol = signed_in_as("carol", token("carol"));
    trust_the_device_clock();

    // S3 (and STS, for carol) an hour ahead of this device: the SDK's first PutObject is
    // refused (RequestTimeTooSkewed), the Date of the refusal is learned, the retry goes in.
    knob(
        "clock",
        &format!(r#"{{"prefix": "{prefix}", "sub": "carol", "seconds": 3600}}"#),
    )
    .await;
    let small = format!("{prefix}small.txt");
    let put = carol
        .storage
        .put(NewObject {
            key: small.clone(),
            body: b"on time".to_vec(),
            content_type: None,
            metadata: BTreeMap::new(),
        })
        .await;
    assert!(put.is_ok(), "{put:?}");
    assert_eq!(
        counters(&small).await["PutObject"]["0"],
        serde_json::json!({"received": 2, "stored": 1}),
        "one refusal, one retry"
    );
    assert_offset_near(3_600_000);

    // A presigned upload (a file small enough for one PUT, the first request of its upload):
    // signed at the device's time, it has "expired" by S3's clock; the refusal's Date is
    // learned through XMLHttpRequest and the PUT is signed again.
    trust_the_device_clock();
    let key = format!("{prefix}presigned.bin");
    let data = pattern(1 << 20, 3);
    let io = BlobIo::new(blob_of(&data)).expect("byte mover");
    let (parts, gate, origin) = (Limiter::new(1), Gate::default(), origin());
    let object = ObjectInfo {
        key: key.clone(),
        ..ObjectInfo::default()
    };
    let mut state = UploadState::new(object, data.len() as u64, 5 << 20).expect("plan");
    assert_eq!(state.plan.parts(), 1);
    transfer(&carol, &io, &parts, &gate, &origin)
        .upload(&mut state, &Quiet)
        .await
        .expect("the upload goes through once the clock is corrected");
    assert_offset_near(3_600_000);
    let sent = counters(&key).await;
    assert_eq!(
        sent["PutObject"]["0"],
        serde_json::json!({"received": 2, "stored": 1}),
        "{sent}"
    );
    assert_eq!(
        carol.storage.head(&key).await.expect("head").size,
        data.len() as u64
    );

    // And a device clock an hour ahead.
    trust_the_device_clock();
    knob(
        "clock",
        &format!(r#"{{"prefix": "{prefix}", "sub": "carol", "seconds": -3600}}"#),
    )
    .await;
    let ahead = format!("{prefix}ahead.txt");
    let put = carol
        .storage
        .put(NewObject {
            key: ahead.clone(),
            body: b"ahead".to_vec(),
            content_type: None,
            metadata: BTreeMap::new(),
        })
        .await;
    assert!(put.is_ok(), "{put:?}");
    assert_offset_near(-3_600_000);

    knob(
        "clock",
        &format!(r#"{{"prefix": "{prefix}", "sub": "carol", "seconds": 0}}"#),
    )
    .await;
    trust_the_device_clock();
    for k in [small, key, ahead] {
        carol.storage.delete(&k).await.expect("cleanup");
    }
}
