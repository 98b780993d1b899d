//! Transfer rate and time left, from (time, bytes so far) samples.
//!
//! The rate is measured over a sliding window (the last few seconds), so that it follows a
//! change of speed without jumping on every progress event; time left is what remains at that
//! rate.

use std::collections::VecDeque;

/// The window the rate is measured over.
pub const WINDOW_MS: u64 = 5_000;

#[derive(Debug, Clone, Default)]
pub struct RateMeter {
    samples: VecDeque<(u64, u64)>,
}

impl RateMeter {
    /// Records that `bytes` had been sent in total at `now_ms`. Bytes may go down (a failed
    /// part is sent again); the window then starts over from there.
    pub fn record(&mut self, now_ms: u64, bytes: u64) {
        if self.samples.back().is_some_and(|&(_, b)| bytes < b) {
            self.samples.clear();
        }
        self.samples.push_back((now_ms, bytes));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|&(t, _)| now_ms.saturating_sub(t) >= WINDOW_MS)
        {
            self.samples.pop_front();
        }
    }

    /// Bytes per second over the window; `None` until there is half a second to go by.
    pub fn bytes_per_sec(&self) -> Option<f64> {
        let (&(t0, b0), &(t1, b1)) = (self.samples.front()?, self.samples.back()?);
        let ms = t1.checked_sub(t0)?;
        if ms < 500 {
            return None;
        }
        #[allow(clippy::cast_precision_loss)] // byte counts and milliseconds far below 2^52
        Some((b1.saturating_sub(b0)) as f64 * 1000.0 / ms as f64)
    }

    /// Seconds until `remaining` more bytes are sent at the current rate.
    pub fn secs_left(&self, remaining: u64) -> Option<u64> {
        let rate = self.bytes_per_sec().filter(|r| *r > 0.0)?;
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )] // a positive, finite number of seconds
        Some((remaining as f64 / rate).ceil() as u64)
    }

    pub fn clear(&mut self) {
        self.samples.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_rate_and_time_left() {
        let mut m = RateMeter::default();
        assert_eq!(m.bytes_per_sec(), None);
        for s in 0..=10 {
            m.record(s * 1000, s * 2_000_000);
        }
        assert_eq!(m.bytes_per_sec(), Some(2_000_000.0));
        assert_eq!(m.secs_left(10_000_000), Some(5));
        assert_eq!(m.secs_left(0), Some(0));
    }

    #[test]
    fn the_window_follows_a_change_of_speed() {
        let mut m = RateMeter::default();
        for s in 0..=10 {
            m.record(s * 1000, s * 10_000_000);
        }
        // Slows to 1 MB/s; after a full window only the new speed counts.
        let base = 100_000_000;
        for s in 1..=6 {
            m.record(10_000 + s * 1000, base + s * 1_000_000);
        }
        let rate = m.bytes_per_sec().expect("rate");
        assert!((rate - 1_000_000.0).abs() < 1.0, "{rate}");
    }

    #[test]
    fn too_early_or_stalled_has_no_estimate() {
        let mut m = RateMeter::default();
        m.record(0, 0);
        m.record(200, 1_000);
        assert_eq!(m.bytes_per_sec(), None);
        m.record(1_000, 1_000);
        m.record(2_000, 1_000);
        assert!(m.bytes_per_sec().is_some());
        let mut stalled = RateMeter::default();
        stalled.record(0, 5);
        stalled.record(1_000, 5);
        assert_eq!(stalled.secs_left(10), None);
    }

    #[test]
    fn going_back_restarts_the_window() {
        let mut m = RateMeter::default();
        m.record(0, 0);
        m.record(1_000, 8_000_000);
        m.record(1_100, 4_000_000); // a part failed and is resent
        assert_eq!(m.bytes_per_sec(), None);
        m.record(2_100, 6_000_000);
        assert_eq!(m.bytes_per_sec(), Some(2_000_000.0));
    }
}
