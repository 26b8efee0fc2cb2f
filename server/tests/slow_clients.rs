//! Slow and numerous clients: headers dribbled past their deadline close the
//! connection, a body that stops arriving fails with 408, an answer past its deadline
//! is 503, and requests beyond the bound in flight are turned away at once, while other
//! clients are served. Raw TCP where a client must misbehave.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Harness, error_code};
use portal_model::ErrorCode;
use portal_server::ServerOptions;
use portal_server::config::RequestLimits;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn with_limits(limits: RequestLimits) -> Harness {
    Harness::start_adjusted(|options| ServerOptions {
        request_limits: limits,
        ..options
    })
    .await
}

/// Reads what the server sends until it closes the connection or `within` passes.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&received).into()),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

/// A request whose body announces `length` bytes and sends only a start.
async fn stalled_body(h: &Harness, length: usize) -> TcpStream {
    let mut stream = TcpStream::connect(h.server.addr).await.unwrap();
    let head = format!(
        "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n{{\"email\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn headers_dribbled_past_their_deadline_close_the_connection() {
    let h = with_limits(RequestLimits {
        header_timeout: Duration::from_secs(1),
        ..RequestLimits::default()
    })
    .await;
    let mut slow = TcpStream::connect(h.server.addr).await.unwrap();
    slow.write_all(b"GET /v1/password-policy HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    // One more header line every 200 ms: each arrives well within any per-read limit.
    let mut closed_after = None;
    for n in 0..40 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let line = format!("X-Dribble-{n}: x\r\n");
        let wrote = slow.write_all(line.as_bytes()).await;
        let mut probe = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_millis(1), slow.read(&mut probe)).await;
        if wrote.is_err() || matches!(read, Ok(Ok(0)) | Ok(Err(_))) {
            closed_after = Some(started.elapsed());
            break;
        }
        if n == 2 {
            // Meanwhile everyone else is served.
            let answer = h
                .http
                .get(h.url("/v1/password-policy"))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::OK);
        }
    }
    let closed_after = closed_after.expect("the dribbling connection was never closed");
    assert!(
        closed_after >= Duration::from_millis(800) && closed_after < Duration::from_secs(4),
        "closed after {closed_after:?}"
    );
}

#[tokio::test]
async fn a_body_that_stops_arriving_fails_with_408() {
    let h = with_limits(RequestLimits {
        body_timeout: Duration::from_secs(1),
        ..RequestLimits::default()
    })
    .await;
    let started = Instant::now();
    let mut stalled = stalled_body(&h, 100).await;
    let answer = read_until_closed(&mut stalled, Duration::from_secs(5))
        .await
        .expect("no answer to a stalled body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"bad_request\""), "{answer}");
    assert!(answer.contains("stopped arriving"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn requests_beyond_the_bound_in_flight_are_turned_away_at_once() {
    let h = with_limits(RequestLimits {
        body_timeout: Duration::from_secs(2),
        max_in_flight: 2,
        ..RequestLimits::default()
    })
    .await;
    // Two requests wait for bodies that do not come: both slots are taken.
    let first = stalled_body(&h, 100).await;
    let second = stalled_body(&h, 100).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let busy = h
        .http
        .get(h.url("/v1/password-policy"))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(busy.headers()["retry-after"], "1");
    assert_eq!(
        error_code(busy, StatusCode::SERVICE_UNAVAILABLE)
            .await
            .error
            .code,
        ErrorCode::ServerBusy
    );
    // Once their bodies time out, the slots are free again.
    let mut served = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let answer = h
            .http
            .get(h.url("/v1/password-policy"))
            .send()
            .await
            .unwrap();
        if answer.status() == StatusCode::OK {
            served = Some(started.elapsed());
            break;
        }
    }
    let served = served.expect("the slots were never freed");
    assert!(served < Duration::from_secs(4), "{served:?}");
    drop((first, second));
}

#[tokio::test]
async fn an_answer_past_its_deadline_is_503_and_a_quick_one_is_not() {
    let h = with_limits(RequestLimits {
        request_timeout: Duration::from_secs(1),
        ..RequestLimits::default()
    })
    .await;
    let quick = h.admin_post("/v1/admin/test/wait/100", json!({})).await;
    assert_eq!(quick.status(), StatusCode::NO_CONTENT);
    let started = Instant::now();
    let slow = h.admin_post("/v1/admin/test/wait/5000", json!({})).await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(slow.headers()["retry-after"], "5");
    assert_eq!(
        error_code(slow, StatusCode::SERVICE_UNAVAILABLE)
            .await
            .error
            .code,
        ErrorCode::ServerBusy
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_closes_at_the_header_deadline() {
    let h = with_limits(RequestLimits {
        header_timeout: Duration::from_secs(1),
        ..RequestLimits::default()
    })
    .await;
    let mut stream = TcpStream::connect(h.server.addr).await.unwrap();
    stream
        .write_all(b"GET /v1/password-policy HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    // The answer comes, then nothing until the server closes the idle connection.
    let received = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the idle connection stayed open");
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    let idle = started.elapsed();
    assert!(idle < Duration::from_secs(3), "{idle:?}");
}
