//! Sync benchmarks of the reference server, reported (not asserted) as one table:
//!
//! 1. pulling a page of 100 records (`GET /v1/sync?limit=100`, bearer token) against a
//!    static JSON route (`GET /v1/password-policy`) on the same server and cores, as
//!    requests per second under a closed loop (N keep-alive connections, fixed
//!    duration, rounds interleaved so that noise from other processes hits both alike),
//!    and the p99 latency of the sync page under an open loop paced at half of its peak
//!    (measured from each request's scheduled time, so queueing counts);
//!    the same page is asked again and again, which on PostgreSQL is answered from the
//!    server's page cache once the account's feed version is read and found unchanged
//!    (`service::page_cache`); for comparison, the page under a new cursor each time,
//!    read from the database on every request, and a page of 1 and `/v1/me`;
//! 2. a full sync of an account with 100k records (pages of 1000 until `has_more` is
//!    false): records per second of server time, and the server's resident memory
//!    before, after 10k records, after all of them, and at its peak;
//! 3. a sync with an up-to-date cursor: bytes on the wire, request and response.
//!
//! The server is the release `portal-server` binary (`cargo bench` builds it with the
//! bench profile), one process per phase, with request logs off (`RUST_LOG=warn`). The
//! load generator is a minimal HTTP/1.1 client in this process; both share the
//! machine's cores. Runs on a SQLite file, then on PostgreSQL when
//! `PORTAL_BENCH_POSTGRES` names one or `scripts/postgres.sh --url` answers (a fresh
//! schema, dropped afterwards); `PORTAL_BENCH_POSTGRES=off` skips it.
//!
//! Knobs: `PORTAL_BENCH_SECONDS` (per measured round, default 2), `PORTAL_BENCH_CONNECTIONS`
//! (default 32), `PORTAL_BENCH_RECORDS` (default 100000), `PORTAL_BENCH_SQLITE=off` (run
//! PostgreSQL only), `PORTAL_BENCH_SOAK` (seconds of sync-page load before the measured
//! rounds, with the server's pid printed: a window to attach a profiler),
//! `PORTAL_BENCH_SOAK_FRESH=on` (that load under a new cursor each time).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use portal_e2e::AdminClient;
use portal_model::Session;
use portal_model::sync::SyncPage;
use portal_server::db::Db;
use portal_server::params;
use serde_json::json;
use std::fmt::Write as _;
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN: &str = "bench-admin-token-YjvSvhyjBHP50kMKRXnxcwBlSDC4jiH4";
const PASSWORD: &str = "river otter paints blue";
/// Records of the account whose first page of 100 is pulled.
const SMALL_ACCOUNT: i64 = 150;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Settings {
    round: Duration,
    connections: usize,
    records: i64,
}

fn main() {
    let settings = Settings {
        round: Duration::from_secs(env_number("PORTAL_BENCH_SECONDS", 2)),
        connections: env_number("PORTAL_BENCH_CONNECTIONS", 32) as usize,
        records: env_number("PORTAL_BENCH_RECORDS", 100_000) as i64,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        portal_e2e::install_tls_provider();
        let mut report = Report::default();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bench.db");
        let sqlite = format!("sqlite://{}", file.display());
        if std::env::var("PORTAL_BENCH_SQLITE").as_deref() == Ok("off") {
            report
                .skipped
                .push("SQLite skipped (PORTAL_BENCH_SQLITE=off)".into());
        } else {
            eprintln!("[bench] SQLite ({})", file.display());
            run_backend(&mut report, "SQLite", &sqlite, &settings).await;
        }
        match postgres_url().await {
            Ok(base) => {
                let schema = format!("portal_bench_{}", std::process::id());
                let admin = pg_connect(&base).await.unwrap();
                admin
                    .batch_execute(&format!(
                        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                    ))
                    .await
                    .unwrap();
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
                eprintln!("[bench] PostgreSQL (schema {schema})");
                run_backend(&mut report, "PostgreSQL", &url, &settings).await;
                admin
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
                    .unwrap();
            }
            Err(why) => report.skipped.push(format!("PostgreSQL skipped: {why}")),
        }
        print!("{}", report.render(&settings));
    });
}

