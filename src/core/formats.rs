//! The string forms the definitions can require: Iterable's date forms and character classes.
//! Shared by the build (codegen writes each form as a JSON Schema `pattern`) and the core
//! (validation checks the same form without a regex engine). tests/schema checks that the two
//! agree on many strings.

/// `yyyy-MM-dd HH:mm:ss`, UTC, no zone (Iterable's form for campaign and message send times).
pub const DATE_UTC: &str = "yyyy-MM-dd HH:mm:ss";
/// `yyyy-MM-dd HH:mm:ss` with an optional zone after it (`Z`, `+01:00`, `+0100`, after a space
/// or not), or [`ISO`]: what Iterable takes for export windows and other query dates.
pub const DATE_ZONED: &str = "yyyy-MM-dd HH:mm:ss [ZZ] or ISO 8601";
/// ISO 8601 date and time, `T` between them, optional fraction and zone (`Z`, `+01:00`, `+0100`).
pub const ISO: &str = "ISO 8601";
/// An email address as far as Iterable's validator (Apache Commons EmailValidator) is sure to
/// refuse what breaks it: text, `@`, then a domain without white space that does not end in a dot.
/// Looser than that validator (which also checks the parts and the top-level domain), never
/// stricter: an address Iterable accepts always passes.
pub const EMAIL: &str = "email";

const DAY: &str = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])";
const TIME: &str = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d";

/// The JSON Schema pattern of a date form, or None when `format` is not one.
#[allow(dead_code)]
pub fn pattern(format: &str) -> Option<String> {
    match format {
        DATE_UTC => Some(format!("^{DAY} {TIME}$")),
        DATE_ZONED => Some(format!(r"^{DAY}[ T]{TIME}(\.\d+)?( ?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d))?$")),
        ISO => Some(format!(r"^{DAY}T{TIME}(\.\d+)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$")),
        EMAIL => Some(r"^.+@\S*[^\s.]$".into()),
        _ => None,
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    b.get(at..at + n)?.iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (years counted from March, so the leap
/// day ends a year).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The instant (epoch ms) of `s` written in the date form `format`; None when `s` does not have
/// that form (exactly the strings `pattern(format)` refuses).
pub fn instant(format: &str, s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let seps: &[u8] = match format {
        DATE_UTC => b" ",
        DATE_ZONED => b" T",
        ISO => b"T",
        _ => return None,
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (y, mo, d, h, mi, se) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?, digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let separators = at(4, b'-') && at(7, b'-') && b.get(10).is_some_and(|c| seps.contains(c)) && at(13, b':') && at(16, b':');
    if !separators || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let mut i = 19;
    let mut offset = 0;
    if format != DATE_UTC {
        if at(i, b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
        if format == DATE_ZONED && at(i, b' ') && i + 1 < b.len() {
            i += 1; // the space before a zone
        }
        if at(i, b'Z') {
            i += 1;
        } else if at(i, b'+') || at(i, b'-') {
            let sign = if at(i, b'-') { -1 } else { 1 };
            let oh = digits(b, i + 1, 2)?;
            i += 3;
            if at(i, b':') {
                i += 1;
            }
            let om = digits(b, i, 2)?;
            i += 2;
            if oh > 23 || om > 59 {
                return None;
            }
            offset = sign * (oh * 60 + om);
        }
    }
    (i == b.len()).then(|| ((days(y, mo, d) * 24 + h) * 60 + mi - offset) * 60_000 + se * 1000)
}

/// White space as JSON Schema patterns (ECMAScript `\s`) know it.
fn space(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}')
}

/// Whether `s` matches the [`EMAIL`] pattern: an `@` with, before it, text without line breaks
/// and, after it, text without white space that does not end in a dot. One pass: `at` is an `@`
/// that can still start the domain (no white space after it), `domain` whether one has text after it.
pub fn email(s: &str) -> bool {
    let (mut seen, mut broken, mut at, mut domain) = (false, false, false, false);
    for c in s.chars() {
        if space(c) {
            at = false;
            domain = false;
            broken |= matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
        } else {
            domain |= at;
            at |= c == '@' && seen && !broken;
        }
        seen = true;
    }
    at && domain && !s.ends_with('.')
}

/// Whether `c` is in the class `chars` (single characters and `a-z` ranges; `-` first or last
/// is itself; a leading `^` takes every character but those).
pub fn in_class(chars: &str, c: char) -> bool {
    if let Some(rest) = chars.strip_prefix('^') {
        return !in_class(rest, c);
    }
    let b = chars.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if i + 2 < b.len() && b[i + 1] == b'-' {
            if (b[i] as char..=b[i + 2] as char).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if b[i] as char == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

/// Checks a class for the build: letters, digits, `a-z`-style ranges between two letters or
/// digits, and `_ - . @ +` or space, after an optional `^` (all but these). Written as is inside
/// `[...]`, it is a valid regex class.
#[allow(dead_code)]
pub fn class(chars: &str) -> Option<()> {
    let b = chars.strip_prefix('^').unwrap_or(chars).as_bytes();
    let plain = |c: u8| c.is_ascii_alphanumeric() || b"_.@+ ".contains(&c);
    let mut i = 0;
    while i < b.len() {
        if i + 2 < b.len() && b[i + 1] == b'-' {
            if !(b[i].is_ascii_alphanumeric() && b[i + 2].is_ascii_alphanumeric() && b[i] < b[i + 2]) {
                return None;
            }
            i += 3;
        } else if plain(b[i]) || (b[i] == b'-' && (i == 0 || i + 1 == b.len())) {
            i += 1;
        } else {
            return None;
        }
    }
    (!b.is_empty()).then_some(())
}

/// The JSON Schema pattern of a class.
#[allow(dead_code)]
pub fn class_pattern(chars: &str) -> String {
    format!("^[{chars}]*$")
}

/// The JSON Schema pattern of an enum matched in any letter case (values of letters and digits).
#[allow(dead_code)]
pub fn any_case_pattern(values: &[String]) -> String {
    let alts: Vec<String> = values
        .iter()
        .map(|v| v.chars().map(|c| if c.is_ascii_alphabetic() { format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase()) } else { c.to_string() }).collect())
        .collect();
    format!("^(?:{})$", alts.join("|"))
}
