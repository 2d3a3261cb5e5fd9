//! JWT handling for JWT-enabled keys: checking a token before it goes in a header, and
//! reading its expiry. (Iterable has no refresh endpoint: the caller's provider mints tokens.)

use super::error::{ApiError, Issue};
use super::json;

/// Refresh this long before a token's `exp`.
pub const REFRESH_MARGIN_MS: f64 = 60_000.0;

fn b64url_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes unpadded (or padded) base64url.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s.as_bytes() {
        acc = (acc << 6) | b64url_value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Checks that a token can be sent as `Authorization: Bearer <token>`: three base64url parts.
pub fn check(token: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = token.split('.').collect();
    let ok = parts.len() == 3
        && token.len() <= 16 * 1024
        && parts[..2].iter().all(|p| !p.is_empty())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b));
    if ok {
        Ok(())
    } else {
        let mut e = ApiError::validation(vec![Issue {
            param: "jwt".into(),
            message: "the jwt provider must return a compact JWT (header.payload.signature, base64url)".into(),
        }]);
        e.code = "JwtError".into();
        e.message = "the jwt provider returned something that is not a compact JWT".into();
        Err(e)
    }
}

/// The token's `exp` claim in milliseconds since the epoch, when it has one.
pub fn expiry_ms(token: &str) -> Option<f64> {
    let payload = token.split('.').nth(1)?;
    let bytes = b64url_decode(payload)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let claims = json::parse(text).ok()?;
    let exp = claims.get("exp")?;
    // exp is NumericDate seconds: an integer in practice; a fraction is cut, exponent form unread.
    let digits = match &exp.value {
        json::Value::Number(t) if !t.contains(['e', 'E']) => *t,
        _ => return None,
    };
    let whole = digits.split('.').next()?;
    let secs: i64 = whole.parse().ok()?;
    Some(secs as f64 * 1000.0)
}

/// Whether a cached token must be refreshed before use at `now`.
pub fn needs_refresh(expiry_ms: Option<f64>, now: f64) -> bool {
    match expiry_ms {
        Some(exp) => exp - now <= REFRESH_MARGIN_MS,
        None => false,
    }
}

/// Whether an error means the JWT was refused (refresh once and retry).
pub fn is_jwt_rejection(err: &ApiError) -> bool {
    err.status == Some(401) && matches!(err.code.as_str(), "InvalidJwtPayload" | "BadAuthorizationHeader")
}
