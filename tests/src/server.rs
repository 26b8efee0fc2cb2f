//! The server under test, the way a client meets it: the `portal-server` binary on a
//! loopback port over a SQLite file of its own, driven over HTTP and the admin API. One
//! fixture for the core's tests and benchmarks, the bindings' and the desktop's.
//!
//! The binary is `PORTAL_SERVER_BIN` (scripts/test.sh sets it), or else the debug build
//! in the cargo target directory. It must be built with the `test-support` feature
//! (`scripts/build.sh` does) for the clock, purge and seed operations; without it those
//! calls fail and say how to build it.

use crate::admin::AdminClient;
use crate::process::Guard;
use chrono::{DateTime, Duration, Utc};
use portal_model::admin::test_support::{ClockChange, ClockNow, Purged};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How long the binary may take to say where it listens.
const START: std::time::Duration = std::time::Duration::from_secs(30);

/// A running `portal-server`, stopped (and its database removed) when dropped.
pub struct TestServer {
    /// The binary it runs.
    program: PathBuf,
    base: String,
    admin: AdminClient,
    guard: std::sync::Mutex<Option<Guard>>,
    database: PathBuf,
    /// The file the server's stderr (its log) goes to.
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// How to start a [`TestServer`].
#[derive(Debug, Clone)]
pub struct ServerSetup {
    admin_token: String,
    rust_log: String,
    listen: String,
    /// Further settings, as the environment variables `serve` reads.
    env: Vec<(String, String)>,
    /// The binary, when not [`binary()`].
    binary: Option<PathBuf>,
}

impl Default for ServerSetup {
    fn default() -> Self {
        Self {
            admin_token: "test-admin-token-N4q8Zr2Lw6Tx0Vb3Hk7Jm5Cs9Fd1Gp".to_owned(),
            rust_log: "warn".to_owned(),
            listen: "127.0.0.1:0".to_owned(),
            env: Vec::new(),
            binary: None,
        }
    }
}

impl ServerSetup {
    /// The admin token the server accepts.
    pub fn admin_token(mut self, token: &str) -> Self {
        self.admin_token = token.to_owned();
        self
    }

    /// The server's `RUST_LOG` (default `warn`); its log is [`TestServer::log`].
    pub fn rust_log(mut self, filter: &str) -> Self {
        self.rust_log = filter.to_owned();
        self
    }

    /// The practice's name in emails and answers.
    pub fn practice_name(self, name: &str) -> Self {
        self.setting("PORTAL_PRACTICE_NAME", name)
    }

    /// How many days an unused session lasts (the server's default is 14).
    pub fn session_idle_days(self, days: u32) -> Self {
        self.setting("PORTAL_SESSION_IDLE_DAYS", &days.to_string())
    }

    /// How many seconds an access token lasts (the server's default is 900).
    pub fn access_token_seconds(self, seconds: u32) -> Self {
        self.setting("PORTAL_ACCESS_TOKEN_SECONDS", &seconds.to_string())
    }

    /// Any other setting of `portal-server serve`, by its environment variable.
    pub fn setting(mut self, variable: &str, value: &str) -> Self {
        self.env.push((variable.to_owned(), value.to_owned()));
        self
    }

    /// Where to listen (default a free loopback port).
    pub fn listen(mut self, address: &str) -> Self {
        self.listen = address.to_owned();
        self
    }

