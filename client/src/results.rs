//! What each action returns, one type per action (`{Action}Result`), generated from the same
//! result schemas as the npm package's `.d.ts` result types and its `iterable-wasm/results` JSON
//! Schemas (codegen/rust_results.rs): structs whose named fields are the documented ones (the
//! others kept in `other`), enums with an `Other` case for values not listed, `String` for CSV,
//! text and HTML results, a list of records for JSON-lines ones, and `serde_json::Value` where
//! nothing describes the shape.
#![allow(clippy::large_enum_variant)]

include!("generated/results.rs");
