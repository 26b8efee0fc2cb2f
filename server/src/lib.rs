//! The reference Patient Portal server: the patient API of protocol v1 and the practice
//! administration API, over embedded SQLite or PostgreSQL.

pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod mail;
pub mod pdf;
pub mod service;
pub mod settings_file;
pub mod state;
pub mod transport;

use crate::clock::{Clock, SystemClock};
use crate::config::{ServerConfig, SessionLimits};
use crate::db::Db;
use crate::error::ServerError;
use crate::mail::{MailConfig, Mailer};
use crate::state::AppState;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

/// Where the data lives.
#[derive(Clone)]
pub enum Database {
    /// An embedded SQLite file (created if missing).
    SqliteFile(PathBuf),
    /// An embedded SQLite database in memory, gone when the server stops.
    SqliteMemory,
    /// A PostgreSQL database, by its `postgres://` URL read (which may hold a password),
    /// with the certificates its TLS settings name already loaded.
    Postgres(Box<db::pg_tls::PgTarget>),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SqliteFile(path) => f.debug_tuple("SqliteFile").field(path).finish(),
            Self::SqliteMemory => f.write_str("SqliteMemory"),
            // The URL may carry a password.
            Self::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

impl Database {
    /// Parses `sqlite://PATH`, `sqlite::memory:`, a plain file path, or a
    /// `postgres://` / `postgresql://` URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url == "sqlite::memory:" {
            return Ok(Self::SqliteMemory);
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return db::pg_tls::parse_url(url).map(|target| Self::Postgres(Box::new(target)));
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        if path.is_empty() {
            return Err("the database path is empty; use sqlite://PATH".to_owned());
        }
        Ok(Self::SqliteFile(PathBuf::from(path)))
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(&self) -> Result<Db, ServerError> {
        match self {
            Self::SqliteFile(path) => {
                let path = path.clone();
                let shown = path.display().to_string();
                tokio::task::spawn_blocking(move || Db::open(&path))
                    .await
                    .map_err(|e| ServerError::internal(format!("open task: {e}")))?
                    .map_err(|e| {
                        ServerError::Startup(format!("cannot open the database {shown}: {e}"))
                    })
            }
            Self::SqliteMemory => Db::open_in_memory(),
            Self::Postgres(target) => {
                Db::connect_postgres_to((**target).clone())
                    .await
                    .map_err(|e| {
                        ServerError::Startup(format!("cannot open the PostgreSQL database: {e}"))
                    })
            }
        }
    }
}

/// Everything needed to start a server.
pub struct ServerOptions {
    pub listen: SocketAddr,
    pub database: Database,
    /// Base of the links in emails; defaults to `http://{bound address}`.
    pub public_url: Option<Url>,
    pub admin_token: Option<String>,
    pub practice_name: String,
    pub session_limits: SessionLimits,
    /// Where email goes (the built-in outbox unless SMTP is configured).
    pub mail: MailConfig,
    /// The apps that may open the portal's links.
    pub app_links: crate::config::AppLinks,
    pub clock: Arc<dyn Clock>,
    /// Serve the admin API on a listener of its own (the production setting, on a
    /// private address); the patient listener then answers 404 under `/v1/admin/`.
    pub admin_listen: Option<SocketAddr>,
    /// Serve `GET /v1/admin/outbox` (the emails sent, with working invite and reset
    /// links): only with the built-in outbox, for demos and tests.
    pub outbox_api: bool,
    /// Proxies whose `X-Forwarded-For` names the client (behind a TLS terminator).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Per client address on the public sign-in, invite, reset and join routes:
    /// requests a second, and the burst allowed at once.
    pub public_per_second: u32,
    pub public_burst: u32,
    /// Timeouts for slow clients and the bound on requests handled at once.
    pub request_limits: crate::config::RequestLimits,
    /// The MiB of uploads one account may hold at a time (they are kept a week).
    pub upload_quota_mib: u32,
    /// Fonts for PDFs beyond the built-in DejaVu Sans (`pdf::Fonts::load`).
    pub pdf_fonts: Vec<std::path::PathBuf>,
    /// Start even with links, SMTP or PostgreSQL in clear beyond this machine
    /// (`transport`): each gap is then logged at every start.
    pub allow_insecure: bool,
}

/// The default rate of the public routes per client address (a clinic's shared
/// connection included), and its burst.
pub const PUBLIC_PER_SECOND: u32 = 10;
pub const PUBLIC_BURST: u32 = 60;

impl ServerOptions {
    /// Options for a loopback server on a free port with an in-memory database.
    pub fn local(admin_token: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: Database::SqliteMemory,
            public_url: None,
            admin_token: Some(admin_token.to_owned()),
            practice_name: "Riverside Family Practice".to_owned(),
            session_limits: SessionLimits::default(),
            mail: MailConfig::Outbox,
            app_links: crate::config::AppLinks::default(),
            clock: Arc::new(SystemClock),
            admin_listen: None,
            outbox_api: true,
            trusted_proxies: Vec::new(),
            public_per_second: PUBLIC_PER_SECOND,
            public_burst: PUBLIC_BURST,
            request_limits: crate::config::RequestLimits::default(),
            upload_quota_mib: crate::service::documents::UPLOAD_QUOTA_MIB,
            pdf_fonts: Vec::new(),
            allow_insecure: false,
        }
    }
}

/// A server accepting connections in the background.
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The admin API's own address, when it has one (`admin_listen`).
    pub admin_addr: Option<SocketAddr>,
    /// Its shared state (for in-process inspection, such as the outbox).
    pub state: AppState,
    task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
}

