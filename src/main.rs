//! Start-up only: panic hook, then mount the app (or the settings page if the build's
//! configuration is invalid). Everything else lives in the library.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    pail::app::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Pail runs in the browser: build it with `trunk build` (see README.md).");
    std::process::exit(2);
}
