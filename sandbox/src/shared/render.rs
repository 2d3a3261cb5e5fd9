//! Template rendering: `{{field}}` (and `{{{field}}}`, `{{a.b}}`) replaced from data.

use serde_json::{Map, Value};

/// `{{field}}` (and `{{{field}}}`, `{{a.b}}`) from data; missing fields render empty.
pub(crate) fn render(text: &str, data: &Map<String, Value>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let triple = after.starts_with("{{{");
        let (open, close) = if triple { (3, "}}}") } else { (2, "}}") };
        match after[open..].find(close) {
            Some(j) => {
                let name = after[open..open + j].trim();
                let mut cur: Option<&Value> = None;
                for (n, part) in name.split('.').enumerate() {
                    cur = if n == 0 {
                        data.get(part)
                    } else {
                        cur.and_then(|c| c.get(part))
                    };
                }
                match cur {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(Value::Null) | None => {}
                    Some(v) => out.push_str(&v.to_string()),
                }
                rest = &after[open + j + close.len()..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
