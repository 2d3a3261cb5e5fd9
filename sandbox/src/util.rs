//! Small helpers: time formatting/parsing (the `time` crate), SHA-256 (`sha2`), percent-decoding,
//! a seeded PRNG.

use sha2::{Digest, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::parsing::Parsed;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The instant `ms` after the epoch, held to the years `time` can write (-9999..=9999).
fn at(ms: i64) -> OffsetDateTime {
    let lo = PrimitiveDateTime::MIN.assume_utc();
    let hi = PrimitiveDateTime::MAX.assume_utc();
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(if ms < 0 { lo } else { hi })
}

/// `2024-01-01T00:00:00.000Z`
pub fn iso(ms: i64) -> String {
    const FORM: &[BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at(ms).format(FORM).unwrap_or_default()
}

/// Iterable's own form: `2024-01-01 00:00:00 +00:00`
pub fn iterable_date(ms: i64) -> String {
    const FORM: &[BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second] +00:00");
    at(ms).format(FORM).unwrap_or_default()
}

/// `2024-01-01` / `2024-01-01 00:00:00` / `2024-01-01T00:00:00Z` / with `+hh:mm` or `.sss`.
pub fn parse_date(s: &str) -> Option<i64> {
    const FORM: &[BorrowedFormatItem<'_>] = format_description!(
        version = 2,
        "[year repr:full base:calendar]-[month]-[day][optional [[first [T][ ]][hour]:[minute][optional [:[second][optional [.[subsecond]]]]][optional [ ]][optional [[first [Z][[offset_hour sign:mandatory]:[offset_minute]][[offset_hour sign:mandatory][offset_minute]]]]]]]"
    );
    let mut p = Parsed::new();
    let rest = p.parse_items(s.trim().as_bytes(), FORM).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let date = Date::from_calendar_date(p.year()?, p.month()?, p.day()?.get()).ok()?;
    let time = match p.hour_24() {
        None => Time::MIDNIGHT,
        Some(h) => {
            let nanos = p.subsecond().unwrap_or(0) / 1_000_000 * 1_000_000;
            Time::from_hms_nano(h, p.minute()?, p.second().unwrap_or(0), nanos).ok()?
        }
    };
    let offset = match p.offset_hour() {
        Some(h) => UtcOffset::from_hms(h, p.offset_minute_signed().unwrap_or(0), 0).ok()?,
        None => UtcOffset::UTC,
    };
    let t = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

pub fn percent_decode(s: &str, plus_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-_.~".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// SplitMix64: seeded, portable, deterministic.
pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn sha256_hex(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("2024-01-01T00:00:00Z"), Some(1_704_067_200_000));
        assert_eq!(parse_date("2024-01-01 00:00:00"), Some(1_704_067_200_000));
        assert_eq!(
            parse_date("2024-01-01 02:00:00 +02:00"),
            Some(1_704_067_200_000)
        );
        assert_eq!(parse_date("2024-01-01"), Some(1_704_067_200_000));
        assert_eq!(iso(1_704_067_200_123), "2024-01-01T00:00:00.123Z");
        assert_eq!(
            iterable_date(1_704_067_200_000),
            "2024-01-01 00:00:00 +00:00"
        );
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("2024-01-01T01:00:00.5+0100"), Some(1_704_067_200_500));
        assert_eq!(parse_date("2024-01-01 00:30:00 -00:30"), Some(1_704_070_800_000));
        assert_eq!(parse_date(" 2024-01-01T00:00Z "), Some(1_704_067_200_000));
        assert_eq!(parse_date("2024-01-01 00:00:00 UTC"), None);
        assert_eq!(parse_date("2024-01-01x"), None);
        assert_eq!(iso(-1), "1969-12-31T23:59:59.999Z");
    }
    #[test]
    fn sha256_known() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
    #[test]
    fn percent() {
        assert_eq!(percent_decode("a%40b.co", false), "a@b.co");
        assert_eq!(percent_decode("Footer%20Snippet", false), "Footer Snippet");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("100%", false), "100%");
    }
}
