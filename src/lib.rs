//! Pail: your own files in Amazon S3, straight from the browser.
//!
//! Data flows one way: [`config`] → [`auth`] (OIDC) → [`credentials`] (STS) → [`storage`] (S3)
//! → `ui`; the setup [`doctor`] checks that whole chain when it does not work. The protocol
//! modules are plain Rust, tested on the host; the browser glue (`platform`) and the UI (`app`,
//! `ui`) exist only on wasm32.

pub mod auth;
pub mod clock_skew;
pub mod config;
pub mod credentials;
pub mod csp;
pub mod doctor;
pub mod error;
pub mod format;
pub mod listing;
pub mod preview;
pub mod routes;
pub mod sdk;
pub mod storage;
pub mod text;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod platform;
#[cfg(target_arch = "wasm32")]
pub mod ui;