    /// Runs this binary instead of [`binary()`] (the server's own tests run the one cargo
    /// built for them).
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// Starts the binary and waits until it listens.
    pub fn start(self) -> TestServer {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary directory: {e}"));
        let database = dir.path().join("portal.db");
        let log = dir.path().join("server.log");
        let log_file =
            std::fs::File::create(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        let program = self.binary.clone().unwrap_or_else(binary);
        let mut command = Command::new(&program);
        command
            .args(["serve", "--listen", &self.listen, "--database"])
            .arg(format!("sqlite://{}", database.display()))
            .env("PORTAL_ADMIN_TOKEN", &self.admin_token)
            // The tests read invite and reset links from the built-in outbox.
            .env("PORTAL_OUTBOX_API", "true")
            .env("RUST_LOG", &self.rust_log)
            .env_remove("PORTAL_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file);
        for (variable, value) in &self.env {
            command.env(variable, value);
        }
        let mut guard = Guard::spawn("portal-server", &mut command);
        let base = guard.wait_for_line("portal-server listening on ", START);
        TestServer {
            program,
            admin: AdminClient::new(&base, &self.admin_token),
            base,
            guard: std::sync::Mutex::new(Some(guard)),
            database,
            log,
            _dir: dir,
        }
    }
}

/// The server binary the tests run.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PORTAL_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug/portal-server");
    assert!(
        path.exists(),
        "no server binary at {} and PORTAL_SERVER_BIN is not set: run scripts/build.sh \
         (or cargo build -p portal-server --features test-support)",
        path.display()
    );
    path
}

/// `portal-server seed` (of the server binary `server`) with `arguments`, on a SQLite
/// file that a server may be running on.
fn seed(server: &Path, database: &Path, arguments: &[&str]) {
    let output = Command::new(server)
        .arg("seed")
        .arg(format!("--database=sqlite://{}", database.display()))
        .args(arguments)
        .env_remove("PORTAL_CONFIG")
        .output()
        .unwrap_or_else(|e| panic!("portal-server seed: {e}"));
    assert!(
        output.status.success(),
        "portal-server seed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Provider messages into a patient's thread: ids `{prefix}_1` to `{prefix}_{count}`.
pub fn seed_messages(
    server: &Path,
    database: &Path,
    patient_id: &str,
    thread_id: &str,
    prefix: &str,
    count: u32,
) {
    let count = count.to_string();
    let arguments = [
        "--kind",
        "message",
        "--patient",
        patient_id,
        "--thread",
        thread_id,
    ];
    seed(
        server,
        database,
        &[&arguments[..], &["--prefix", prefix, "--count", &count]].concat(),
    );
}

/// Upcoming appointments of a patient, one an hour: ids `{prefix}_1` to
/// `{prefix}_{count}`.
pub fn seed_appointments(
    server: &Path,
    database: &Path,
    patient_id: &str,
    provider_id: &str,
    prefix: &str,
    count: u32,
) {
    let count = count.to_string();
    let arguments = [
        "--kind",
        "appointment",
        "--patient",
        patient_id,
        "--provider",
        provider_id,
    ];
    seed(
        server,
        database,
        &[&arguments[..], &["--prefix", prefix, "--count", &count]].concat(),
    );
}

impl TestServer {
    /// A server with the default setup.
    pub fn start() -> Self {
        ServerSetup::default().start()
    }

    /// How to start one differently.
    pub fn setup() -> ServerSetup {
        ServerSetup::default()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.base
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|e| panic!("the server's address {}: {e}", self.base))
    }

    /// The admin API.
    pub fn admin(&self) -> &AdminClient {
        &self.admin
    }

    /// The SQLite file the server writes (for tests that look at what it stored).
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// The server's log (stderr) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the server (SIGTERM, then SIGKILL) and waits for it to exit; the log and
    /// the database stay until the fixture drops.
    pub fn stop(&self) {
        let guard = self
            .guard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        drop(guard);
    }

    /// The server's current time.
    pub async fn now(&self) -> DateTime<Utc> {
        let answer: ClockNow = self
            .test_call(self.admin.get("test/clock").await, "GET test/clock")
            .await;
        answer.now
    }

    /// Moves the server's time forward (its clock goes on from there).
    pub async fn advance_clock(&self, by: Duration) -> DateTime<Utc> {
        self.change_clock(ClockChange::AdvanceSeconds(by.num_seconds()))
            .await
    }

    /// Makes `to` the server's current time.
    pub async fn set_clock(&self, to: DateTime<Utc>) -> DateTime<Utc> {
        self.change_clock(ClockChange::Set(to)).await
    }

    async fn change_clock(&self, change: ClockChange) -> DateTime<Utc> {
        let body = serde_json::to_value(&change).unwrap_or_else(|e| panic!("{e}"));
        let answer: ClockNow = self
            .test_call(self.admin.put("test/clock", body).await, "PUT test/clock")
            .await;
        answer.now
    }

    /// Purges the deletes older than the retention at the server's current time;
    /// returns how many went.
    pub async fn purge_tombstones(&self) -> u64 {
        let answer: Purged = self
            .test_call(
                self.admin
                    .post("test/purge-tombstones", serde_json::json!({}))
                    .await,
                "POST test/purge-tombstones",
            )
            .await;
        answer.purged
    }

    /// Writes `count` provider messages into a thread of the patient in one statement,
    /// ids `{prefix}_1` to `{prefix}_{count}` (`portal-server seed` on this server's
    /// database, beside the running server).
    pub fn seed_messages(&self, patient_id: &str, thread_id: &str, prefix: &str, count: u32) {
        seed_messages(
            &self.program,
            &self.database,
            patient_id,
            thread_id,
            prefix,
            count,
        );
    }

    /// Writes `count` upcoming appointments of the patient in one statement, one an
    /// hour, ids `{prefix}_1` to `{prefix}_{count}`.
    pub fn seed_appointments(&self, patient_id: &str, provider_id: &str, prefix: &str, count: u32) {
        seed_appointments(
            &self.program,
            &self.database,
            patient_id,
            provider_id,
            prefix,
            count,
        );
    }

    async fn test_call<T: DeserializeOwned>(&self, response: reqwest::Response, what: &str) -> T {
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            panic!(
                "{what}: 404. The server binary ({}) was built without the test-support \
                 feature: run scripts/build.sh, or cargo build -p portal-server --features \
                 test-support",
                self.program.display()
            );
        }
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{what}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"))
    }
}
