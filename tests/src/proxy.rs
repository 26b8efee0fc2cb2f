//! A TCP proxy on loopback between a client and the server, switchable at run time to
//! play a dropped network: refuse connections, or let a request through and throw the
//! server's answer away (the server committed; the client never hears it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support: fail loudly.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
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
}

/// A running proxy; stops with the test's runtime.
pub struct Proxy {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`host:port`) on a free loopback port.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(Mode::Pass as u8));
        let shared = Arc::clone(&mode);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = Arc::clone(&shared);
                tokio::spawn(async move { relay(client, upstream, mode).await });
            }
        });
        Self { addr, mode }
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
        _ => Mode::Pass,
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, mode: Arc<AtomicU8>) {
    if current(&mode) == Mode::Refuse {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up_mode = Arc::clone(&mode);
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if current(&up_mode) == Mode::Refuse || server_write.write_all(&buf[..n]).await.is_err()
            {
                break;
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if current(&mode) != Mode::Pass || client_write.write_all(&buf[..n]).await.is_err() {
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
