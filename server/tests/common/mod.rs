//! The server under test: in-process on a loopback port, with a hand-moved clock, the
//! admin client, and a plain HTTP client for patient-facing calls.
//!
//! The database is a SQLite file in a temporary directory (as a practice runs it:
//! one writer and read-only connections beside it), or, when `PORTAL_TEST_POSTGRES` holds a
//! `postgres://` URL, a fresh schema of that PostgreSQL database for each harness (tests
//! run in parallel), dropped afterwards.

#![allow(dead_code)] // Each test binary uses its own subset.

use portal_e2e::AdminClient;
use portal_model::admin::Outbox;
use portal_model::sync::SyncPage;
use portal_model::{ApiErrorBody, Session};
use portal_server::clock::ManualClock;
use portal_server::{Database, RunningServer, ServerOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub const ADMIN: &str = "test-admin-token-F9a_4F0bH7e8SZ-OP2Ocez7aTEDzIe74";

pub struct Harness {
    pub server: RunningServer,
    pub admin: AdminClient,
    pub http: reqwest::Client,
    pub clock: ManualClock,
    /// The PostgreSQL schema this harness owns, if it runs on PostgreSQL.
    schema: Option<postgres::Schema>,
    /// The directory of the SQLite file, removed with the harness.
    _dir: Option<tempfile::TempDir>,
}

impl Harness {
    /// Stops the server gracefully; true if it stopped cleanly within `limit`. The
    /// database goes only after the server has let go of it.
    pub async fn stop_within(self, limit: std::time::Duration) -> bool {
        let Self {
            server,
            schema,
            _dir,
            ..
        } = self;
        let stopped = tokio::time::timeout(limit, server.stop()).await;
        drop((schema, _dir));
        matches!(stopped, Ok(Ok(())))
    }

    /// One page of the account's sync feed after `cursor` (from the start without one).
    pub async fn feed(&self, session: &Session, cursor: Option<&str>) -> SyncPage {
        let query = cursor.map(|c| format!("?cursor={c}")).unwrap_or_default();
        let response = self
            .http
            .get(self.url(&format!("/v1/sync{query}")))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let page: SyncPage = response.json().await.unwrap();
        decode_strictly(&page);
        page
    }

    /// Sends `mutations` (a JSON array) as the account; the request itself must be
    /// taken (each mutation has its own result).
    pub async fn mutate(
        &self,
        session: &Session,
        mutations: Value,
    ) -> portal_model::sync::MutationResults {
        let response = self
            .http
            .post(self.url("/v1/mutations"))
            .bearer_auth(&session.access_token)
            .json(&json!({ "mutations": mutations }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// The patient's primary provider, as the admin API reports it.
    pub async fn primary_provider(&self, patient_id: &str) -> String {
        let record: Value = self
            .admin
            .get(&format!("patients/{patient_id}"))
            .await
            .json()
            .await
            .unwrap();
        record["primary_provider_id"].as_str().unwrap().to_owned()
    }

    /// A server on the backend the run asks for (see the module's documentation).
    pub async fn start() -> Self {
        Self::start_adjusted(|options| options).await
    }

    /// As [`Harness::start`], with the options `adjust` makes of the usual ones.
    pub async fn start_adjusted(adjust: impl FnOnce(ServerOptions) -> ServerOptions) -> Self {
        match postgres::Schema::create().await {
            Some(schema) => {
                let database = Database::parse(&schema.url).unwrap();
                let mut h = Self::start_with_options(database, adjust).await;
                h.schema = Some(schema);
                h
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let file = Database::SqliteFile(dir.path().join("portal.db"));
                let mut h = Self::start_with_options(file, adjust).await;
                h._dir = Some(dir);
                h
            }
        }
    }

    /// True when this harness runs on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.schema.is_some()
    }

    pub async fn start_with(database: Database) -> Self {
        Self::start_with_limits(database, portal_server::config::SessionLimits::default()).await
    }

    /// A server whose sessions last as `session_limits` say.
    pub async fn start_with_limits(
        database: Database,
        session_limits: portal_server::config::SessionLimits,
    ) -> Self {
        Self::start_with_options(database, |options| ServerOptions {
            session_limits,
            ..options
        })
        .await
    }

    /// A server on `database` with the options `adjust` makes of the usual ones.
    pub async fn start_with_options(
        database: Database,
        adjust: impl FnOnce(ServerOptions) -> ServerOptions,
    ) -> Self {
        portal_e2e::install_tls_provider();
        let clock = ManualClock::default();
        let server = portal_server::start(adjust(ServerOptions {
            database,
            clock: Arc::new(clock.clone()),
            ..ServerOptions::local(ADMIN)
        }))
        .await
        .unwrap();
        Self {
            admin: AdminClient::new(&server.base_url(), ADMIN),
            server,
            http: reqwest::Client::new(),
            clock,
            schema: None,
            _dir: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> reqwest::Response {
        self.admin
            .post(path.trim_start_matches("/v1/admin/"), body)
            .await
    }

    pub async fn provider(&self) -> String {
        self.admin
            .create_provider("Dr. Maya Okafor", "maya@clinic.example")
            .await
    }

    /// Adds a patient with an invite and returns (patient id, token from the outbox).
    pub async fn invited_patient(&self, email: &str) -> (String, String) {
        let invited = self.admin.invite_new_patient("Jordan", email).await;
        let prefix = format!("{}/invite/", self.server.base_url());
        assert!(invited.link.starts_with(&prefix), "{}", invited.link);
        (invited.patient_id, invited.token)
    }

    pub async fn outbox(&self) -> Outbox {
        self.admin.outbox().await
    }

    pub async fn last_token(&self) -> String {
        let outbox = self.outbox().await;
        let link = outbox.emails.last().unwrap().links[0].clone();
        link.rsplit_once("/invite/").unwrap().1.to_owned()
    }

    pub async fn inspect(&self, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/v1/invites/{token}")))
            .send()
            .await
            .unwrap()
    }

    pub async fn accept(&self, token: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/invites/{token}/accept")))
            .json(&json!({"password": password, "device_name": "test laptop"}))
            .send()
            .await
            .unwrap()
    }
}

/// Reads every record of a feed page as the model's type for its kind, and fails on
/// anything an app built from the model would lose (see `Record::decode_strict`): the
/// server and the model cannot drift apart while the suites read the feed through this.
pub fn decode_strictly(page: &SyncPage) {
    for change in &page.changes {
        if let Some(data) = &change.data
            && let Err(e) = portal_model::records::Record::decode_strict(&change.kind, data)
        {
            panic!("the feed sent a record the model cannot read: {e}\n{data:#}");
        }
    }
}

pub async fn error_code(response: reqwest::Response, status: StatusCode) -> ApiErrorBody {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

impl Harness {
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use portal_server::clock::Clock;
        // The server's expiry is computed from whole milliseconds.
        let now = self.clock.now();
        chrono::DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap()
    }
}

/// Fresh schemas in the PostgreSQL database named by `PORTAL_TEST_POSTGRES`.
pub mod postgres {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// The variable that switches the server tests to PostgreSQL.
    pub const ENV: &str = "PORTAL_TEST_POSTGRES";

    /// Schemas are named `portal_t_{pid}_{n}`, so a later run can tell which are left
    /// over from processes that ended.
    const PREFIX: &str = "portal_t_";

    /// One harness's schema; dropped (in the background) when the harness is.
    pub struct Schema {
        /// The server's URL: the base URL with this schema as its search path.
        pub url: String,
        base: String,
        name: String,
    }

    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

    async fn connect(url: &str) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("{ENV} is set but PostgreSQL is unreachable: {e}"));
        tokio::spawn(connection);
        client
    }

    impl Schema {
        /// A new empty schema, or `None` when the run is not on PostgreSQL.
        pub async fn create() -> Option<Self> {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let base = std::env::var(ENV).ok().filter(|v| !v.is_empty())?;
            let client = connect(&base).await;
            SWEPT.get_or_init(|| sweep(&client)).await;
            let name = format!(
                "{PREFIX}{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            client
                .batch_execute(&format!("CREATE SCHEMA {name}"))
                .await
                .unwrap();
            let separator = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
            Some(Self { url, base, name })
        }
    }

    /// Drops the schemas of test processes that are gone.
    async fn sweep(client: &tokio_postgres::Client) {
        let rows = client
            .query(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)",
                &[&PREFIX],
            )
            .await
            .unwrap();
        for row in rows {
            let name: String = row.get(0);
            let pid = name[PREFIX.len()..].split('_').next().unwrap_or_default();
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                    .await;
            }
        }
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            // The test's runtime is ending, so drop from a thread with its own; the
            // server's connections close with that runtime, releasing their locks. A
            // drop cut short by the process's exit is swept by a later run.
            let base = self.base.clone();
            let name = self.name.clone();
            std::thread::spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    let client = connect(&base).await;
                    let _ = client
                        .batch_execute(&format!(
                            "SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS {name} CASCADE"
                        ))
                        .await;
                });
            });
        }
    }
}
