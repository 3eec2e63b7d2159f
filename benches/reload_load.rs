//! `cargo bench --bench reload_load`: requests on loopback while `infrac
//! apply` reloads the proxy 20 times, on a Caddy host and on an NGINX host;
//! counts the requests that fail. Two kinds of client run side by side,
//! bounded in count and time: one on a keep-alive connection, one opening
//! a new connection per request. Without `--bench` (`cargo test
//! --all-targets`): two applies per proxy.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::lab::Lab;

#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    failed: AtomicUsize,
    /// A kept-alive connection the server closed before answering: what
    /// every HTTP client retries (RFC 9112, 9.3.1), counted apart.
    closed_idle: AtomicUsize,
    /// A new connection refused.
    refused: AtomicUsize,
}

/// A request's fate.
#[derive(PartialEq, Eq)]
enum Fate {
    Ok,
    /// Nothing at all came back.
    Closed,
    Failed,
}

/// One HTTP/1.1 request on `stream`; whether a whole 200 came back.
fn request(stream: &mut TcpStream, keep_alive: bool) -> Fate {
    let req = format!(
        "GET / HTTP/1.1\r\nHost: s0.test\r\nConnection: {}\r\n\r\n",
        if keep_alive { "keep-alive" } else { "close" }
    );
    if stream.write_all(req.as_bytes()).is_err() {
        return Fate::Closed;
    }
    // Read the head, then the body by Content-Length.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) if buf.is_empty() => return Fate::Closed,
                Ok(0) | Err(_) => return Fate::Failed,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        while buf.len() < end + 4 + len {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return Fate::Failed,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        return if head.starts_with("http/1.1 200") {
            Fate::Ok
        } else {
            Fate::Failed
        };
    }
}

/// Clients against `port` until `stop`, at most `limit` requests each.
fn load(
    port: u16,
    stop: &Arc<AtomicBool>,
    keep: &Arc<Tally>,
    fresh: &Arc<Tally>,
) -> Vec<std::thread::JoinHandle<()>> {
    let limit = 200_000;
    let mut handles = Vec::new();
    {
        let (stop, t) = (stop.clone(), keep.clone());
        handles.push(std::thread::spawn(move || {
            let mut conn: Option<TcpStream> = None;
            for _ in 0..limit {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (stream, reused) = match conn.take() {
                    Some(s) => (s, true),
                    None => {
                        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
                            (s, false)
                        } else {
                            t.failed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    }
                };
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                match request(&mut stream, true) {
                    Fate::Ok => {
                        t.ok.fetch_add(1, Ordering::Relaxed);
                        conn = Some(stream);
                    }
                    Fate::Closed if reused => {
                        t.closed_idle.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        t.failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }));
    }
    {
        let (stop, t) = (stop.clone(), fresh.clone());
        handles.push(std::thread::spawn(move || {
            for _ in 0..limit {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                match TcpStream::connect(("127.0.0.1", port)) {
                    Err(_) => {
                        t.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(mut s) => {
                        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                        match request(&mut s, false) {
                            Fate::Ok => t.ok.fetch_add(1, Ordering::Relaxed),
                            Fate::Closed => t.closed_idle.fetch_add(1, Ordering::Relaxed),
                            Fate::Failed => t.failed.fetch_add(1, Ordering::Relaxed),
                        };
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }));
    }
    handles
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let applies = if bench { 20 } else { 2 };
    for proxy in ["caddy", "nginx"] {
        let lab = Lab::new(&format!("bench-reload-{proxy}"));
        let (decl, port, server) = if proxy == "caddy" {
            lab.caddy_host("n")
        } else {
            lab.nginx_host("n", "")
        };
        lab.page("n", "s0", "hello\n");
        let program = |v: usize| common::lab::versioned(&decl, 1, &format!("v{v}"));
        lab.write(&program(0));
        let first = lab.apply(&["--all"]);
        assert!(
            first.status.success(),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        let stop = Arc::new(AtomicBool::new(false));
        let (keep, fresh) = (Arc::new(Tally::default()), Arc::new(Tally::default()));
        let clients = load(port.http, &stop, &keep, &fresh);
        std::thread::sleep(Duration::from_millis(300));
        let start = Instant::now();
        for v in 1..=applies {
            lab.write(&program(v));
            let o = lab.apply(&["--all"]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            let _ = c.join();
        }
        let took = start.elapsed();
        println!(
            "{proxy}: {applies} applies (reloads) in {:.1} s; keep-alive client: {} ok, {} failed, {} kept-alive connections closed idle; new-connection client: {} ok, {} refused, {} closed unanswered, {} failed",
            took.as_secs_f64(),
            keep.ok.load(Ordering::Relaxed),
            keep.failed.load(Ordering::Relaxed),
            keep.closed_idle.load(Ordering::Relaxed),
            fresh.ok.load(Ordering::Relaxed),
            fresh.refused.load(Ordering::Relaxed),
            fresh.closed_idle.load(Ordering::Relaxed),
            fresh.failed.load(Ordering::Relaxed),
        );
        drop(server);
    }
}