// ---------------------------------------------------------------------------------------
// The phases.

async fn run_backend(report: &mut Report, backend: &str, database: &str, settings: &Settings) {
    let server = Server::start(database);
    let admin = AdminClient::new(&server.base, ADMIN);
    let (small_patient, small) = account(&server, &admin, "small@bench.example").await;
    let (big_patient, big) = account(&server, &admin, "big@bench.example").await;
    let db = open_db(database).await;
    seed(&db, &small_patient, "msg_small", SMALL_ACCOUNT).await;
    settle(database).await;

    // 1. A page of 100 against a static JSON answer, same server, same connections.
    let hello = Arc::new(get_request(&server.addr, "/v1/password-policy", None));
    let page = Arc::new(get_request(
        &server.addr,
        "/v1/sync?limit=100",
        Some(&small.access_token),
    ));
    let mut probe = HttpConn::connect(server.addr).await;
    let first = probe.send(&page).await;
    let first: SyncPage = serde_json::from_slice(probe.body(&first)).unwrap();
    assert_eq!(
        first.changes.len(),
        100,
        "the account has fewer than 100 records"
    );
    let n = settings.connections;
    // The same page under a cursor never asked before, so that it is read from the
    // database each time: cursors from the start of the feed with distinct purge bases,
    // which change nothing else while nothing was purged.
    let (addr, token) = (server.addr, small.access_token.clone());
    let fresh = Requests::Numbered(Arc::new(move |connection, n| {
        use base64::Engine;
        let base = (connection as u64) << 40 | n;
        let cursor =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v2:0:{base}"));
        get_request(
            &addr,
            &format!("/v1/sync?limit=100&cursor={cursor}"),
            Some(&token),
        )
    }));
    let soak = env_number("PORTAL_BENCH_SOAK", 0);
    if soak > 0 {
        let fresh_soak = std::env::var("PORTAL_BENCH_SOAK_FRESH").as_deref() == Ok("on");
        eprintln!(
            "[bench] sync-page load{} for {soak} s on server pid {}",
            if fresh_soak { " under new cursors" } else { "" },
            server.child.id()
        );
        let load = if fresh_soak {
            fresh.clone()
        } else {
            Requests::from(&page)
        };
        closed_loop(server.addr, load, n, Duration::from_secs(soak)).await;
    }
    closed_loop(server.addr, &hello, n, Duration::from_secs(1)).await;
    closed_loop(server.addr, &page, n, Duration::from_secs(1)).await;
    let (mut hello_total, mut page_total) = (Throughput::default(), Throughput::default());
    for _ in 0..3 {
        hello_total.add(closed_loop(server.addr, &hello, n, settings.round).await);
        page_total.add(closed_loop(server.addr, &page, n, settings.round).await);
    }
    let (hello_rps, page_rps) = (hello_total.rate(), page_total.rate());
    // Where the time goes: the token check alone, and a page of one.
    let me = Arc::new(get_request(
        &server.addr,
        "/v1/me",
        Some(&small.access_token),
    ));
    let me_rps = closed_loop(server.addr, &me, n, settings.round)
        .await
        .rate();
    let one = Arc::new(get_request(
        &server.addr,
        "/v1/sync?limit=1",
        Some(&small.access_token),
    ));
    let one_rps = closed_loop(server.addr, &one, n, settings.round)
        .await
        .rate();
    let fresh_rps = closed_loop(server.addr, fresh.clone(), n, settings.round)
        .await
        .rate();
    let paced = open_loop(
        server.addr,
        &page,
        n * 2,
        page_rps / 2.0,
        settings.round * 2,
    )
    .await;

    // 3. A sync with an up-to-date cursor: read to the end, then ask again.
    let mut cursor = String::new();
    loop {
        let request = get_request(
            &server.addr,
            &format!("/v1/sync?limit=1000{cursor}"),
            Some(&small.access_token),
        );
        let answer = probe.send(&request).await;
        let page: SyncPage = serde_json::from_slice(probe.body(&answer)).unwrap();
        cursor = format!("&cursor={}", page.cursor);
        if !page.has_more {
            cursor = page.cursor;
            break;
        }
    }
    let request = get_request(
        &server.addr,
        &format!("/v1/sync?cursor={cursor}"),
        Some(&small.access_token),
    );
    let answer = probe.send(&request).await;
    let unchanged: SyncPage = serde_json::from_slice(probe.body(&answer)).unwrap();
    assert!(unchanged.changes.is_empty() && !unchanged.has_more);
    let head = String::from_utf8_lossy(&probe.buf[..answer.head_len]).into_owned();
    eprintln!(
        "[bench] no-change answer:\n{head}{}",
        String::from_utf8_lossy(probe.body(&answer))
    );
    let wire = Wire {
        request: request.len(),
        response_head: answer.head_len,
        response_body: answer.total_len - answer.head_len,
    };
    drop(probe);
    drop(server);

    // 2. A full sync of a large account, on a fresh server process (for its memory).
    let seeded = seed(&db, &big_patient, "msg_big", settings.records).await;
    settle(database).await;
    drop(db);
    let server = Server::start(database);
    let full = full_sync(&server, &big.access_token).await;
    // The small account again, now that another account's records follow its own.
    let mut conn = HttpConn::connect(server.addr).await;
    let token = Some(small.access_token.as_str());
    let page = get_request(&server.addr, "/v1/sync?limit=100", token);
    let unchanged = get_request(&server.addr, &format!("/v1/sync?cursor={cursor}"), token);
    let crowded_page = median_round_trip(&mut conn, &page).await;
    let crowded_unchanged = median_round_trip(&mut conn, &unchanged).await;
    drop(conn);
    drop(server);

    report.backends.push(BackendReport {
        name: backend.to_owned(),
        hello_rps,
        page_rps,
        me_rps,
        one_rps,
        fresh_rps,
        paced,
        wire,
        seeded,
        full,
        crowded_page,
        crowded_unchanged,
    });
}

