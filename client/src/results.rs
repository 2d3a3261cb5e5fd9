//! What each action returns, one type per action (`{Action}Result`), generated from the same
//! result schemas as the npm package's `.d.ts` result types and its `iterable-wasm/results` JSON
//! Schemas (codegen/rust_results.rs): structs whose named fields are the documented ones (the
//! others kept in `other`), enums with an `Other` case for values not listed, `String` for CSV,
//! text and HTML results, a list of records for JSON-lines ones, and `serde_json::Value` where
//! nothing describes the shape.
#![allow(clippy::large_enum_variant)]

use std::borrow::Cow;

include!("generated/results.rs");

/// A key of a result object as the generated readers match it: borrowed from the body where it
/// holds no escape, owned where it does (or where the deserializer has no body to borrow from).
struct ReadKey<'de>(Cow<'de, str>);

impl ReadKey<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
    fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> serde::Deserialize<'de> for ReadKey<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ReadKey<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<ReadKey<'de>, E> {
                Ok(ReadKey(Cow::Borrowed(s)))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ReadKey<'de>, E> {
                Ok(ReadKey(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<ReadKey<'de>, E> {
                Ok(ReadKey(Cow::Owned(s)))
            }
        }
        d.deserialize_identifier(Visitor)
    }
}

/// A known field's value into its slot; a field given twice is an error, as serde's derive says.
fn read_field<'de, A: serde::de::MapAccess<'de>, T: serde::Deserialize<'de>>(map: &mut A, slot: &mut Option<T>, name: &'static str) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(<A::Error as serde::de::Error>::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The generated readers against serde's derive with `#[serde(flatten)]` (what they replace),
    //! on the same shapes: a root result with an enumeration, a required string and an optional
    //! map, and one nesting a struct with its own unknown fields.
    use super::{GetUserByEmailResult, IterableApiResponse, IterableApiResponseCode};
    use serde_json::{Map, Value};

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Envelope {
        code: IterableApiResponseCode,
        msg: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        params: Option<Map<String, Value>>,
        #[serde(flatten)]
        other: Map<String, Value>,
    }

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct User {
        #[serde(rename = "dataFields", default, skip_serializing_if = "Option::is_none")]
        data_fields: Option<Map<String, Value>>,
        email: String,
        #[serde(rename = "userId", default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(rename = "profileUpdatedAt", default, skip_serializing_if = "Option::is_none")]
        profile_updated_at: Option<String>,
        #[serde(flatten)]
        other: Map<String, Value>,
    }

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct UserResult {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<User>,
        #[serde(flatten)]
        other: Map<String, Value>,
    }

    /// The same value (as JSON) or the same error text (the mirrors' names for ours), from a
    /// body, from a `Value` and from a string (as a text result would be given).
    fn agree<New: serde::de::DeserializeOwned + serde::Serialize, Old: serde::de::DeserializeOwned + serde::Serialize>(body: &str) {
        let show = |r: Result<Value, serde_json::Error>| r.map_err(|e| e.to_string().replace("IterableApiResponse", "Envelope").replace("GetUserByEmailResultUser", "User").replace("GetUserByEmailResult", "UserResult"));
        let new = show(serde_json::from_str::<New>(body).and_then(serde_json::to_value));
        let old = show(serde_json::from_str::<Old>(body).and_then(serde_json::to_value));
        assert_eq!(new, old, "{body}");
        if let Ok(value) = serde_json::from_str::<Value>(body) {
            let new = show(serde_json::from_value::<New>(value.clone()).and_then(serde_json::to_value));
            let old = show(serde_json::from_value::<Old>(value).and_then(serde_json::to_value));
            assert_eq!(new, old, "from a Value: {body}");
        }
        let string = || serde::de::value::StringDeserializer::<serde_json::Error>::new(body.to_string());
        let new = show(New::deserialize(string()).and_then(serde_json::to_value));
        let old = show(Old::deserialize(string()).and_then(serde_json::to_value));
        assert_eq!(new, old, "from a string: {body}");
    }

    #[test]
    fn generated_readers_read_as_serde_flatten_does() {
        let envelopes = [
            r#"{"msg":"Event with id: 5f2b tracked.","code":"Success","params":{"id":"5f2b"}}"#,
            r#"{"code":"BadParams","msg":"no","params":null,"extra":[1,{"a":-2.5e3}],"z":true}"#,
            r#"{"code":"Later","msg":"", "x":1, "x":{"y":2}, "w":null}"#,
            r#"{"co\u0064e":"Success","m\u0073g":"esc","\u00e9":"é"}"#,
            r#"{"code":"Success","msg":"a","code":"Success"}"#,
            r#"{"code":"Success","params":{},"params":{}}"#,
            r#"{"msg":"no code"}"#,
            r#"{"code":"Success"}"#,
            r#"{"code":1,"msg":"x"}"#,
            r#"{"code":"Success","msg":null}"#,
            r#"{"code":"Success","msg":"m","params":[1]}"#,
            r#"{"code":"Success","msg":"m","u":18446744073709551615,"i":-9223372036854775808,"f":0.1}"#,
            r#"{"code":"Success","msg":"m","bad":[1,}"#,
            r#"{"code":"Success","msg":"m"} trailing"#,
            r#"["Success","m"]"#,
            r#""text""#,
            r#"null"#,
            r#"{}"#,
            "",
        ];
        for body in envelopes {
            agree::<IterableApiResponse, Envelope>(body);
        }
        let users = [
            r#"{"user":{"email":"ada@example.com","userId":"u-1","signupDate":"2026-01-02","dataFields":{"plan":"pro","seats":3}}}"#,
            r#"{"user":{"email":"a@b.c","other":{"kept":1}},"other":2}"#,
            r#"{"user":null}"#,
            r#"{}"#,
            r#"{"user":{"userId":"u"}}"#,
            r#"{"user":{"email":"a","email":"b"}}"#,
            r#"{"user":{"email":"a","dataFields":"x"}}"#,
            r#"{"user":[],"x":1}"#,
            r#"{"user":{"email":"a"},"user":{"email":"b"}}"#,
        ];
        for body in users {
            agree::<GetUserByEmailResult, UserResult>(body);
        }
    }
}
