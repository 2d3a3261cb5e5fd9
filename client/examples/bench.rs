//! Per-call cost of the crate against a bare `reqwest` call to the same local server
//! (127.0.0.1, keep-alive), interleaved call by call so both see the same machine load.
//!
//!   cargo run --release -p iterable-client --example bench [calls per side, default 4000]
//!
//! Both sides send the same GET (`get_user_by_email`) with the same headers and parse the JSON
//! answer into a `serde_json::Value`; the crate adds validation, request building, response
//! checks and the retry loop. Client-side rate limiting is off (it would pace, not measure).

use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str = r#"{"user":{"email":"ada@example.com","dataFields":{"plan":"pro"}}}"#;

async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            let reply = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}", BODY.len());
            loop {
                while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    buf.drain(..end + 4);
                    if sock.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                }
            }
        });
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let calls: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(4000);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(serve(listener));

    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = format!("{base}/api/users/getByEmail?email=ada%40example.com");
    let client = iterable_client::Client::builder("fake-bench-key").base_url(&base).rate_limit(false).build().unwrap();
    let input = serde_json::json!({"email": "ada@example.com"});

    let bare_call = || async {
        let r = bare.get(&url).header("Accept", "application/json").header("Api-Key", "fake-bench-key").timeout(Duration::from_secs(30)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).unwrap()
    };
    let crate_call = || async { client.execute("get_user_by_email", input.clone()).await.unwrap() };
    // Warm-up: connections open, caches warm.
    for _ in 0..200 {
        bare_call().await;
        crate_call().await;
    }
    // Interleaved call by call (which side goes first alternates), so load on a shared machine
    // falls on both sides alike.
    let (mut t_bare, mut t_crate) = (Duration::ZERO, Duration::ZERO);
    for i in 0..calls {
        for side in if i % 2 == 0 { [0, 1] } else { [1, 0] } {
            let t0 = Instant::now();
            let v = if side == 0 { bare_call().await } else { crate_call().await };
            *(if side == 0 { &mut t_bare } else { &mut t_crate }) += t0.elapsed();
            assert_eq!(v["user"]["email"], "ada@example.com");
        }
    }
    // The crate's own work per call, without the network: input to JSON text, validation,
    // request building (the response side is one serde_json parse, as on the bare side).
    let t0 = Instant::now();
    for _ in 0..calls {
        let text = serde_json::to_string(&input).unwrap();
        let req = client.prepare("get_user_by_email", &serde_json::from_str(&text).unwrap()).unwrap();
        assert!(req.url.ends_with("ada%40example.com"));
    }
    let own = t0.elapsed();
    let per = |t: Duration| t.as_secs_f64() * 1e6 / calls as f64;
    println!("crate's own work (validate + build, no I/O): {:.2} µs/call", per(own));
    println!("calls per side: {calls}");
    println!("bare reqwest:   {:.1} µs/call", per(t_bare));
    println!("iterable-client: {:.1} µs/call", per(t_crate));
    println!("ratio: {:.3}", t_crate.as_secs_f64() / t_bare.as_secs_f64());
}
