//! A campaign's lifecycle as one table: for a blast or a triggered campaign in each of the nine
//! states Iterable names, what each action (and the passing of time) does — the next state, or
//! Iterable's 400 BadParams. Every campaign handler and the clock read it; nothing else decides a
//! campaign state.
//!
//! Where observed behaviour and the documentation differ, the table follows what Iterable does:
//! cancelling a Scheduled blast returns it to Ready; aborting a Ready triggered campaign succeeds
//! (Aborted); deactivating a Running triggered campaign leaves it Finished.

use crate::shared::reply::bad_params;
use crate::state::Campaign;
use crate::Response as R;

/// A campaign state (`campaignState`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum St {
    Draft,
    Ready,
    Scheduled,
    Starting,
    Running,
    Finished,
    Aborted,
    Recurring,
    Archived,
}

pub(crate) const STATES: [St; 9] = [St::Draft, St::Ready, St::Scheduled, St::Starting, St::Running, St::Finished, St::Aborted, St::Recurring, St::Archived];

impl St {
    pub(crate) fn name(self) -> &'static str {
        match self {
            St::Draft => "Draft",
            St::Ready => "Ready",
            St::Scheduled => "Scheduled",
            St::Starting => "Starting",
            St::Running => "Running",
            St::Finished => "Finished",
            St::Aborted => "Aborted",
            St::Recurring => "Recurring",
            St::Archived => "Archived",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<St> {
        STATES.into_iter().find(|st| st.name() == s)
    }
}

/// Blast (sent once to lists) or triggered (sent per user, by API calls or journeys).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Blast,
    Triggered,
}

impl Kind {
    pub(crate) fn of(campaign_type: &str) -> Kind {
        if campaign_type == "Triggered" {
            Kind::Triggered
        } else {
            Kind::Blast
        }
    }
}

/// What happens to a campaign: an API action, or time passing (`Launch`: a scheduled send time is
/// reached; `Deliver`: a starting blast goes out; `Complete`: a running blast has gone out).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Act {
    Send,
    Schedule,
    Cancel,
    Abort,
    Activate,
    Deactivate,
    Archive,
    /// trigger_campaign and the `*_to_target` sends (the state does not change).
    Trigger,
    Launch,
    Deliver,
    Complete,
}

#[cfg(test)]
pub(crate) const ACTS: [Act; 11] = [Act::Send, Act::Schedule, Act::Cancel, Act::Abort, Act::Activate, Act::Deactivate, Act::Archive, Act::Trigger, Act::Launch, Act::Deliver, Act::Complete];

impl Act {
    /// The verb of Iterable's refusal ("cannot be sent").
    fn verb(self) -> &'static str {
        match self {
            Act::Send => "sent",
            Act::Schedule => "scheduled",
            Act::Cancel => "cancelled",
            Act::Abort => "aborted",
            Act::Activate => "activated",
            Act::Deactivate => "deactivated",
            Act::Archive => "archived",
            Act::Trigger => "triggered",
            Act::Launch => "launched",
            Act::Deliver => "delivered",
            Act::Complete => "completed",
        }
    }

    /// Whether the action only applies to one kind of campaign.
    fn only_for(self) -> Option<Kind> {
        match self {
            Act::Send | Act::Schedule | Act::Cancel | Act::Launch | Act::Deliver | Act::Complete => Some(Kind::Blast),
            Act::Activate | Act::Deactivate | Act::Trigger => Some(Kind::Triggered),
            Act::Abort | Act::Archive => None,
        }
    }
}

/// What an allowed action leads to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum To {
    State(St),
    /// A recurring blast sent now: a child campaign starts, the parent stays Recurring.
    Child,
}

use Act::*;
use Kind::{Blast as B, Triggered as T};
use St::*;

/// Every allowed (kind, state, action) and where it leads; every other combination is refused.
const TABLE: &[(Kind, St, Act, To)] = &[
    // Blast campaigns
    (B, Draft, Send, To::State(Starting)),
    (B, Draft, Schedule, To::State(Scheduled)),
    (B, Draft, Archive, To::State(Archived)),
    (B, Ready, Send, To::State(Starting)),
    (B, Ready, Schedule, To::State(Scheduled)),
    (B, Ready, Archive, To::State(Archived)),
    (B, Scheduled, Send, To::State(Starting)),
    (B, Scheduled, Schedule, To::State(Scheduled)),
    (B, Scheduled, Cancel, To::State(Ready)),
    (B, Scheduled, Launch, To::State(Starting)),
    (B, Starting, Abort, To::State(Aborted)),
    (B, Starting, Deliver, To::State(Running)),
    (B, Running, Abort, To::State(Aborted)),
    (B, Running, Complete, To::State(Finished)),
    (B, Finished, Archive, To::State(Archived)),
    (B, Aborted, Archive, To::State(Archived)),
    (B, Recurring, Send, To::Child),
    (B, Recurring, Cancel, To::State(Finished)),
    // Triggered campaigns
    (T, Draft, Activate, To::State(Running)),
    (T, Draft, Archive, To::State(Archived)),
    (T, Ready, Activate, To::State(Running)),
    (T, Ready, Deactivate, To::State(Ready)),
    (T, Ready, Abort, To::State(Aborted)),
    (T, Ready, Archive, To::State(Archived)),
    (T, Running, Activate, To::State(Running)),
    (T, Running, Deactivate, To::State(Finished)),
    (T, Running, Abort, To::State(Aborted)),
    (T, Running, Trigger, To::State(Running)),
    (T, Finished, Activate, To::State(Running)),
    (T, Finished, Archive, To::State(Archived)),
    (T, Aborted, Archive, To::State(Archived)),
];

