//! Auth (`/api/auth/jwts/invalidate`): records that a user's JWTs issued before a time are
//! invalid.

use serde_json::json;

use super::Handler;
use crate::shared::reply::{ok, Reply};
use crate::{Req, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[("invalidate_jwts", Sandbox::invalidate_jwts)];

impl Sandbox {
    fn invalidate_jwts(&mut self, req: &Req) -> Reply {
        let before = req.i64("issuedBefore").unwrap_or(self.now());
        self.state.jwt_invalidations.push(
            json!({"email": req.str("email"), "userId": req.str("userId"), "issuedBefore": before}),
        );
        ok()
    }
}
