//! Snippets (`/api/snippets/...`): create (names are unique), get, update and delete by id or
//! name, and the list.

use serde_json::json;

use super::Handler;
use crate::shared::reply::{bad_params, not_found, Reply};
use crate::util::iso;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("create_snippet", Sandbox::create_snippet),
    ("get_snippet_by_id_or_name", Sandbox::get_snippet),
    ("update_snippet_by_id_or_name", Sandbox::update_snippet),
    ("delete_snippet", Sandbox::delete_snippet),
    ("list_snippets", Sandbox::list_snippets),
];

impl Sandbox {
    /// The position of the snippet the request's `identifier` names (its name, or its id).
    fn req_snippet(&self, req: &Req) -> Result<usize, R> {
        let ident = req.str("identifier").unwrap_or("").to_string();
        self.state
            .snippets
            .iter()
            .position(|s| {
                s["name"] == ident.as_str()
                    || ident
                        .parse::<i64>()
                        .ok()
                        .is_some_and(|n| s["id"].as_i64() == Some(n))
            })
            .ok_or_else(|| not_found(format!("Snippet {ident} not found")))
    }

    fn create_snippet(&mut self, req: &Req) -> Reply {
        let name = req.str("name").unwrap_or("").to_string();
        if self
            .state
            .snippets
            .iter()
            .any(|s| s["name"] == name.as_str())
        {
            return Err(bad_params(format!("A snippet named {name} already exists")));
        }
        let now = self.now();
        let id = self.next_id();
        let by = req.str("createdByUserId").unwrap_or("api@example.com");
        self.state.snippets.push(json!({"id": id, "name": name, "content": req.str("content"), "description": req.str("description").unwrap_or(""),
            "variables": req.arr("variables"), "createdAt": iso(now), "updatedAt": iso(now), "createdBy": by, "updatedBy": by, "projectId": 1}));
        Ok(R::json(201, &json!({"snippetId": id})))
    }

    fn get_snippet(&mut self, req: &Req) -> Reply {
        let i = self.req_snippet(req)?;
        Ok(R::json(200, &json!({"snippet": self.state.snippets[i]})))
    }

    fn update_snippet(&mut self, req: &Req) -> Reply {
        let i = self.req_snippet(req)?;
        let now = self.now();
        let s = &mut self.state.snippets[i];
        for k in ["content", "description", "variables"] {
            if let Some(v) = req.p.get(k) {
                s[k] = v.clone();
            }
        }
        if let Some(b) = req.str("createdByUserId") {
            s["updatedBy"] = json!(b);
        }
        s["updatedAt"] = json!(iso(now));
        Ok(R::json(200, &json!({"snippetId": s["id"]})))
    }

    fn delete_snippet(&mut self, req: &Req) -> Reply {
        let i = self.req_snippet(req)?;
        let s = self.state.snippets.remove(i);
        Ok(R::json(200, &json!({"snippetId": s["id"]})))
    }

    fn list_snippets(&mut self, _req: &Req) -> Reply {
        Ok(R::json(200, &json!({"snippets": self.state.snippets})))
    }
}
