//! Browser glue, wasm32 only: the one caller of `window.fetch` ([`http`]), the bridge from the
//! browser's single-threaded futures to the `Send` futures the AWS SDK wants ([`local_task`]),
//! the SDK's clock, sleep and HTTP connector ([`clock`], [`connector`]), page state that
//! must survive a redirect ([`browser`]), and ID-token signature checks ([`webcrypto`]). For
//! uploads: the one user of XMLHttpRequest ([`xhr`]), CRC32 in Web Workers ([`crc`]), the two
//! joined into the upload engine's byte mover ([`blob_io`]), and the files the user picks or
//! drops ([`files`]).
//!
//! Kept thin: decisions live in the host-tested modules; these files only move bytes.

pub mod blob_io;
pub mod browser;
pub mod clock;
pub mod connector;
pub mod crc;
pub mod files;
pub mod http;
pub mod local_task;
pub mod webcrypto;
pub mod xhr;

use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_async::time::SharedTimeSource;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The SDK runtime for this browser tab.
pub fn sdk_runtime() -> crate::sdk::Runtime {
    crate::sdk::Runtime {
        http_client: SharedHttpClient::new(connector::FetchHttpClient),
        time_source: SharedTimeSource::new(clock::BrowserClock),
        sleep: SharedAsyncSleep::new(clock::BrowserSleep),
    }
}
