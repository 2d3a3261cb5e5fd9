//! Substring search without std's `&str` patterns. `str::find`, `contains`, `split_once` and
//! `replace` with a `&str` needle bring std's Two-Way searcher into the wasm and, through the
//! slicing inside it, std's char-boundary panic message with the Debug formatting of chars and
//! ranges (with the Unicode printable tables): ~9 KB of the wasm, which every Worker uploads
//! and every browser loads. The texts searched here are short (error messages, rate-limit
//! texts, an HTML error page, the secrets in an error's text), where a plain scan is as fast.
//! The results are std's for every needle: a match of valid UTF-8 within valid UTF-8 starts and
//! ends on char boundaries, so the byte scan finds the same leftmost matches.

/// The byte offset of the first occurrence of `needle` in `hay` (`Some(0)` for an empty
/// needle), as `hay.find(needle)`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(n.len()).position(|w| w == n)
}

/// `hay.contains(needle)`.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `hay.split_once(sep)`.
pub fn split_once<'a>(hay: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let i = find(hay, sep)?;
    Some((hay.get(..i)?, hay.get(i + sep.len()..)?))
}

/// `hay.replace(from, to)`: every occurrence of `from`, left to right, not overlapping. `from`
/// must not be empty (an empty one leaves `hay` as it is, where std would put `to` between
/// every char).
pub fn replace(hay: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut rest = hay;
    while let Some(i) = find(rest, from).filter(|_| !from.is_empty()) {
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str(to);
        rest = rest.get(i + from.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_as_std() {
        let texts = ["", "a", "abc", "aaaa", "5 requests/second, per project", "é, per ü, per ", "<html><TITLE>x</title>", "keykeykey", "ké€y😀k"];
        let needles = ["", "a", "aa", ", per ", "title", "key", "é", "€y😀", "😀", "keykeykeyk", "<"];
        for t in texts {
            for n in needles {
                assert_eq!(find(t, n), t.find(n), "{t:?} {n:?}");
                assert_eq!(contains(t, n), t.contains(n), "{t:?} {n:?}");
                assert_eq!(split_once(t, n), t.split_once(n), "{t:?} {n:?}");
                if !n.is_empty() {
                    assert_eq!(replace(t, n, "[R]"), t.replace(n, "[R]"), "{t:?} {n:?}");
                }
            }
        }
    }
}
