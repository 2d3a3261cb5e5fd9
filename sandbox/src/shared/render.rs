//! Template rendering as Iterable renders: Handlebars (the `handlebars` crate) — `{{field}}`
//! (HTML-escaped), `{{{raw}}}`, nested paths, `{{#if}}`, `{{#unless}}`, `{{#each}}`, `{{#with}}`
//! and the built-in comparisons — plus Iterable's documented helpers: `defaultIfEmpty`, the
//! comparison blocks `#ifEq` `#ifNotEq` `#ifGt` `#ifGte` `#ifLt` `#ifLte` `#ifContainsStr`, and
//! the string helpers `upper`, `lower`, `capitalize`, `capitalizeFirst`, `replace`, `urlEncode`.
//! Missing fields render empty. A template Handlebars cannot parse (an unclosed block, a stray
//! `{{/if}}`) is refused where it is saved, with the parser's message.

use handlebars::{
    handlebars_helper, Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext,
    Renderable,
};
use serde_json::{Map, Value};

use crate::util::percent_encode;

/// The template fields that are rendered for a send, a proof or a preview.
pub(crate) const RENDERED_FIELDS: [&str; 9] = [
    "subject",
    "html",
    "plainText",
    "title",
    "message",
    "body",
    "preheaderText",
    "fromEmail",
    "fromName",
];

/// Whether a value counts as empty for `defaultIfEmpty` and the `#if` family.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A value as template text (strings as they are).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

/// Numbers compare as numbers; anything else as text.
fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    let num = |v: &Value| v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(text(a).cmp(&text(b))),
    }
}

/// A block helper `{{#name a b}}yes{{else}}no{{/name}}` deciding by `test(a, b)`.
struct Compare(fn(&Value, &Value) -> bool);

impl HelperDef for Compare {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let arg = |i: usize| h.param(i).map(|p| p.value().clone()).unwrap_or(Value::Null);
        let chosen = if (self.0)(&arg(0), &arg(1)) { h.template() } else { h.inverse() };
        match chosen {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

handlebars_helper!(default_if_empty: |v: Json, fallback: Json| if is_empty(v) { text(fallback) } else { text(v) });
handlebars_helper!(upper: |v: Json| text(v).to_uppercase());
handlebars_helper!(lower: |v: Json| text(v).to_lowercase());
handlebars_helper!(capitalize_first: |v: Json| {
    let s = text(v);
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
});
handlebars_helper!(capitalize: |v: Json| {
    text(v).split(' ').map(|w| {
        let mut c = w.chars();
        c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect::<String>())
    }).collect::<Vec<_>>().join(" ")
});
handlebars_helper!(replace: |v: Json, from: str, to: str| text(v).replace(from, to));
handlebars_helper!(url_encode: |v: Json| percent_encode(&text(v)));

fn registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.register_helper("defaultIfEmpty", Box::new(default_if_empty));
    hb.register_helper("upper", Box::new(upper));
    hb.register_helper("lower", Box::new(lower));
    hb.register_helper("capitalize", Box::new(capitalize));
    hb.register_helper("capitalizeFirst", Box::new(capitalize_first));
    hb.register_helper("replace", Box::new(replace));
    hb.register_helper("urlEncode", Box::new(url_encode));
    hb.register_helper("ifEq", Box::new(Compare(|a, b| order(a, b) == Some(std::cmp::Ordering::Equal))));
    hb.register_helper("ifNotEq", Box::new(Compare(|a, b| order(a, b) != Some(std::cmp::Ordering::Equal))));
    hb.register_helper("ifGt", Box::new(Compare(|a, b| order(a, b) == Some(std::cmp::Ordering::Greater))));
    hb.register_helper("ifGte", Box::new(Compare(|a, b| order(a, b).is_some_and(|o| o.is_ge()))));
    hb.register_helper("ifLt", Box::new(Compare(|a, b| order(a, b) == Some(std::cmp::Ordering::Less))));
    hb.register_helper("ifLte", Box::new(Compare(|a, b| order(a, b).is_some_and(|o| o.is_le()))));
    hb.register_helper("ifContainsStr", Box::new(Compare(|a, b| text(a).contains(&text(b)))));
    hb
}

thread_local! {
    static HANDLEBARS: Handlebars<'static> = registry();
}

/// Why Handlebars cannot parse `text`, if it cannot.
pub(crate) fn check(text: &str) -> Result<(), String> {
    handlebars::Template::compile(text).map(|_| ()).map_err(|e| e.to_string())
}

/// Renders `text` with `data`; an error names what went wrong (a template that does not parse,
/// a helper given the wrong arguments).
pub(crate) fn try_render(text: &str, data: &Map<String, Value>) -> Result<String, String> {
    HANDLEBARS.with(|hb| hb.render_template(text, data).map_err(|e| e.to_string()))
}

/// Renders `text` for a send: a template that fails to render goes out as written (templates
/// are checked when saved, so this only meets helper misuse).
pub(crate) fn render(text: &str, data: &Map<String, Value>) -> String {
    try_render(text, data).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(t: &str, d: Value) -> String {
        try_render(t, d.as_object().unwrap()).unwrap()
    }

    #[test]
    fn fields_blocks_loops_and_helpers() {
        let d = json!({"firstName": "Ada", "tier": 3, "tags": ["a", "b"], "shop": {"city": "Oslo"}, "html": "<b>x</b>", "empty": ""});
        assert_eq!(r("Hi {{firstName}} from {{shop.city}}", d.clone()), "Hi Ada from Oslo");
        assert_eq!(r("{{html}}|{{{html}}}", d.clone()), "&lt;b&gt;x&lt;/b&gt;|<b>x</b>");
        assert_eq!(r("{{#if missing}}y{{else}}n{{/if}}", d.clone()), "n");
        assert_eq!(r("{{#each tags}}[{{this}}]{{/each}}", d.clone()), "[a][b]");
        assert_eq!(r("{{defaultIfEmpty empty \"friend\"}} {{defaultIfEmpty firstName \"friend\"}}", d.clone()), "friend Ada");
        assert_eq!(r("{{defaultIfEmpty nothing \"there\"}}", d.clone()), "there");
        assert_eq!(r("{{#ifEq tier 3}}gold{{else}}other{{/ifEq}}", d.clone()), "gold");
        assert_eq!(r("{{#ifGt tier 5}}big{{else}}small{{/ifGt}}", d.clone()), "small");
        assert_eq!(r("{{#ifContainsStr shop.city \"sl\"}}yes{{/ifContainsStr}}", d.clone()), "yes");
        assert_eq!(r("{{upper firstName}} {{capitalize \"ada lovelace\"}}", d.clone()), "ADA Ada Lovelace");
        assert_eq!(r("{{missing}}.{{missing.deeper}}", d), ".");
    }

    #[test]
    fn unbalanced_blocks_are_refused() {
        assert!(check("{{#if a}}open").is_err());
        assert!(check("stray {{/if}}").is_err());
        assert!(check("{{#each xs}}{{/if}}").is_err());
        assert!(check("fine {{#if a}}x{{/if}}").is_ok());
    }
}
