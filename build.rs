//! Bakes the development settings from `.env` into the build.
//!
//! Every `PAIL_*` line of the env file (`PAIL_ENV_FILE`, default `.env`) becomes a compile-time
//! variable that `src/config.rs` reads with `option_env!`. A variable already set in the
//! process environment wins, so CI and tests can override a single value.

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let file = env::var("PAIL_ENV_FILE").map_or_else(|_| manifest.join(".env"), PathBuf::from);
    println!("cargo:rerun-if-env-changed=PAIL_ENV_FILE");
    println!("cargo:rerun-if-changed={}", file.display());

    let Ok(text) = fs::read_to_string(&file) else {
        return;
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_start_matches("export ").trim();
        if !key.starts_with("PAIL_") {
            continue;
        }
        println!("cargo:rerun-if-env-changed={key}");
        if env::var_os(key).is_some() {
            continue;
        }
        let value = value.trim().trim_matches('"').trim_matches('\'');
        println!("cargo:rustc-env={key}={value}");
    }
}
