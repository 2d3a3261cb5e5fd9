//! What one call's request building costs natively (for callgrind): `prepare` of the per-call
//! bench's 1 KB track_event input and of list_channels, N times each.
//!   cargo build --release --example prepare_cost && valgrind --tool=callgrind target/release/examples/prepare_cost
use iterable_wasm::core;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let input = std::fs::read_to_string(std::env::args().nth(2).unwrap_or_else(|| "/tmp/proto/track.json".into())).unwrap();
    let track = core::action("track_event").unwrap();
    let list = core::action("list_channels").unwrap();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += core::prepare(track, &input, "https://api.iterable.com").unwrap().body.map_or(0, |b| b.len());
        bytes += core::prepare(list, "{}", "https://api.iterable.com").unwrap().url.len();
    }
    println!("{bytes}");
}
