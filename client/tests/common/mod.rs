//! A fake Iterable on 127.0.0.1 for the tests that go through the native transport.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub head: String,
    pub body: String,
}

/// A fake Iterable on 127.0.0.1 answering each request with the next scripted (status, extra
/// headers, body); the last answer repeats. Returns its base URL and what it received.
pub async fn fake(script: Vec<(u16, &'static str, &'static str)>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for n in 0..64usize {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let k = sock.read(&mut chunk).await.unwrap_or(0);
                if k == 0 {
                    break (String::new(), String::new());
                }
                buf.extend_from_slice(&chunk[..k]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let len = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let k = sock.read(&mut chunk).await.unwrap_or(0);
                        if k == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..k]);
                    }
                    break (head, String::from_utf8_lossy(&buf[end + 4..]).into_owned());
                }
            };
            log.lock().unwrap().push(Received { head, body });
            let (status, headers, body) = script[n.min(script.len() - 1)];
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    (base, seen)
}

