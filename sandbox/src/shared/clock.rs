//! The simulated clock and the ids drawn from the state: `now`, sequential ids, message ids,
//! date ranges of requests (`range`, `startDateTime`, `endDateTime`) and event times.

use serde_json::Value;

use crate::util::{parse_date, splitmix};
use crate::{Req, Sandbox};

const DAY: i64 = 86_400_000;

impl Sandbox {
    pub(crate) fn now(&self) -> i64 {
        self.state.clock
    }

    /// The next id of the project's sequence (lists, campaigns, templates, jobs, ...).
    pub(crate) fn next_id(&mut self) -> i64 {
        self.state.seq += 1;
        self.state.seq
    }

    /// 32 hex digits from the seeded PRNG.
    pub(crate) fn message_id(&mut self) -> String {
        let a = splitmix(&mut self.state.rng);
        let b = splitmix(&mut self.state.rng);
        format!("{a:016x}{b:016x}")
    }

    /// `range` (Today, Yesterday, BeforeToday), overridden by `startDateTime` / `endDateTime`.
    pub(crate) fn range_bounds(&self, req: &Req) -> (Option<i64>, Option<i64>) {
        let today = self.now() - self.now().rem_euclid(DAY);
        let (mut s, mut e) = match req.str("range") {
            Some("Today") => (Some(today), None),
            Some("Yesterday") => (Some(today - DAY), Some(today)),
            Some("BeforeToday") => (None, Some(today)),
            _ => (None, None),
        };
        if let Some(x) = req.str("startDateTime").and_then(parse_date) {
            s = Some(x);
        }
        if let Some(x) = req.str("endDateTime").and_then(parse_date) {
            e = Some(x);
        }
        (s, e)
    }
}

/// Whether `t` lies in `[start, end)` (an open side is unbounded).
pub(crate) fn within(t: i64, (start, end): (Option<i64>, Option<i64>)) -> bool {
    start.is_none_or(|s| t >= s) && end.is_none_or(|e| t < e)
}

/// createdAt in request bodies is epoch seconds.
pub(crate) fn event_time(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_f64).map(|s| {
        if s > 1e11 {
            s as i64
        } else {
            (s * 1000.0) as i64
        }
    })
}
