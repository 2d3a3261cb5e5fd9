//! Client-side rate limiting: a GCRA (generic cell rate algorithm) bucket per documented limit.
//! A limit of N per window allows a burst of N, then spaces calls window/N apart — the same
//! leaky-bucket shape Iterable enforces — so the client waits instead of provoking 429s.

use super::rate::RateLimit;

/// The state of one bucket: the theoretical arrival time of the next call (ms).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Gcra {
    tat: f64,
}

impl Gcra {
    /// Reserves a slot for a call at `now` (ms) and returns how long to wait before sending.
    /// The slot is taken at once, so concurrent callers queue up one interval apart.
    pub fn reserve(&mut self, now: f64, limit: &RateLimit) -> f64 {
        let count = limit.count.max(1) as f64;
        let interval = limit.per_ms as f64 / count;
        let burst = limit.per_ms as f64 - interval;
        let tat = if self.tat > now { self.tat } else { now };
        let wait = tat - burst - now;
        self.tat = tat + interval;
        if wait > 0.0 {
            wait
        } else {
            0.0
        }
    }
}
