//! API keys and JWTs. By default any non-empty key is accepted. With the `apiKeys` option only
//! those keys (and the `jwtKeys`) are; any other answers 401 BadApiKey. A JWT-enabled key
//! (`jwtKeys: [{key, secret}]`) also needs `Authorization: Bearer <jwt>`: an HS256 token signed
//! with the key's secret, naming one user (`email` or `userId`) and not expired (`exp`, seconds,
//! against the sandbox clock) nor revoked (`/api/auth/jwts/invalidate`); a request about
//! another user answers 401 JwtUserIdentifiersMismatched.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::{Response as R, Sandbox};

/// A JWT-enabled key and the secret its tokens are signed with.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct JwtKey {
    pub key: String,
    pub secret: String,
}

/// The user a verified JWT names.
pub(crate) struct JwtUser {
    pub email: Option<String>,
    pub user_id: Option<String>,
}

fn bad_key() -> R {
    R::error(401, "BadApiKey", "Invalid API key")
}

fn bad_jwt(msg: &str) -> R {
    R::error(401, "InvalidJwtPayload", msg)
}

/// Verifies an HS256 JWT with `secret`; its claims, or why it is refused.
fn verify(token: &str, secret: &str) -> Result<Map<String, Value>, R> {
    let parts: Vec<&str> = token.split('.').collect();
    let [head, body, sig] = parts[..] else {
        return Err(bad_jwt("JWT is malformed: expected three dot-separated parts"));
    };
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
    let header: Value = decode(head)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad_jwt("JWT header is not base64url JSON"))?;
    if header["alg"] != "HS256" {
        return Err(bad_jwt("JWT must be signed with HS256"));
    }
    let sig = decode(sig).ok_or_else(|| bad_jwt("JWT signature is not base64url"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| bad_jwt("JWT secret unusable"))?;
    mac.update(format!("{head}.{body}").as_bytes());
    mac.verify_slice(&sig).map_err(|_| bad_jwt("JWT signature does not match"))?;
    match decode(body).and_then(|b| serde_json::from_slice(&b).ok()) {
        Some(Value::Object(claims)) => Ok(claims),
        _ => Err(bad_jwt("JWT payload is not a JSON object")),
    }
}

impl Sandbox {
    /// Checks the request's key (and JWT, for a JWT-enabled key). `Ok(Some(user))`: the user a
    /// valid JWT names, which the request must be about.
    pub(crate) fn check_key(&self, key: Option<&str>, bearer: Option<&str>) -> Result<Option<JwtUser>, R> {
        let jwt_key = key.and_then(|k| self.opts.jwt_keys.iter().find(|j| j.key == k));
        if let Some(allowed) = &self.opts.api_keys {
            let known = key.is_some_and(|k| allowed.iter().any(|a| a == k));
            if !known && jwt_key.is_none() {
                return Err(bad_key());
            }
        }
        let Some(jk) = jwt_key else { return Ok(None) };
        let Some(token) = bearer else {
            return Err(R::error(401, "BadAuthorizationHeader", "This API key requires a JWT: send Authorization: Bearer <jwt>"));
        };
        let claims = verify(token, &jk.secret)?;
        let now_s = self.state.clock / 1000;
        let secs = |k: &str| claims.get(k).and_then(Value::as_f64).map(|f| f as i64);
        match secs("exp") {
            None => return Err(bad_jwt("JWT has no exp claim")),
            Some(exp) if exp <= now_s => return Err(bad_jwt("JWT has expired")),
            _ => {}
        }
        let text = |k: &str| claims.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        let user = JwtUser { email: text("email"), user_id: text("userId") };
        if user.email.is_none() && user.user_id.is_none() {
            return Err(bad_jwt("JWT names no user: give an email or userId claim"));
        }
        let iat_ms = secs("iat").unwrap_or(0) * 1000;
        let revoked = self.state.jwt_invalidations.iter().any(|r| {
            let same = (user.email.is_some() && r["email"].as_str() == user.email.as_deref())
                || (user.user_id.is_some() && r["userId"].as_str() == user.user_id.as_deref());
            same && r["issuedBefore"].as_i64().is_some_and(|b| iat_ms < b)
        });
        if revoked {
            return Err(bad_jwt("JWT was invalidated"));
        }
        Ok(Some(user))
    }
}

/// 401 JwtUserIdentifiersMismatched when the request's `email` / `userId` name another user
/// than the JWT does.
pub(crate) fn check_jwt_user(user: &JwtUser, p: &Map<String, Value>) -> Result<(), R> {
    let differs = |k: &str, mine: &Option<String>| p.get(k).and_then(Value::as_str).is_some_and(|v| mine.as_deref() != Some(v));
    if differs("email", &user.email) || differs("userId", &user.user_id) {
        return Err(R::error(401, "JwtUserIdentifiersMismatched", "The request is about another user than the JWT names"));
    }
    Ok(())
}
