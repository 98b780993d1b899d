//! The SDK's clock and timer in the browser: `SystemTime::now()` panics on
//! wasm32-unknown-unknown, so time comes from `Date.now()` and sleeps from `setTimeout`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_async::rt::sleep::{AsyncSleep, Sleep};
use aws_smithy_async::time::TimeSource;
use wasm_bindgen_futures::JsFuture;

use super::local_task::run_local;

/// Wall-clock time: `Date.now()` corrected to AWS's time once a skew has been seen
/// (`crate::clock_skew`), so signatures and credential expiry use the clock AWS checks them
/// against.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserClock;

impl BrowserClock {
    /// Milliseconds since the epoch at AWS's time (as far as known).
    pub fn now_ms() -> u64 {
        crate::clock_skew::corrected_ms(Self::device_ms())
    }

    /// Milliseconds since the epoch by this device's clock, uncorrected.
    pub fn device_ms() -> u64 {
        // Date.now() is a whole, non-negative number of milliseconds well below 2^53.
        let ms = js_sys::Date::now();
        if ms.is_finite() && ms > 0.0 {
            ms as u64
        } else {
            0
        }
    }

    /// Learns AWS's time from the `Date` header of an answer that just arrived.
    pub fn observe_date(date: &str) {
        crate::clock_skew::observe(date, Self::device_ms());
    }
}

impl TimeSource for BrowserClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(Self::now_ms())
    }
}

/// Sleeps on the page's `setTimeout`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserSleep;

impl AsyncSleep for BrowserSleep {
    fn sleep(&self, duration: Duration) -> Sleep {
        let done = run_local(timeout(duration));
        Sleep::new(async move {
            done.await;
        })
    }
}

/// Resolves after `duration`.
pub async fn timeout(duration: Duration) {
    let ms = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}
