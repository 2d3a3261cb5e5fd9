//! Export rows (flat JSON objects) as CSV or as JSON lines.

use serde_json::{Map, Value};

use super::values::plain;

fn csv_field(s: &str, delim: &str) -> String {
    if s.contains(delim) || s.contains('"') || s.contains('\n') || s.contains('\r') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A header of every key met (in order of appearance), then one line per row.
pub(crate) fn csv(rows: &[Map<String, Value>], delim: &str) -> String {
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        for k in r.keys() {
            if !cols.contains(k) {
                cols.push(k.clone());
            }
        }
    }
    let mut out = cols
        .iter()
        .map(|c| csv_field(c, delim))
        .collect::<Vec<_>>()
        .join(delim);
    out.push('\n');
    for r in rows {
        let line = cols
            .iter()
            .map(|c| csv_field(&r.get(c).map(plain).unwrap_or_default(), delim))
            .collect::<Vec<_>>()
            .join(delim);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// One JSON object per line.
pub(crate) fn jsonl(rows: &[Map<String, Value>]) -> String {
    rows.iter()
        .map(|r| Value::Object(r.clone()).to_string() + "\n")
        .collect()
}