/// Adds a patient with an invite, accepts it, and returns the patient and the session.
async fn account(server: &Server, admin: &AdminClient, email: &str) -> (String, Session) {
    let invited = admin.invite_new_patient("Jordan", email).await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}/v1/invites/{}/accept",
            server.base, invited.token
        ))
        .json(&json!({"password": PASSWORD, "device_name": "bench"}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "accept: {}",
        response.status()
    );
    (invited.patient_id, response.json().await.unwrap())
}

/// On PostgreSQL, brings the feed's tables to the state autovacuum keeps them in: the
/// planner's statistics and the visibility map. On its own it would notice a bulk load
/// only within a minute or so, and might do that work in the middle of a measured round.
async fn settle(database: &str) {
    if database.starts_with("sqlite://") {
        return;
    }
    pg_connect(database)
        .await
        .unwrap()
        .batch_execute(
            "VACUUM (ANALYZE) records, account_patients, access_revocations, feed_counter",
        )
        .await
        .unwrap();
}

async fn open_db(database: &str) -> Db {
    match database.strip_prefix("sqlite://") {
        Some(path) => Db::open(std::path::Path::new(path)).unwrap(),
        None => Db::connect_postgres(database).await.unwrap(),
    }
}

/// Writes `count` message records for a patient in one statement and one transaction,
/// numbered from the feed counter as the server numbers them. Returns how long it took.
async fn seed(db: &Db, patient_id: &str, prefix: &str, count: i64) -> Duration {
    const SQL: &str = "
        INSERT INTO records (kind, id, patient_id, rev, seq, deleted, data, updated_at)
        WITH RECURSIVE n(i) AS (
            SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
        SELECT 'message', CAST(?2 AS TEXT) || CAST(i AS TEXT), CAST(?3 AS TEXT), 1, ?4 + i, 0,
               CAST(?5 AS TEXT) || CAST(i AS TEXT) || CAST(?6 AS TEXT), ?7
        FROM n";
    let head = r#"{"thread_id":"thr_bench","sender":{"kind":"provider","id":"prv_bench"},"body":"Your lab results are in and everything looks normal. This is message "#;
    let tail = r#"; write back here if you have any questions.","sent_at":"2026-07-01T09:30:00.000Z","attachment_ids":[],"read_at":null}"#;
    let (patient, prefix) = (patient_id.to_owned(), format!("{prefix}_"));
    let started = Instant::now();
    db.call(move |conn| {
        let tx = conn.transaction()?;
        let last: i64 = tx.query_one(
            "UPDATE feed_counter SET seq = seq + ?1 WHERE id = 1 RETURNING seq",
            params![count],
            |row| row.get(0),
        )?;
        let now = chrono::Utc::now().timestamp_millis();
        let inserted = tx.execute(
            SQL,
            params![count, prefix, patient, last - count, head, tail, now],
        )?;
        assert_eq!(inserted as i64, count);
        tx.commit()
    })
    .await
    .unwrap();
    started.elapsed()
}

/// The median of five round trips of `request` (after a first one, not counted).
async fn median_round_trip(conn: &mut HttpConn, request: &[u8]) -> Duration {
    let mut times = Vec::new();
    for i in 0..6 {
        let sent = Instant::now();
        let answer = conn.send(request).await;
        assert_eq!(answer.status, 200);
        if i > 0 {
            times.push(sent.elapsed());
        }
    }
    times.sort();
    times[times.len() / 2]
}

struct FullSync {
    records: usize,
    pages: usize,
    /// Sum of the requests' round trips (the client's JSON parsing excluded).
    server_time: Duration,
    /// Round trips of the first page, the median one, and the last full one.
    first_page: Duration,
    median_page: Duration,
    last_full_page: Duration,
    wall: Duration,
    /// VmRSS in KiB: before, after 10k records, after all; and VmHWM at the end.
    rss_start: u64,
    rss_10k: u64,
    rss_end: u64,
    rss_peak: u64,
}

async fn full_sync(server: &Server, token: &str) -> FullSync {
    let mut conn = HttpConn::connect(server.addr).await;
    let rss_start = server.memory().0;
    let (mut records, mut pages, mut rss_10k) = (0, 0, None);
    let mut server_time = Duration::ZERO;
    let mut page_times = Vec::new();
    let mut cursor = String::new();
    let started = Instant::now();
    loop {
        let request = get_request(
            &server.addr,
            &format!("/v1/sync?limit=1000{cursor}"),
            Some(token),
        );
        let sent = Instant::now();
        let answer = conn.send(&request).await;
        let took = sent.elapsed();
        server_time += took;
        page_times.push(took);
        assert_eq!(answer.status, 200);
        let page: SyncPage = serde_json::from_slice(conn.body(&answer)).unwrap();
        records += page.changes.len();
        pages += 1;
        if records >= 10_000 && rss_10k.is_none() {
            rss_10k = Some(server.memory().0);
        }
        if !page.has_more {
            break;
        }
        cursor = format!("&cursor={}", page.cursor);
    }
    let wall = started.elapsed();
    let (rss_end, rss_peak) = server.memory();
    let mut sorted = page_times.clone();
    sorted.sort();
    FullSync {
        records,
        pages,
        first_page: page_times[0],
        median_page: sorted[sorted.len() / 2],
        last_full_page: page_times[page_times.len().saturating_sub(2)],
        server_time,
        wall,
        rss_start,
        rss_10k: rss_10k.unwrap_or(rss_end),
        rss_end,
        rss_peak,
    }
}

// ---------------------------------------------------------------------------------------
// Load generation.

#[derive(Default)]
struct Throughput {
    requests: u64,
    seconds: f64,
}

impl Throughput {
    fn add(&mut self, other: Throughput) {
        self.requests += other.requests;
        self.seconds += other.seconds;
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

/// `connections` clients, each sending its next request as soon as the last is answered,
/// for `duration`.
/// What a closed loop sends: the same request each time, or the `n`th request of a
/// connection made for it (`connection` counts from 0).
#[derive(Clone)]
enum Requests {
    Same(Arc<Vec<u8>>),
    Numbered(Arc<dyn Fn(usize, u64) -> Vec<u8> + Send + Sync>),
}

impl From<&Arc<Vec<u8>>> for Requests {
    fn from(request: &Arc<Vec<u8>>) -> Self {
        Self::Same(Arc::clone(request))
    }
}

async fn closed_loop(
    addr: SocketAddr,
    requests: impl Into<Requests>,
    connections: usize,
    duration: Duration,
) -> Throughput {
    let requests = Arc::new(requests.into());
    let mut conns = Vec::with_capacity(connections);
    for _ in 0..connections {
        conns.push(HttpConn::connect(addr).await);
    }
    let started = Instant::now();
    let end = started + duration;
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(index, mut conn)| {
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                let mut done = 0_u64;
                while Instant::now() < end {
                    let answer = match &*requests {
                        Requests::Same(request) => conn.send(request).await,
                        Requests::Numbered(make) => conn.send(&make(index, done)).await,
                    };
                    assert_eq!(
                        answer.status,
                        200,
                        "{}",
                        String::from_utf8_lossy(conn.body(&answer))
                    );
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut requests = 0;
    for task in tasks {
        requests += task.await.unwrap();
    }
    Throughput {
        requests,
        seconds: started.elapsed().as_secs_f64(),
    }
}

struct Latency {
    rate: f64,
    requests: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

/// Requests at a fixed `rate` for `duration`, whatever the answers' pace; each latency
/// runs from the request's scheduled time (so a request that waited for a free
/// connection counts its wait).
async fn open_loop(
    addr: SocketAddr,
    request: &Arc<Vec<u8>>,
    connections: usize,
    rate: f64,
    duration: Duration,
) -> Latency {
    let total = (rate * duration.as_secs_f64()) as u64;
    let next = Arc::new(AtomicU64::new(0));
    let mut conns = Vec::with_capacity(connections);
    for _ in 0..connections {
        conns.push(HttpConn::connect(addr).await);
    }
    let start = Instant::now() + Duration::from_millis(20);
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let (request, next) = (Arc::clone(request), Arc::clone(&next));
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break latencies;
                    }
                    let at = start + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(at.into()).await;
                    let answer = conn.send(&request).await;
                    assert_eq!(answer.status, 200);
                    latencies.push(at.elapsed());
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(total as usize);
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Latency {
        rate,
        requests: all.len(),
        p50: at(0.50),
        p99: at(0.99),
        max: all[all.len() - 1],
    }
}

/// A GET request as a minimal client sends it: request line, `Host`, and the token.
fn get_request(addr: &SocketAddr, path: &str, token: Option<&str>) -> Vec<u8> {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    if let Some(token) = token {
        let _ = write!(request, "Authorization: Bearer {token}\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// One keep-alive HTTP/1.1 connection, one request at a time.
struct HttpConn {
    stream: TcpStream,
    buf: Vec<u8>,
}

struct Answer {
    status: u16,
    head_len: usize,
    total_len: usize,
}

impl HttpConn {
    async fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    async fn send(&mut self, request: &[u8]) -> Answer {
        self.stream.write_all(request).await.unwrap();
        self.buf.clear();
        let mut head: Option<(u16, usize, usize)> = None;
        loop {
            if head.is_none()
                && let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n")
            {
                let (status, length) = parse_head(&self.buf[..end]);
                head = Some((status, end + 4, length));
            }
            if let Some((status, head_len, length)) = head
                && self.buf.len() >= head_len + length
            {
                assert_eq!(self.buf.len(), head_len + length, "unexpected bytes");
                return Answer {
                    status,
                    head_len,
                    total_len: head_len + length,
                };
            }
            self.buf.reserve(64 * 1024);
            let read = self.stream.read_buf(&mut self.buf).await.unwrap();
            assert!(read > 0, "the server closed the connection");
        }
    }

    fn body(&self, answer: &Answer) -> &[u8] {
        &self.buf[answer.head_len..answer.total_len]
    }
}

/// The status and `Content-Length` of a response head.
fn parse_head(head: &[u8]) -> (u16, usize) {
    let text = std::str::from_utf8(head).unwrap();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap();
    let mut length = None;
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse().unwrap());
        }
        assert!(
            !name.eq_ignore_ascii_case("transfer-encoding"),
            "chunked answers are not supported here"
        );
    }
    (status, length.expect("an answer without Content-Length"))
}

// ---------------------------------------------------------------------------------------
// The server process and the databases.

/// The release `portal-server serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    base: String,
}

impl Server {
    fn start(database: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_portal-server"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("PORTAL_DATABASE", database)
            .env("PORTAL_ADMIN_TOKEN", ADMIN)
            .env("PORTAL_OUTBOX_API", "true")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let addr: SocketAddr = loop {
            let line = lines.next().expect("the server exited").unwrap();
            if let Some(rest) = line.strip_prefix("portal-server listening on http://") {
                break rest.trim().parse().unwrap();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            addr,
            base: format!("http://{addr}"),
        }
    }

    /// The process's resident memory and its peak, in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PostgreSQL to run on, or why there is none.
async fn postgres_url() -> Result<String, String> {
    let url = match std::env::var("PORTAL_BENCH_POSTGRES") {
        Ok(v) if v == "off" => return Err("PORTAL_BENCH_POSTGRES=off".to_owned()),
        Ok(v) if !v.is_empty() => v,
        _ => {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres.sh");
            let out = Command::new("bash")
                .args([script, "--url"])
                .output()
                .map_err(|e| format!("cannot run scripts/postgres.sh: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "scripts/postgres.sh --url failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        }
    };
    match tokio::time::timeout(Duration::from_secs(3), pg_connect(&url)).await {
        Ok(Ok(_)) => Ok(url),
        Ok(Err(e)) => {
            let cause = std::error::Error::source(&e).map_or(String::new(), |c| format!(": {c}"));
            Err(format!(
                "cannot connect to {} ({e}{cause}); start it with scripts/postgres.sh",
                url.split('@').next_back().unwrap_or_default()
            ))
        }
        Err(_) => Err("connecting timed out".to_owned()),
    }
}

async fn pg_connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

// ---------------------------------------------------------------------------------------
// The table.

struct Wire {
    request: usize,
    response_head: usize,
    response_body: usize,
}

struct BackendReport {
    name: String,
    hello_rps: f64,
    page_rps: f64,
    me_rps: f64,
    one_rps: f64,
    /// The page of 100 under a new cursor each time.
    fresh_rps: f64,
    paced: Latency,
    wire: Wire,
    seeded: Duration,
    full: FullSync,
    /// Round trips of the small account's first page and of its no-change sync once
    /// the large account's records were written after them.
    crowded_page: Duration,
    crowded_unchanged: Duration,
}

#[derive(Default)]
struct Report {
    backends: Vec<BackendReport>,
    skipped: Vec<String>,
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

impl Report {
    fn render(&self, settings: &Settings) -> String {
        let mut out = String::new();
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let _ = writeln!(
            out,
            "\nsync benchmarks: release server, {cores} cores shared with the load generator, \
             {} connections, {} s rounds x3",
            settings.connections,
            settings.round.as_secs()
        );
        for b in &self.backends {
            let ratio = b.page_rps / b.hello_rps;
            let records_per_s = b.full.records as f64 / b.full.server_time.as_secs_f64();
            let wire_total = b.wire.request + b.wire.response_head + b.wire.response_body;
            let rows: Vec<(String, String, String)> = vec![
                (
                    "hello: GET /v1/password-policy".into(),
                    format!("{:.0} req/s", b.hello_rps),
                    String::new(),
                ),
                (
                    "sync page: GET /v1/sync?limit=100".into(),
                    format!("{:.0} req/s", b.page_rps),
                    String::new(),
                ),
                (
                    "  (for comparison) GET /v1/me; GET /v1/sync?limit=1".into(),
                    format!("{:.0} req/s; {:.0} req/s", b.me_rps, b.one_rps),
                    String::new(),
                ),
                (
                    "ratio sync page / hello".into(),
                    format!("{ratio:.3}"),
                    format!(">= 0.25 {}", verdict(ratio >= 0.25)),
                ),
                (
                    "  (for comparison) the page under a new cursor each time; ratio".into(),
                    format!("{:.0} req/s; {:.3}", b.fresh_rps, b.fresh_rps / b.hello_rps),
                    String::new(),
                ),
                (
                    format!(
                        "sync page at {:.0} req/s (half peak): p50 / p99 / max",
                        b.paced.rate
                    ),
                    format!(
                        "{} / {} / {}",
                        ms(b.paced.p50),
                        ms(b.paced.p99),
                        ms(b.paced.max)
                    ),
                    format!(
                        "p99 <= 10 ms {} ({} requests)",
                        verdict(b.paced.p99 <= Duration::from_millis(10)),
                        b.paced.requests
                    ),
                ),
                (
                    format!(
                        "full sync: {} records in {} pages of 1000",
                        b.full.records, b.full.pages
                    ),
                    format!("{records_per_s:.0} records/s"),
                    format!(">= 100000 {}", verdict(records_per_s >= 100_000.0)),
                ),
                (
                    "  server time / wall time (with client parsing)".into(),
                    format!("{} / {}", ms(b.full.server_time), ms(b.full.wall)),
                    format!("seeded in {}", ms(b.seeded)),
                ),
                (
                    "  page round trip: first / median / last full".into(),
                    format!(
                        "{} / {} / {}",
                        ms(b.full.first_page),
                        ms(b.full.median_page),
                        ms(b.full.last_full_page)
                    ),
                    String::new(),
                ),
                (
                    "  server RSS: start / after 10k / after all / peak".into(),
                    format!(
                        "{} / {} / {} / {}",
                        mib(b.full.rss_start),
                        mib(b.full.rss_10k),
                        mib(b.full.rss_end),
                        mib(b.full.rss_peak)
                    ),
                    format!(
                        "flat: +{} from 10k to all",
                        mib(b.full.rss_end.saturating_sub(b.full.rss_10k))
                    ),
                ),
                (
                    "  150-record account after them: page of 100; no-change sync".into(),
                    format!("{}; {}", ms(b.crowded_page), ms(b.crowded_unchanged)),
                    "median round trip".into(),
                ),
                (
                    "no-change sync: request + response head + body".into(),
                    format!(
                        "{} + {} + {} = {wire_total} B",
                        b.wire.request, b.wire.response_head, b.wire.response_body
                    ),
                    format!("<= 512 B {}", verdict(wire_total <= 512)),
                ),
            ];
            let _ = writeln!(out, "\n{}", b.name);
            for (what, value, target) in rows {
                let _ = writeln!(out, "  {what:<58} {value:>38}  {target}");
            }
        }
        for line in &self.skipped {
            let _ = writeln!(out, "\n{line}");
        }
        out
    }
}
