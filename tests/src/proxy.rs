//! A TCP proxy on loopback between a client and the server, switchable at run time to
//! play a dropped network: refuse connections, or let a request through and throw the
//! server's answer away (the server committed; the client never hears it), swallow
//! requests and never answer (a black hole: a captive portal, a dead route), cut answers
//! short after some bytes (a connection lost mid-download), or damage one byte of an
//! answer's body (bytes that no longer match their checksum).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support: fail loudly.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Pass everything both ways.
    Pass = 0,
    /// Close every connection at once: the server looks unreachable.
    Refuse = 1,
    /// Forward requests, then drop the connection when the answer starts.
    DropAnswers = 2,
    /// Forward each connection's answers until [`Proxy::cut_after`] bytes have passed
    /// in this mode, then drop the connection.
    CutAnswers = 3,
    /// Forward everything, but flip the first body byte of the next answer on each
    /// connection.
    CorruptAnswers = 4,
    /// Forward everything, but hide requests' `Range` headers from the server (renamed
    /// in place to `X-Rng`), as a proxy that does not pass ranges on: the server answers
    /// `200` with the whole content where `206` was asked for.
    IgnoreRanges = 5,
    /// Accept connections and take requests, but pass nothing on and never answer: the
    /// client waits out its timeout. Connections opened before keep waiting too.
    BlackHole = 6,
}

/// A running proxy; stops with the test's runtime.
pub struct Proxy {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
    cut_after: Arc<AtomicU64>,
    /// Bytes carried both ways since the start.
    bytes: Arc<AtomicU64>,
    /// What clients sent, while recording (see [`Proxy::record_requests`]).
    recorded: Recorded,
}

/// Requests as they crossed the proxy, kept while recording is on.
#[derive(Clone, Default)]
struct Recorded {
    on: Arc<AtomicBool>,
    bytes: Arc<Mutex<Vec<u8>>>,
}

/// At most this much of the requests is kept.
const RECORD_LIMIT: usize = 64 << 20;

impl Recorded {
    fn keep(&self, bytes: &[u8]) {
        if self.on.load(Ordering::SeqCst) {
            let mut kept = self.bytes.lock().unwrap();
            let room = RECORD_LIMIT.saturating_sub(kept.len()).min(bytes.len());
            kept.extend_from_slice(&bytes[..room]);
        }
    }
}

impl Proxy {
    /// Starts a proxy to `upstream` (`host:port`) on a free loopback port.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(Mode::Pass as u8));
        let cut_after = Arc::new(AtomicU64::new(u64::MAX));
        let bytes = Arc::new(AtomicU64::new(0));
        let shared = Arc::clone(&mode);
        let shared_cut = Arc::clone(&cut_after);
        let shared_bytes = Arc::clone(&bytes);
        let recorded = Recorded::default();
        let shared_recorded = recorded.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = Arc::clone(&shared);
                let cut = Arc::clone(&shared_cut);
                let counted = Arc::clone(&shared_bytes);
                let recorded = shared_recorded.clone();
                tokio::spawn(
                    async move { relay(client, upstream, mode, cut, counted, recorded).await },
                );
            }
        });
        Self {
            addr,
            mode,
            cut_after,
            bytes,
            recorded,
        }
    }

    /// Keeps every request that crosses from now on (up to 64 MiB), so that a test can
    /// show what clients sent (a token in a header, say).
    pub fn record_requests(&self) {
        self.recorded.on.store(true, Ordering::SeqCst);
    }

    /// True when a recorded request carried `text`.
    pub fn requests_contain(&self, text: &str) -> bool {
        let kept = self.recorded.bytes.lock().unwrap();
        let needle = text.as_bytes();
        !needle.is_empty() && kept.windows(needle.len()).any(|w| w == needle)
    }

    /// Cuts each connection's answers after `bytes` (headers included), from now on.
    pub fn cut_after(&self, bytes: u64) {
        self.cut_after.store(bytes, Ordering::SeqCst);
        self.set(Mode::CutAnswers);
    }

    /// Bytes carried both ways (requests and answers, headers included) so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::SeqCst)
    }

    /// The proxy's base URL, such as `http://127.0.0.1:4312`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switches what the proxy does from now on.
    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

fn current(mode: &AtomicU8) -> Mode {
    match mode.load(Ordering::SeqCst) {
        1 => Mode::Refuse,
        2 => Mode::DropAnswers,
        3 => Mode::CutAnswers,
        4 => Mode::CorruptAnswers,
        5 => Mode::IgnoreRanges,
        6 => Mode::BlackHole,
        _ => Mode::Pass,
    }
}

/// Renames every `Range:` header line in `request` to `X-Rng:` (the same length, so
/// nothing else moves). A header split across two reads would pass unchanged; a request
/// on loopback arrives in one.
fn hide_ranges(request: &mut [u8]) {
    const NAME: &[u8] = b"\r\nrange:";
    let mut i = 0;
    while i + NAME.len() <= request.len() {
        if request[i..i + NAME.len()].eq_ignore_ascii_case(NAME) {
            request[i + 2..i + NAME.len()].copy_from_slice(b"x-rng:");
            i += NAME.len();
        } else {
            i += 1;
        }
    }
}

/// The index just past the first blank line (`\r\n\r\n`) in `seen`, if any.
fn header_end(seen: &[u8]) -> Option<usize> {
    seen.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

async fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    mode: Arc<AtomicU8>,
    cut: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
    recorded: Recorded,
) {
    if current(&mode) == Mode::Refuse {
        return;
    }
    if current(&mode) == Mode::BlackHole {
        // Read and drop whatever comes, until the client gives up.
        let mut client = client;
        let mut buf = vec![0u8; 16 * 1024];
        while matches!(client.read(&mut buf).await, Ok(n) if n > 0) {}
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up_mode = Arc::clone(&mode);
    let up_bytes = Arc::clone(&bytes);
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            up_bytes.fetch_add(n as u64, Ordering::SeqCst);
            recorded.keep(&buf[..n]);
            if current(&up_mode) == Mode::IgnoreRanges {
                hide_ranges(&mut buf[..n]);
            }
            if current(&up_mode) == Mode::BlackHole {
                continue;
            }
            if current(&up_mode) == Mode::Refuse || server_write.write_all(&buf[..n]).await.is_err()
            {
                break;
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        // Bytes passed while cutting; the tail of the answer scanned while corrupting.
        let mut passed = 0u64;
        let mut scanned: Vec<u8> = Vec::new();
        let mut corrupted = false;
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            bytes.fetch_add(n as u64, Ordering::SeqCst);
            let now = current(&mode);
            if now == Mode::CutAnswers {
                let limit = cut.load(Ordering::SeqCst);
                let room = limit.saturating_sub(passed).min(n as u64) as usize;
                passed += room as u64;
                if room < n {
                    let _ = client_write.write_all(&buf[..room]).await;
                    break;
                }
                if client_write.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                continue;
            }
            if now == Mode::CorruptAnswers && !corrupted {
                let before = scanned.len();
                scanned.extend_from_slice(&buf[..n]);
                if let Some(end) = header_end(&scanned)
                    && end < scanned.len()
                {
                    buf[end - before] ^= 0xff;
                    corrupted = true;
                }
                if client_write.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                continue;
            }
            if !matches!(now, Mode::Pass | Mode::CorruptAnswers | Mode::IgnoreRanges)
                || client_write.write_all(&buf[..n]).await.is_err()
            {
                // The answer (or part of it) is lost: close the client's side.
                break;
            }
        }
        let _ = client_write.shutdown().await;
    };
    // Whichever side ends first ends the connection.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}
