//! Per-call cost of the crate against a bare `reqwest` call to the same local server (127.0.0.1,
//! keep-alive), interleaved call by call in one process so both sides see the same machine load.
//! Run by bench/run.mjs (part `rust-client`), or alone:
//!
//!   cargo run --release -p iterable-client --example bench -- [--calls N] [--rounds R] [--out FILE]
//!
//! Two calls, each sent through the crate's typed method and through a bare `reqwest` call with
//! the same `reqwest::Client` settings (the crate's own builder: no redirects), the same headers
//! and the same bytes:
//! - GET `get_user_by_email` (a user record back);
//! - POST `track_event` with a ~1 KB JSON body (`{"code":"Success",...}` back).
//!
//! Each side builds its input per call from the same template (a clone), sends, checks the status
//! and parses the answer (the bare side into a `serde_json::Value`, the crate into its typed result). The
//! crate adds validation, request building, response checks and its retry loop. Client-side rate
//! limiting is off (it would pace, not measure). Each round interleaves `calls` calls per side and
//! method, the side going first alternating; the figures are each side's median per call and the
//! ratio of medians, per round and over all rounds.
//!
//! `--only bare|crate --calls N [--method GET|POST]`: N GET + POST pairs (or N calls of one
//! method) of one side, untimed, for counting instructions (`valgrind --tool=callgrind` at two values of N: the difference divided by the
//! difference of N is one side's instructions per call pair, start-up and warm-up cancelled).

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const USER_BODY: &str = r#"{"user":{"email":"ada@example.com","userId":"u-1","signupDate":"2026-01-02 03:04:05 +00:00","dataFields":{"plan":"pro","seats":3}}}"#;
const TRACK_BODY: &str = r#"{"msg":"Event with id: 5f2b tracked.","code":"Success","params":{"id":"5f2b"}}"#;
const KEY: &str = "fake-bench-key";

/// A keep-alive HTTP/1.1 fake on its own thread (its own runtime), so the measured runtime runs
/// only the clients: GET answers the user, POST drains its body and answers Success.
fn serve(listener: std::net::TcpListener) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((sock, _)) = listener.accept().await else { return };
                tokio::spawn(connection(sock));
            }
        });
    });
}

async fn connection(mut sock: tokio::net::TcpStream) {
    let reply = |body: &str| format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
    let (get, post) = (reply(USER_BODY), reply(TRACK_BODY));
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Every complete request in the buffer (head, then the body its content-length declares).
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head.lines().find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok())).unwrap_or(0);
            if buf.len() < end + 4 + len {
                break;
            }
            buf.drain(..end + 4 + len);
            let answer = if head.starts_with("post") { &post } else { &get };
            if sock.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn median(xs: &mut [u64]) -> f64 {
    xs.sort_unstable();
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        xs[n / 2] as f64
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) as f64 / 2.0
    }
}

