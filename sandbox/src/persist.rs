//! The state as text: `dump()` and `dump_to()` write it (straight from the state, in one pass),
//! `load()` reads it straight into the state (no intermediate JSON tree), so both stay linear
//! in the state's size and need little memory beyond the state itself. A partial state (a
//! fixture) keeps the seeded project's values for the fields it omits.

use serde::de::IgnoredAny;
use std::collections::HashMap;
use std::io::{self, BufRead};

use crate::state::State;
use crate::util::splitmix;
use crate::Sandbox;

/// Puts the seeded project's value in each field of `state` the loaded text did not give
/// (`given`: its top-level keys). Only fields whose seeded value differs from the empty one
/// matter; a test checks this list against `State::seeded`.
fn keep_seeded(state: &mut State, seeded: State, given: &HashMap<String, IgnoredAny>) {
    macro_rules! keep {
        ($($field:ident $key:literal),*) => {$(
            if !given.contains_key($key) {
                state.$field = seeded.$field;
            }
        )*};
    }
    keep!(clock "clock", seq "seq", rng "rng", channels "channels", message_types "messageTypes",
          journeys "journeys", webhooks "webhooks");
}

/// An `io::Write` that hands what it is given to `emit` (which may fail) in pieces of about `size` bytes, each
/// cut at a character boundary (the receiver takes text).
pub struct Chunks<F: FnMut(&str) -> io::Result<()>> {
    buf: Vec<u8>,
    size: usize,
    emit: F,
}

impl<F: FnMut(&str) -> io::Result<()>> Chunks<F> {
    pub fn new(size: usize, emit: F) -> Self {
        Chunks {
            buf: Vec::with_capacity(size + 8),
            size,
            emit,
        }
    }

    /// Emits the whole characters buffered, keeping an unfinished one for the next write.
    fn emit_whole(&mut self) -> io::Result<()> {
        let n = match std::str::from_utf8(&self.buf) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        if n > 0 {
            (self.emit)(std::str::from_utf8(&self.buf[..n]).unwrap_or_default())?;
            self.buf.drain(..n);
        }
        Ok(())
    }
}

impl<F: FnMut(&str) -> io::Result<()>> io::Write for Chunks<F> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= self.size {
            self.emit_whole()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit_whole()
    }
}

impl Sandbox {
    pub fn dump(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_else(|_| "{}".into())
    }

    /// The same text as `dump()`, written to `w` as it is made (no whole copy in memory).
    pub fn dump_to(&self, mut w: impl io::Write) -> io::Result<()> {
        serde_json::to_writer(&mut w, &self.state).map_err(io::Error::other)?;
        w.flush()
    }

    pub fn load(&mut self, json: &str) -> Result<(), String> {
        self.load_from(|| Ok(Box::new(json.as_bytes())))
    }

    /// The same as `load`, reading the text from the start twice through the readers `open`
    /// gives (first which fields it gives, then the state), so that the text never needs to be
    /// in memory whole: a state file larger than the memory left for it loads. (One reader type
    /// for every source: the state's deserializer is in the wasm once.)
    pub fn load_from<'a>(
        &mut self,
        mut open: impl FnMut() -> io::Result<Box<dyn io::Read + 'a>>,
    ) -> Result<(), String> {
        self.load_dyn(&mut open)
    }

    fn load_dyn<'a>(
        &mut self,
        open: &mut dyn FnMut() -> io::Result<Box<dyn io::Read + 'a>>,
    ) -> Result<(), String> {
        let unreadable = |e: io::Error| format!("invalid sandbox state: {e}");
        let mut r = io::BufReader::with_capacity(64 * 1024, open().map_err(unreadable)?);
        // The first character past the white space (JSON allows it before the value).
        let first = loop {
            let buf = r.fill_buf().map_err(unreadable)?;
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                _ if buf.is_empty() => break None,
                Some(at) => break Some(buf[at]),
                None => {
                    let n = buf.len();
                    r.consume(n);
                }
            }
        };
        if first != Some(b'{') {
            serde_json::from_reader::<_, IgnoredAny>(r).map_err(bad)?;
            return Err("invalid sandbox state: expected an object".into());
        }
        // Which fields the text gives (their values skipped), then the state itself.
        let given: HashMap<String, IgnoredAny> = serde_json::from_reader(r).map_err(bad)?;
        let r = io::BufReader::with_capacity(64 * 1024, open().map_err(unreadable)?);
        let state: State = serde_json::from_reader(r).map_err(bad)?;
        self.install(state, &given);
        Ok(())
    }

    /// Makes `state` (as loaded; `given`: the fields its text gave) the emulator's state.
    fn install(&mut self, mut state: State, given: &HashMap<String, IgnoredAny>) {
        let mut rng = self.seed ^ 0x5EED_17E6_AB1E_0001;
        splitmix(&mut rng);
        keep_seeded(&mut state, State::seeded(self.start_clock, rng), given);
        if state.clock == 0 {
            state.clock = self.start_clock;
        }
        if state.seq == 0 {
            state.seq = 10_000;
        }
        self.state = state;
        self.reindex();
        self.buckets.clear();
    }
}

