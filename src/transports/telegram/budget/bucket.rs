//! Token-bucket arithmetic shared by the local budget (the Redis script
//! does the same in Lua).

use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn full(burst: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            at: now,
        }
    }

    /// Tokens available at `now`.
    pub fn level(&self, now: Instant, rate: f64, burst: f64) -> f64 {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * rate;
        (self.tokens + refill).min(burst)
    }

    /// How long until one token is there, given `level` tokens now.
    pub fn wait(level: f64, rate: f64) -> Duration {
        if level >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - level) / rate)
        }
    }

    /// Takes one token (the caller checked `level >= 1`).
    pub fn take(&mut self, level: f64, now: Instant) {
        self.tokens = level - 1.0;
        self.at = now;
    }
}
