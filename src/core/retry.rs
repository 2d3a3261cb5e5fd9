//! Retry policy: what may be sent again, and how long to wait first.

use super::defs::ActionDef;
use super::error::{codes, ApiError};

pub const BASE_DELAY_MS: f64 = 500.0;
pub const MAX_DELAY_MS: f64 = 8_000.0;
/// The longest `Retry-After` we wait for; longer ones fail at once.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

/// Whether a failed attempt may be repeated. 429 means Iterable did not process the
/// request, so every action may repeat it; 5xx, network errors and timeouts may have been
/// processed, so only idempotent actions repeat them — and, with `event_ids` (the client's
/// `eventIds: "auto"`, every event carrying an id), the actions whose events Iterable updates
/// rather than duplicates when sent again with the same id (catalog `eventId`).
pub fn may_retry(def: &ActionDef, err: &ApiError, event_ids: bool) -> bool {
    if err.code == codes::ABORTED || err.code == codes::VALIDATION {
        return false;
    }
    if err.status == Some(429) {
        return err.retry_after_ms.is_none_or(|ms| ms <= MAX_RETRY_AFTER_MS);
    }
    let transient = matches!(err.status, Some(500 | 502 | 503 | 504)) || err.code == codes::NETWORK || err.code == codes::TIMEOUT;
    transient && (def.idempotent || event_ids && def.event_id)
}

/// Delay before retry number `retry` (0-based): `Retry-After` when given, otherwise
/// exponential backoff with full jitter, `random` in [0, 1).
pub fn delay_ms(retry: u32, random: f64, retry_after_ms: Option<f64>) -> f64 {
    if let Some(ms) = retry_after_ms {
        return ms.min(MAX_RETRY_AFTER_MS);
    }
    let cap = (BASE_DELAY_MS * 2f64.powi(retry.min(16) as i32)).min(MAX_DELAY_MS);
    (random.clamp(0.0, 1.0) * cap).floor()
}