impl RunningServer {
    /// The base URL of the API, such as `http://127.0.0.1:4312`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of the admin API: its own listener's, else the patient API's.
    pub fn admin_base_url(&self) -> String {
        format!("http://{}", self.admin_addr.unwrap_or(self.addr))
    }

    /// Stops accepting, ends the event streams, finishes requests in flight, and waits.
    pub async fn stop(mut self) -> Result<(), ServerError> {
        self.state.stopping.send_replace(true);
        (&mut self.task)
            .await
            .map_err(|e| ServerError::internal(format!("server task: {e}")))?
            .map_err(|e| ServerError::internal(format!("server: {e}")))
    }

    /// Serves until `shutdown` completes (then stops gracefully), or until the server
    /// fails by itself.
    pub async fn run_until(
        mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), ServerError> {
        tokio::select! {
            finished = &mut self.task => finished
                .map_err(|e| ServerError::internal(format!("server task: {e}")))?
                .map_err(|e| ServerError::internal(format!("server: {e}"))),
            () = shutdown => self.stop().await,
        }
    }
}

/// Opens the database, binds the listener and starts serving.
pub async fn start(options: ServerOptions) -> Result<RunningServer, ServerError> {
    if let Some(token) = &options.admin_token {
        crypto::check_admin_token(token).map_err(ServerError::Startup)?;
    }
    let gaps = transport::gaps(&options);
    if !gaps.is_empty() {
        if !options.allow_insecure {
            return Err(ServerError::Startup(format!(
                "{} (or set allow_insecure = true to start anyway)",
                gaps.join("; ")
            )));
        }
        for gap in &gaps {
            tracing::warn!(gap = %gap, "started with allow_insecure");
        }
    }
    if options.outbox_api && !matches!(options.mail, MailConfig::Outbox) {
        return Err(ServerError::Startup(
            "the outbox API shows the built-in outbox, but email goes through SMTP: \
             leave outbox_api off"
                .to_owned(),
        ));
    }
    let pdf_fonts = Arc::new(pdf::Fonts::load(&options.pdf_fonts)?);
    tracing::info!(fonts = %pdf_fonts.describe(), "PDF fonts");
    if !pdf_fonts.covers('\u{4E2D}') {
        tracing::warn!(
            "no PDF font has Chinese, Japanese or Korean characters: such names print as \
             boxes on superbills (install fonts-wqy-microhei or fonts-noto-cjk, or set pdf_fonts)"
        );
    }
    let db = options.database.open().await?;
    let practice_name = options.practice_name.clone();
    db.call(move |conn| service::settings::ensure(conn, &practice_name))
        .await?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| ServerError::Startup(format!("cannot listen on {}: {e}", options.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError::internal(format!("local address: {e}")))?;
    let admin_listener = match options.admin_listen {
        Some(admin_listen) => Some(tokio::net::TcpListener::bind(admin_listen).await.map_err(
            |e| ServerError::Startup(format!("cannot listen on {admin_listen} (admin): {e}")),
        )?),
        None => None,
    };
    let admin_addr = match &admin_listener {
        Some(admin) => Some(
            admin
                .local_addr()
                .map_err(|e| ServerError::internal(format!("admin address: {e}")))?,
        ),
        None => None,
    };
    let public_url = match options.public_url {
        Some(url) => url,
        None => Url::parse(&format!("http://{addr}"))
            .map_err(|e| ServerError::internal(format!("public url: {e}")))?,
    };
    let (_, idle_signal) = tokio::sync::watch::channel(0_i64);
    let mut state = AppState {
        db,
        clock: options.clock,
        mail: Mailer::from_config(&options.mail)?,
        config: Arc::new(ServerConfig {
            public_url,
            admin_token: options.admin_token,
            practice_name: options.practice_name,
            session_limits: options.session_limits,
            app_links: options.app_links,
            admin_listen: admin_addr,
            outbox_api: options.outbox_api,
            trusted_proxies: options.trusted_proxies,
            public_per_second: options.public_per_second,
            public_burst: options.public_burst,
            request_limits: options.request_limits,
            upload_quota_mib: options.upload_quota_mib,
        }),
        changes: idle_signal,
        hash_waiting: Arc::default(),
        in_flight: crate::http::request_limits::InFlight::new(options.request_limits.max_in_flight),
        public_limit: Arc::new(crate::http::public_limit::PublicLimit::new(
            options.public_per_second,
            options.public_burst,
        )),
        hash_gate: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        pages: Arc::default(),
        stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
        admin_guard: Arc::default(),
        streams: Arc::default(),
        pdf_fonts,
    };
    state.changes = service::events::start_watcher(&state);
    service::housekeeping::start(state.clone());
    // Each listener stops when `stopping` turns true (`RunningServer::stop`).
    let serve = |listener: tokio::net::TcpListener, part: http::Listener| {
        let stopping = state.stopping.subscribe();
        let app = http::router(state.clone(), part);
        http::serve::serve(listener, app, options.request_limits, stopping)
    };
    let task = match admin_listener {
        None => tokio::spawn(serve(listener, http::Listener::Everything)),
        Some(admin) => {
            let patient = serve(listener, http::Listener::PatientOnly);
            let admin = serve(admin, http::Listener::AdminOnly);
            tokio::spawn(async move { tokio::try_join!(patient, admin).map(|_| ()) })
        }
    };
    Ok(RunningServer {
        addr,
        admin_addr,
        state,
        task,
    })
}
