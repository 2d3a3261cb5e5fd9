//! SMS verification (`/api/verify/sms/...`): begin puts a seeded 6-digit code in the outbox;
//! check answers `verified` (and forgets the code) or `rejected`.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::outbox::Outgoing;
use crate::shared::reply::{bad_params, Reply};
use crate::util::splitmix;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("begin_sms_verification", Sandbox::begin_sms_verification),
    ("verify_sms_code", Sandbox::verify_sms_code),
];

impl Sandbox {
    fn begin_sms_verification(&mut self, req: &Req) -> Reply {
        let phone = req.str("phoneNumber").unwrap_or("").to_string();
        if !phone.starts_with('+') || phone.len() < 8 {
            return Err(bad_params("phoneNumber must be in E.164 format"));
        }
        let code = format!("{:06}", splitmix(&mut self.state.rng) % 1_000_000);
        let profile = req.i64("verificationProfileId").unwrap_or(0);
        self.state.verifications.insert(
            phone.clone(),
            json!({"code": code, "verificationProfileId": profile}),
        );
        let mut data = Map::new();
        data.insert("phoneNumber".into(), json!(phone));
        data.insert("code".into(), json!(code));
        self.send_message(
            &Outgoing::new("sms", "verification", &data),
            None,
            (None, None),
        );
        Ok(R::success("Verification started", Value::Null))
    }

    fn verify_sms_code(&mut self, req: &Req) -> Reply {
        let phone = req.str("phoneNumber").unwrap_or("");
        let code = req.str("code").unwrap_or("");
        let profile = req.i64("verificationProfileId").unwrap_or(0);
        let ok = self.state.verifications.get(phone).is_some_and(|v| {
            v["code"] == code && v["verificationProfileId"].as_i64() == Some(profile)
        });
        if ok {
            self.state.verifications.remove(phone);
        }
        Ok(R::success(
            "",
            json!({"status": if ok { "verified" } else { "rejected" }}),
        ))
    }
}
