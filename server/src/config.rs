//! Server configuration, from the command line and the environment.

use url::Url;

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// An access token's lifetime.
    pub access_ttl: chrono::Duration,
    /// A session unused (not refreshed) this long expires.
    pub idle: chrono::Duration,
    /// No session lives longer than this, however often it is refreshed.
    pub absolute: chrono::Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            access_ttl: chrono::Duration::minutes(15),
            idle: chrono::Duration::days(14),
            absolute: chrono::Duration::days(90),
        }
    }
}

/// How long a client may take, and how many requests run at once: what keeps slow or
/// many clients from holding the server's connections and tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// A request's headers must arrive within this (else the connection closes); an idle
    /// keep-alive connection closes after it too.
    pub header_timeout: std::time::Duration,
    /// A request body that sends nothing for this long fails (408).
    pub body_timeout: std::time::Duration,
    /// A request is answered within this or fails (503 `server_busy`); uploads get
    /// [`UPLOAD_TIME_FACTOR`] times as long, for slow uplinks.
    pub request_timeout: std::time::Duration,
    /// Requests handled at once; more answer 503 `server_busy` at once.
    pub max_in_flight: usize,
}

/// How many request timeouts an upload may take.
pub const UPLOAD_TIME_FACTOR: u32 = 10;

/// The defaults of [`RequestLimits`], in the settings' units.
/// Hyper's own default. It also bounds how long an idle keep-alive connection stays
/// open (hyper's header deadline starts when it waits for the next request), so it
/// stays above the core's pool idle time (20 s), which then never reuses a connection
/// the server is closing.
pub const HEADER_TIMEOUT_SECONDS: u32 = 30;
pub const BODY_TIMEOUT_SECONDS: u32 = 30;
pub const REQUEST_TIMEOUT_SECONDS: u32 = 60;
pub const MAX_REQUESTS_IN_FLIGHT: u32 = 1024;

impl RequestLimits {
    /// The limits as the settings give them.
    pub fn from_settings(
        header_timeout_seconds: u32,
        body_timeout_seconds: u32,
        request_timeout_seconds: u32,
        max_requests_in_flight: u32,
    ) -> Self {
        let seconds = |s: u32| std::time::Duration::from_secs(s.into());
        Self {
            header_timeout: seconds(header_timeout_seconds),
            body_timeout: seconds(body_timeout_seconds),
            request_timeout: seconds(request_timeout_seconds),
            max_in_flight: usize::try_from(max_requests_in_flight).unwrap_or(usize::MAX),
        }
    }
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self::from_settings(
            HEADER_TIMEOUT_SECONDS,
            BODY_TIMEOUT_SECONDS,
            REQUEST_TIMEOUT_SECONDS,
            MAX_REQUESTS_IN_FLIGHT,
        )
    }
}

/// The apps that may open the portal's https links (universal links, app links).
#[derive(Debug, Clone, Default)]
pub struct AppLinks {
    /// iOS app ids, `TEAMID.bundle.id`.
    pub apple_app_ids: Vec<String>,
    /// The Android package name.
    pub android_package: Option<String>,
    /// SHA-256 fingerprints of the Android signing certificates (`AB:CD:...`).
    pub android_cert_sha256: Vec<String>,
}

/// What a running server needs to know.
#[derive(Clone)]
pub struct ServerConfig {
    /// The base of every link in emails, such as `https://portal.example-practice.org`.
    /// Invite links are `{public_url}/invite/{token}`.
    pub public_url: Url,
    /// The admin API's bearer token; `None` disables the admin API.
    pub admin_token: Option<String>,
    /// The practice's name, written into settings when the database is created.
    pub practice_name: String,
    /// Session lifetimes.
    pub session_limits: SessionLimits,
    /// The apps `/.well-known/` files name.
    pub app_links: AppLinks,
    /// The admin API's own listener, if it has one.
    pub admin_listen: Option<std::net::SocketAddr>,
    /// Whether `GET /v1/admin/outbox` answers (demos and tests only).
    pub outbox_api: bool,
    /// The reverse proxies (TLS terminators) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Requests per second each client address may make to the public sign-in,
    /// invite, reset and join routes, after a burst of [`ServerConfig::public_burst`].
    pub public_per_second: u32,
    /// The burst each client address may send at once to those routes.
    pub public_burst: u32,
    /// Timeouts and the bound on requests handled at once.
    pub request_limits: RequestLimits,
    /// The MiB of uploads one account may hold at a time (they are kept a week).
    pub upload_quota_mib: u32,
}

/// A trusted proxy as the settings name it: an address (`10.0.0.5`) or a network
/// (`10.0.0.0/8`).
pub fn parse_proxy(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            format!("'{text}' is not an address or a network (such as 10.0.0.5 or 10.0.0.0/8)")
        })
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("public_url", &self.public_url.as_str())
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<set>"))
            .field("practice_name", &self.practice_name)
            .field("session_limits", &self.session_limits)
            .finish()
    }
}

impl ServerConfig {
    /// The link a patient opens for an invite token.
    pub fn invite_link(&self, token: &str) -> String {
        format!(
            "{}/invite/{token}",
            self.public_url.as_str().trim_end_matches('/')
        )
    }
}