fn bad(e: serde_json::Error) -> String {
    format!("invalid sandbox state: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn keep_seeded_names_every_field_the_seeded_project_sets() {
        let seeded = serde_json::to_value(State::seeded(1_704_067_200_000, 42)).unwrap();
        let empty = serde_json::to_value(State::default()).unwrap();
        let mut state = State::default();
        keep_seeded(
            &mut state,
            State::seeded(1_704_067_200_000, 42),
            &HashMap::new(),
        );
        assert_eq!(serde_json::to_value(&state).unwrap(), seeded);
        // And nothing else differs from an empty state.
        let (Value::Object(s), Value::Object(e)) = (&seeded, &empty) else {
            panic!()
        };
        let differ: Vec<&String> = s.keys().filter(|k| s[*k] != e[*k]).collect();
        assert_eq!(differ.len(), 7, "{differ:?}");
    }

    #[test]
    fn load_reads_a_partial_state_and_dump_to_writes_what_dump_does() {
        let mut sb = Sandbox::new("{}").unwrap();
        let fixture = json!({"users": [{"email": "a@example.com", "userId": "a", "emailListIds": [7]}],
                             "lists": [{"id": 7, "name": "L"}], "unknownKey": 1});
        sb.load(&fixture.to_string()).unwrap();
        assert_eq!(sb.state.channels.len(), 5);
        assert_eq!(sb.find_user(Some("A@EXAMPLE.COM"), None), Some(0));
        assert_eq!(sb.find_user(None, Some("a")), Some(0));
        assert_eq!(sb.list_members(7), vec![0]);
        let mut out = Vec::new();
        sb.dump_to(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), sb.dump());
        // In small pieces, each whole characters (the name has a 2- and a 4-byte one).
        sb.load(&json!({"users": [{"email": "é😀@example.com"}]}).to_string())
            .unwrap();
        let mut pieces: Vec<String> = Vec::new();
        sb.dump_to(Chunks::new(3, |s: &str| {
            pieces.push(s.to_string());
            Ok(())
        }))
        .unwrap();
        assert!(pieces.len() > 10);
        assert_eq!(pieces.concat(), sb.dump());
        let again = sb.dump();
        sb.load(&again).unwrap();
        assert_eq!(sb.dump(), again);
        assert!(sb.load("[1]").unwrap_err().contains("expected an object"));
        assert!(sb.load("{\"users\": null}").is_err());
        assert!(sb.load("{oops").is_err());
    }

    /// A reader that gives at most `step` bytes a call (as a file read in pieces does).
    struct Trickle<'a> {
        text: &'a [u8],
        step: usize,
    }
    impl io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    #[test]
    fn load_from_reads_what_load_reads_in_pieces_and_refuses_what_load_refuses() {
        let fixture =
            json!({"users": [{"email": "é😀@example.com", "userId": "a", "emailListIds": [7]}],
                             "lists": [{"id": 7, "name": "L"}], "clock": 1_717_200_000_000u64})
            .to_string();
        let text = format!("  \n\t{fixture}\n");
        let mut a = Sandbox::new("{}").unwrap();
        a.load(&text).unwrap();
        for step in [1, 3, 7, 1 << 20] {
            let mut b = Sandbox::new("{}").unwrap();
            let mut opened = 0;
            b.load_from(|| {
                opened += 1;
                Ok(Box::new(Trickle {
                    text: text.as_bytes(),
                    step,
                }))
            })
            .unwrap();
            assert_eq!(opened, 2);
            assert_eq!(b.dump(), a.dump(), "step {step}");
            assert_eq!(b.list_members(7), vec![0]);
            assert_eq!(b.find_user(None, Some("a")), Some(0));
        }
        // Fields the text omits keep the seeded project's values, as with load.
        let mut c = Sandbox::new("{}").unwrap();
        c.load_from(|| Ok(Box::new(&b"{\"users\": []}"[..])))
            .unwrap();
        assert_eq!(c.state.channels.len(), 5);
        let refuse = |t: &'static str| {
            let mut sb = Sandbox::new("{}").unwrap();
            let before = sb.dump();
            let e = sb.load_from(|| Ok(Box::new(t.as_bytes()))).unwrap_err();
            assert_eq!(
                sb.dump(),
                before,
                "a refused load leaves the state as it was"
            );
            e
        };
        assert!(refuse("[1]").contains("expected an object"));
        assert!(refuse("  7").contains("expected an object"));
        assert!(refuse("").contains("invalid sandbox state: EOF"));
        assert!(refuse("{\"users\": null}").starts_with("invalid sandbox state: invalid type"));
        assert!(refuse("{oops").starts_with("invalid sandbox state: key must be a string"));
        assert!(refuse("{} trailing").contains("trailing characters"));
        // A reader that fails names the failure.
        let mut sb = Sandbox::new("{}").unwrap();
        let e = sb
            .load_from(|| Err(io::Error::other("disk on fire")))
            .unwrap_err();
        assert_eq!(e, "invalid sandbox state: disk on fire");
    }
}