/// Where `act` takes campaign `id` (of `kind`, in `from`), or Iterable's 400 BadParams.
pub(crate) fn next(id: i64, kind: Kind, from: St, act: Act) -> Result<To, R> {
    if let Some((.., to)) = TABLE.iter().find(|(k, s, a, _)| *k == kind && *s == from && *a == act) {
        return Ok(*to);
    }
    Err(bad_params(refusal(id, kind, from, act)))
}

/// Applies `act` to campaign `c` at time `now`: its new state with the time stamps that go with
/// it (or Iterable's refusal). A `To::Child` leaves the campaign as it is.
pub(crate) fn apply(c: &mut Campaign, act: Act, now: i64) -> Result<To, R> {
    let from = St::parse(&c.campaign_state).unwrap_or(St::Draft);
    let to = next(c.id, Kind::of(&c.campaign_type), from, act)?;
    if let To::State(st) = to {
        c.campaign_state = st.name().into();
        c.updated_at = now;
        match st {
            St::Starting => {
                c.start_at = Some(now);
                c.send_at = None;
            }
            St::Ready => c.send_at = None,
            St::Aborted | St::Finished => c.ended_at = Some(now),
            _ => {}
        }
    }
    Ok(to)
}

fn refusal(id: i64, kind: Kind, from: St, act: Act) -> String {
    match (act.only_for(), kind) {
        (Some(Kind::Triggered), Kind::Blast) => format!("Campaign {id} is not a triggered campaign"),
        (Some(Kind::Blast), Kind::Triggered) => format!("Campaign {id} is a triggered campaign: only a blast campaign can be {}", act.verb()),
        _ if act == Act::Trigger => format!("Campaign {id} is not active ({})", from.name()),
        _ => format!("Campaign {id} cannot be {}: it is {}", act.verb(), from.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell: 2 kinds x 9 states x 11 actions, each allowed (to the state written here) or
    /// refused with a message naming the campaign and why.
    #[test]
    fn every_cell_of_the_lifecycle() {
        // The expected outcome of every cell, written out row by row (one row per state, one
        // column per action in ACTS order: Send Schedule Cancel Abort Activate Deactivate
        // Archive Trigger Launch Deliver Complete). "-" is a refusal, "child" a child campaign.
        let blast: [(St, [&str; 11]); 9] = [
            (Draft, ["Starting", "Scheduled", "-", "-", "-", "-", "Archived", "-", "-", "-", "-"]),
            (Ready, ["Starting", "Scheduled", "-", "-", "-", "-", "Archived", "-", "-", "-", "-"]),
            (Scheduled, ["Starting", "Scheduled", "Ready", "-", "-", "-", "-", "-", "Starting", "-", "-"]),
            (Starting, ["-", "-", "-", "Aborted", "-", "-", "-", "-", "-", "Running", "-"]),
            (Running, ["-", "-", "-", "Aborted", "-", "-", "-", "-", "-", "-", "Finished"]),
            (Finished, ["-", "-", "-", "-", "-", "-", "Archived", "-", "-", "-", "-"]),
            (Aborted, ["-", "-", "-", "-", "-", "-", "Archived", "-", "-", "-", "-"]),
            (Recurring, ["child", "-", "Finished", "-", "-", "-", "-", "-", "-", "-", "-"]),
            (Archived, ["-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]),
        ];
        let triggered: [(St, [&str; 11]); 9] = [
            (Draft, ["-", "-", "-", "-", "Running", "-", "Archived", "-", "-", "-", "-"]),
            (Ready, ["-", "-", "-", "Aborted", "Running", "Ready", "Archived", "-", "-", "-", "-"]),
            (Scheduled, ["-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]),
            (Starting, ["-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]),
            (Running, ["-", "-", "-", "Aborted", "Running", "Finished", "-", "Running", "-", "-", "-"]),
            (Finished, ["-", "-", "-", "-", "Running", "-", "Archived", "-", "-", "-", "-"]),
            (Aborted, ["-", "-", "-", "-", "-", "-", "Archived", "-", "-", "-", "-"]),
            (Recurring, ["-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]),
            (Archived, ["-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]),
        ];
        let mut cells = 0;
        for (kind, rows) in [(Kind::Blast, blast), (Kind::Triggered, triggered)] {
            assert_eq!(rows.map(|(s, _)| s), STATES, "one row per state, in order");
            for (st, row) in rows {
                for (act, want) in ACTS.into_iter().zip(row) {
                    cells += 1;
                    let got = next(42, kind, st, act);
                    match (want, got) {
                        ("-", Err(e)) => {
                            assert_eq!(e.status, 400, "{kind:?} {st:?} {act:?}");
                            let body = e.json_value().unwrap();
                            assert_eq!(body["code"], "BadParams");
                            let msg = body["msg"].as_str().unwrap();
                            assert!(msg.contains("Campaign 42"), "{msg}");
                            let why = msg.contains(st.name()) || msg.contains("triggered campaign");
                            assert!(why, "{kind:?} {st:?} {act:?}: the refusal says why: {msg}");
                        }
                        ("child", Ok(To::Child)) => {}
                        (name, Ok(To::State(s))) => assert_eq!(s.name(), name, "{kind:?} {st:?} {act:?}"),
                        (want, got) => panic!("{kind:?} {st:?} {act:?}: expected {want}, got {got:?}"),
                    }
                }
            }
        }
        assert_eq!(cells, 2 * 9 * 11);
    }
}