/// ~1 KB of event data fields.
fn data_fields() -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for i in 0..16 {
        m.insert(format!("field_{i:02}"), json!(format!("value {i} of the benchmark's event, some text")));
    }
    m.insert("amount".into(), json!(12.5));
    m.insert("items".into(), json!([1, 2, 3]));
    m
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let calls: usize = arg("--calls").and_then(|a| a.parse().ok()).unwrap_or(3000);
    let rounds: usize = arg("--rounds").and_then(|a| a.parse().ok()).unwrap_or(5);
    let out = arg("--out");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    serve(listener);

    // The same reqwest settings on both sides: the crate builds its client exactly so
    // (client/src/transport.rs, `http_client`).
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let client = iterable_client::Client::builder(KEY).base_url(&base).rate_limit(false).build().unwrap();
    let get_url = format!("{base}/api/users/getByEmail?email=ada%40example.com");
    let post_url = format!("{base}/api/events/track");
    let timeout = Duration::from_secs(30);

    let get_input = iterable_client::actions::GetUserByEmailInput { email: Some("ada@example.com".into()) };
    let track_input = iterable_client::actions::TrackEventInput {
        email: Some("ada@example.com".into()),
        event_name: Some("purchase".into()),
        data_fields: Some(data_fields()),
        ..Default::default()
    };
    let track_value = serde_json::to_value(&track_input).unwrap();
    let body_len = serde_json::to_vec(&track_value).unwrap().len();

    let bare_get = || async {
        let r = bare.get(&get_url).header("Accept", "application/json").header("Api-Key", KEY).timeout(timeout).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert_eq!(v["user"]["email"], "ada@example.com");
    };
    let bare_post = || async {
        let event = track_value.clone();
        let r = bare
            .post(&post_url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .header("Api-Key", KEY)
            .timeout(timeout)
            .body(serde_json::to_vec(&event).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert_eq!(v["code"], "Success");
    };
    let crate_get = || async {
        let user = client.get_user_by_email(get_input.clone()).await.unwrap();
        assert_eq!(user.user.map(|u| u.email).as_deref(), Some("ada@example.com"));
    };
    let crate_post = || async {
        let answer = client.track_event(track_input.clone()).await.unwrap();
        assert_eq!(answer.code, iterable_client::results::IterableApiResponseCode::Success);
    };
    // The bytes each side sends are the same (checked once, here, through the crate's dry run).
    let prepared = client.prepare("track_event", &track_value).unwrap();
    assert_eq!(prepared.body.as_deref().map(str::len), Some(body_len), "both sides send the same body");

    if let Some(side) = arg("--only") {
        let method = arg("--method").unwrap_or_default();
        let (get, post) = (method != "POST", method != "GET");
        for _ in 0..calls {
            match side.as_str() {
                "bare" => {
                    if get {
                        bare_get().await;
                    }
                    if post {
                        bare_post().await;
                    }
                }
                "crate" => {
                    if get {
                        crate_get().await;
                    }
                    if post {
                        crate_post().await;
                    }
                }
                other => panic!("--only bare|crate, not {other}"),
            }
        }
        return;
    }

    // Warm-up: connections open, caches warm.
    for _ in 0..(calls / 10).max(50) {
        bare_get().await;
        crate_get().await;
        bare_post().await;
        crate_post().await;
    }

    // samples[method][side]: per-call nanoseconds of every round; per-round ratios of medians.
    let mut all: [[Vec<u64>; 2]; 2] = Default::default();
    let mut round_ratios: [Vec<f64>; 2] = Default::default();
    for _ in 0..rounds {
        let mut lat: [[Vec<u64>; 2]; 2] = Default::default();
        for i in 0..calls {
            for (method, samples) in lat.iter_mut().enumerate() {
                let order = if (i + method) % 2 == 0 { [0, 1] } else { [1, 0] };
                for side in order {
                    let t0 = Instant::now();
                    match (method, side) {
                        (0, 0) => bare_get().await,
                        (0, _) => crate_get().await,
                        (_, 0) => bare_post().await,
                        _ => crate_post().await,
                    }
                    samples[side].push(t0.elapsed().as_nanos() as u64);
                }
            }
        }
        for ((sides, ratios), total) in lat.iter().zip(round_ratios.iter_mut()).zip(all.iter_mut()) {
            ratios.push(median(&mut sides[1].clone()) / median(&mut sides[0].clone()));
            for (t, l) in total.iter_mut().zip(sides) {
                t.extend_from_slice(l);
            }
        }
    }

    // The crate's own work per call without I/O: typed input to request (validation, building).
    let t0 = Instant::now();
    for _ in 0..calls {
        let req = client.prepare("track_event", &track_value).unwrap();
        assert!(req.body.is_some());
    }
    let own_prepare_us = t0.elapsed().as_secs_f64() * 1e6 / calls as f64;

    let mut report = serde_json::Map::new();
    report.insert("calls".into(), json!(calls));
    report.insert("rounds".into(), json!(rounds));
    report.insert("postBodyBytes".into(), json!(body_len));
    report.insert("ownPrepareUs".into(), json!(own_prepare_us));
    for (method, name) in [(0, "GET"), (1, "POST")] {
        let bare_med = median(&mut all[method][0]) / 1000.0;
        let crate_med = median(&mut all[method][1]) / 1000.0;
        let rr = &round_ratios[method];
        let (lo, hi) = rr.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        report.insert(
            name.into(),
            json!({ "bareUs": bare_med, "crateUs": crate_med, "ratio": crate_med / bare_med, "roundRatios": rr, "ratioMin": lo, "ratioMax": hi }),
        );
        println!(
            "{name}: bare reqwest {bare_med:.1} µs, iterable-client {crate_med:.1} µs (medians of {} calls each) → ratio {:.3} (rounds {lo:.3}–{hi:.3})",
            all[method][0].len(),
            crate_med / bare_med
        );
    }
    println!("crate's own work for the POST's request (validate + build, no I/O): {own_prepare_us:.2} µs/call");
    if let Some(path) = out {
        std::fs::write(path, Value::Object(report).to_string()).unwrap();
    }
}
