//! Where the bulk planner's time goes, natively: planning 100k events of the bench's shape split
//! into its phases (parse, per-item rules, size/plan + chunk text, per-chunk prepare), then the
//! whole `bulk::plan` and the per-send `bulk::request` (a full `prepare` of each chunk for reference:
//! what the plan and every send did before).
//!   cargo run --release --example bulk_phases [-- N]
use iterable_wasm::core::{self, bulk, json};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let mut items = String::from("[");
    for i in 0..n {
        if i > 0 {
            items.push(',');
        }
        items.push_str(&format!(
            r#"{{"email":"user{}@example.com","eventName":"{}","createdAt":{},"dataFields":{{"k":{i},"amount":{},"campaign":"spring-{}","tags":["a","b"]}}}}"#,
            i % 5000,
            if i % 10 == 0 { "purchase" } else { "open" },
            1700000000 + i,
            i % 100,
            i % 7
        ));
    }
    items.push(']');
    let def = core::action("track_events_in_bulk").unwrap();
    let base = "http://127.0.0.1:1";
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    println!("{n} events, {:.2} MB of JSON", items.len() as f64 / 1e6);
    for round in 0..3 {
        let t = Instant::now();
        let node = json::parse(&items).unwrap();
        let parse = ms(t);
        let t = Instant::now();
        let nodes = node.as_array().unwrap();
        let mut bad = 0;
        for (i, it) in nodes.iter().enumerate() {
            bad += core::validate::check_item(def, "events", i, it).len();
        }
        let check = ms(t);
        let t = Instant::now();
        let plan = bulk::plan(def, "{}", &items, base).unwrap();
        let whole = ms(t);
        let t = Instant::now();
        for c in &plan.chunks {
            core::prepare(def, &c.input, base).unwrap();
        }
        let prep = ms(t);
        let t = Instant::now();
        for c in &plan.chunks {
            bulk::request(def, c, base).unwrap();
        }
        let send = ms(t);
        let t = Instant::now();
        for c in &plan.chunks {
            let _ = json::parse(&c.input).unwrap();
        }
        let chunk_parse = ms(t);
        println!(
            "round {round}: parse items {parse:.1} ms; check_item x{n} {check:.1} ms ({bad} issues); bulk::plan whole {whole:.1} ms ({} chunks); a full prepare of every chunk {prep:.1} ms, of which parse {chunk_parse:.1} ms; bulk::request of every chunk (per send) {send:.1} ms",
            plan.chunks.len()
        );
    }
}
