//! What a client needs to know about its server, validated once.

use crate::error::CoreError;
pub use crate::links::{Origin, is_loopback_host};
use url::Url;

/// The default custom URL scheme of the apps.
pub const DEFAULT_SCHEME: &str = "patientportal";

/// How long the app may sit unused before it locks, unless configured otherwise.
pub const DEFAULT_IDLE_TIMEOUT: chrono::Duration = chrono::Duration::minutes(15);

/// How long one request may take, unless configured.
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A client's view of its server and of the links it accepts.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    server_url: Url,
    link_origins: Vec<Origin>,
    scheme: String,
    /// Extra trusted root certificates (PEM), for practices on a private CA.
    extra_roots_pem: Vec<String>,
    /// How long the app may sit unused before it locks, in milliseconds: shared by the
    /// client's copies of the configuration, so that a setting changed while the app
    /// runs ([`ClientConfig::set_idle_timeout`]) applies at once.
    idle_timeout_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// Where accounts' offline databases live (one directory per account).
    data_dir: Option<std::path::PathBuf>,
    /// How many changes one pull asks for (1 to 1000).
    sync_page_limit: u32,
    /// How this device is named in the account's list of sessions.
    device_name: String,
    /// How long one request may take (connecting included) before it counts as offline.
    request_timeout: std::time::Duration,
    /// Whether the core runs the background sync itself while an account is in use.
    background_sync: bool,
}

/// Everything a host configures, in one value: the desktop shell fills it from its
/// configuration file, the bindings take it across the FFI. Only `server_url` is
/// required; [`ClientOptions::new`] gives every other field its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// The portal server (`https://`; plain `http://` only on loopback).
    pub server_url: String,
    /// Other origins whose links the app accepts (a practice's portal host).
    pub extra_link_origins: Vec<String>,
    /// The app's custom URL scheme for links (default `patientportal`).
    pub scheme: String,
    /// Extra trusted root certificates (PEM), for a practice on a private CA.
    pub extra_roots_pem: Option<String>,
    /// How long the app may sit unused before it locks (30 s to 24 h; default 15 min).
    pub idle_timeout: Option<std::time::Duration>,
    /// Where each account's encrypted offline copy lives; without it nothing is kept.
    pub data_dir: Option<std::path::PathBuf>,
    /// How many changes one pull asks for (1 to 1000; default 500).
    pub sync_page_limit: Option<u32>,
    /// How this device is named in the account's list of sessions.
    pub device_name: Option<String>,
    /// How long one request may take (1 s to 5 min; default 30 s).
    pub request_timeout: Option<std::time::Duration>,
    /// Whether the core runs the background sync itself (default true).
    pub background_sync: bool,
}

impl ClientOptions {
    /// The options for `server_url`, everything else by default.
    pub fn new(server_url: &str) -> Self {
        Self {
            server_url: server_url.to_owned(),
            extra_link_origins: Vec::new(),
            scheme: DEFAULT_SCHEME.to_owned(),
            extra_roots_pem: None,
            idle_timeout: None,
            data_dir: None,
            sync_page_limit: None,
            device_name: None,
            request_timeout: None,
            background_sync: true,
        }
    }
}

impl ClientConfig {
    /// The configuration `options` describe, each value checked (a bad URL, scheme,
    /// certificate, idle or request timeout is a `CoreError::Config` saying which).
    pub fn from_options(options: ClientOptions) -> Result<Self, CoreError> {
        let origins: Vec<&str> = options
            .extra_link_origins
            .iter()
            .map(String::as_str)
            .collect();
        let mut config = Self::new(&options.server_url, &origins, &options.scheme)?
            .with_background_sync(options.background_sync);
        if let Some(pem) = &options.extra_roots_pem {
            config = config.with_extra_roots_pem(pem)?;
        }
        if let Some(timeout) = options.idle_timeout {
            config = config.with_idle_timeout(timeout)?;
        }
        if let Some(dir) = options.data_dir {
            config = config.with_data_dir(dir);
        }
        if let Some(limit) = options.sync_page_limit {
            config = config.with_sync_page_limit(limit);
        }
        if let Some(name) = &options.device_name {
            config = config.with_device_name(name);
        }
        if let Some(timeout) = options.request_timeout {
            config = config.with_request_timeout(timeout)?;
        }
        Ok(config)
    }

    /// A configuration for the server at `server_url`. Links are accepted from the
    /// server's own origin, from each of `extra_link_origins` (such as the practice's
    /// portal host when the API lives elsewhere), and in the custom `scheme` form.
    ///
    /// HTTPS is required except for loopback hosts.
    pub fn new(
        server_url: &str,
        extra_link_origins: &[&str],
        scheme: &str,
    ) -> Result<Self, CoreError> {
        let server_url = Url::parse(server_url)
            .map_err(|e| CoreError::Config(format!("server URL '{server_url}': {e}")))?;
        let mut link_origins = vec![origin_of(&server_url)?];
        for extra in extra_link_origins {
            let url = Url::parse(extra)
                .map_err(|e| CoreError::Config(format!("link origin '{extra}': {e}")))?;
            link_origins.push(origin_of(&url)?);
        }
        if scheme.is_empty()
            || !scheme.starts_with(|c: char| c.is_ascii_lowercase())
            || !scheme
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
            || matches!(scheme, "http" | "https")
        {
            return Err(CoreError::Config(format!(
                "'{scheme}' cannot be the app's URL scheme"
            )));
        }
        Ok(Self {
            server_url,
            link_origins,
            scheme: scheme.to_owned(),
            extra_roots_pem: Vec::new(),
            idle_timeout_ms: std::sync::Arc::new(std::sync::atomic::AtomicI64::new(
                DEFAULT_IDLE_TIMEOUT.num_milliseconds(),
            )),
            data_dir: None,
            sync_page_limit: 500,
            device_name: format!("Patient Portal ({})", std::env::consts::OS),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            background_sync: true,
        })
    }

    /// Gives up on a request after `timeout` (connecting included) instead of the
    /// default 30 s, and treats the server as out of reach: a host on a slow or
    /// metered network may want longer, a test of a dead network shorter. 1 s to 5 min.
    /// Document downloads and the event stream keep their own, longer limits.
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Result<Self, CoreError> {
        let allowed = std::time::Duration::from_secs(1)..=std::time::Duration::from_secs(300);
        if !allowed.contains(&timeout) {
            return Err(CoreError::Config(format!(
                "a request timeout of {} ms is outside 1 s to 5 min",
                timeout.as_millis()
            )));
        }
        self.request_timeout = timeout;
        Ok(self)
    }

    /// How long one request may take before the server counts as out of reach.
    pub fn request_timeout(&self) -> std::time::Duration {
        self.request_timeout
    }

    /// Locks the app after `timeout` without use instead of the default 15 minutes;
    /// between 30 seconds and 24 hours.
    pub fn with_idle_timeout(self, timeout: std::time::Duration) -> Result<Self, CoreError> {
        self.set_idle_timeout(timeout)?;
        Ok(self)
    }

    /// Changes the idle lock's time while the app runs (a setting): the next check uses
    /// it. Between 30 seconds and 24 hours, as [`ClientConfig::with_idle_timeout`].
    pub fn set_idle_timeout(&self, timeout: std::time::Duration) -> Result<(), CoreError> {
        let allowed = std::time::Duration::from_secs(30)..=std::time::Duration::from_secs(86_400);
        if !allowed.contains(&timeout) {
            return Err(CoreError::Config(format!(
                "an idle timeout of {} s is outside 30 s to 24 h",
                timeout.as_secs()
            )));
        }
        // At most 24 h: the milliseconds fit an i64.
        let millis = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        self.idle_timeout_ms
            .store(millis, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Keeps each account's encrypted offline copy under `dir` (the app's private data
    /// directory). Without one, nothing is stored offline.
    pub fn with_data_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Asks for `limit` changes per pull request (1 to 1000; the default is 500):
    /// smaller pages for slow links, larger for fewer round trips.
    pub fn with_sync_page_limit(mut self, limit: u32) -> Self {
        self.sync_page_limit = limit.clamp(1, 1000);
        self
    }

    /// With `false`, the core does not run the background sync by itself: the host
    /// pulls with `sync().sync_now` (tools, and tests that count what one pull did).
    /// By default, with a data directory, the sync runs from sign-in to sign-out (see
    /// `client.sync()`).
    pub fn with_background_sync(mut self, on: bool) -> Self {
        self.background_sync = on;
        self
    }

    /// Whether the core runs the background sync itself (it needs a data directory).
    pub fn background_sync(&self) -> bool {
        self.background_sync && self.data_dir.is_some()
    }

    /// Names this device in the account's list of sessions (such as "Jordan's
    /// iPhone"); the default says "Patient Portal" and the operating system.
    pub fn with_device_name(mut self, name: &str) -> Self {
        let name = name.trim();
        if !name.is_empty() {
            self.device_name = name.chars().take(100).collect();
        }
        self
    }

    /// How this device is named when it signs in.
    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// How many changes one pull asks for.
    pub fn sync_page_limit(&self) -> u32 {
        self.sync_page_limit
    }

    /// Where accounts' offline databases live, if configured.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// How long the app may sit unused before it locks.
    pub fn idle_timeout(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(
            self.idle_timeout_ms
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// Also trusts the root certificates in `pem` (one or more PEM blocks), for a
    /// practice whose server uses a private certificate authority. Certificate checks
    /// stay on: there is no switch that turns them off.
    pub fn with_extra_roots_pem(mut self, pem: &str) -> Result<Self, CoreError> {
        let certificates = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
            CoreError::Config(format!("extra root certificates: {}", e.without_url()))
        })?;
        if certificates.is_empty() {
            return Err(CoreError::Config(
                "extra root certificates: no PEM certificate found".to_owned(),
            ));
        }
        self.extra_roots_pem.push(pem.to_owned());
        Ok(self)
    }

    /// The extra trusted roots, as PEM.
    pub fn extra_roots_pem(&self) -> &[String] {
        &self.extra_roots_pem
    }

    /// The API's base URL.
    pub fn server_url(&self) -> &Url {
        &self.server_url
    }

    /// The origins links may come from.
    pub fn link_origins(&self) -> &[Origin] {
        &self.link_origins
    }

    /// The custom URL scheme.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Parses an invite, reset or join link for this server. Changes nothing.
    pub fn parse_link(
        &self,
        input: &str,
    ) -> Result<crate::links::DeepLink, crate::links::LinkError> {
        crate::links::parse_link(input, self)
    }

    /// True when the server is on a loopback address (plain HTTP allowed).
    pub fn is_loopback(&self) -> bool {
        self.server_url.host_str().is_some_and(is_loopback_host)
    }
}

impl crate::links::LinkRules for ClientConfig {
    fn link_origins(&self) -> &[Origin] {
        &self.link_origins
    }

    fn scheme(&self) -> &str {
        &self.scheme
    }
}

fn origin_of(url: &Url) -> Result<Origin, CoreError> {
    let host = url
        .host_str()
        .ok_or_else(|| CoreError::Config(format!("'{url}' has no host")))?
        .to_ascii_lowercase();
    let scheme = url.scheme().to_owned();
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback_host(&host) => {}
        "http" => {
            return Err(CoreError::Config(format!(
                "'{url}' uses plain HTTP; only loopback addresses may (use https://)"
            )));
        }
        other => {
            return Err(CoreError::Config(format!(
                "'{url}': scheme '{other}' is not http(s)"
            )));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CoreError::Config(format!(
            "'{url}' must not carry credentials"
        )));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(CoreError::Config(format!(
            "'{url}' must be an origin only (no path, query or fragment)"
        )));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| CoreError::Config(format!("'{url}' has no port")))?;
    Ok(Origin { scheme, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_make_the_same_configuration_as_the_chained_calls() {
        let mut options = ClientOptions::new("https://portal.example.org");
        options.extra_link_origins = vec!["https://portal.riverside.example".to_owned()];
        options.idle_timeout = Some(std::time::Duration::from_secs(300));
        options.data_dir = Some("/tmp/portal-data".into());
        options.sync_page_limit = Some(2000);
        options.device_name = Some("Jordan's laptop".to_owned());
        options.request_timeout = Some(std::time::Duration::from_secs(5));
        options.background_sync = false;
        let config = ClientConfig::from_options(options.clone()).unwrap();
        assert_eq!(config.link_origins().len(), 2);
        assert_eq!(config.idle_timeout(), chrono::Duration::seconds(300));
        // A change while the app runs reaches every copy; one out of range changes nothing.
        let copy = config.clone();
        config
            .set_idle_timeout(std::time::Duration::from_secs(60))
            .unwrap();
        assert_eq!(copy.idle_timeout(), chrono::Duration::seconds(60));
        assert!(
            config
                .set_idle_timeout(std::time::Duration::from_secs(10))
                .is_err()
        );
        assert_eq!(copy.idle_timeout(), chrono::Duration::seconds(60));
        assert_eq!(
            config.data_dir(),
            Some(std::path::Path::new("/tmp/portal-data"))
        );
        assert_eq!(config.sync_page_limit(), 1000);
        assert_eq!(config.device_name(), "Jordan's laptop");
        assert_eq!(config.request_timeout(), std::time::Duration::from_secs(5));
        assert!(!config.background_sync());

        let bad = |change: fn(&mut ClientOptions)| {
            let mut options = ClientOptions::new("https://portal.example.org");
            change(&mut options);
            match ClientConfig::from_options(options) {
                Err(CoreError::Config(why)) => why,
                other => panic!("expected a configuration error, got {other:?}"),
            }
        };
        assert!(
            bad(|o| o.idle_timeout = Some(std::time::Duration::from_secs(5)))
                .contains("idle timeout")
        );
        assert!(
            bad(|o| o.request_timeout = Some(std::time::Duration::ZERO))
                .contains("request timeout")
        );
        assert!(bad(|o| o.scheme = "https".to_owned()).contains("scheme"));
        assert!(
            bad(|o| o.server_url = "http://portal.example.org".to_owned())
                .contains("portal.example.org")
        );
    }

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        assert!(ClientConfig::new("https://portal.example.org", &[], DEFAULT_SCHEME).is_ok());
        assert!(
            ClientConfig::from_options(ClientOptions::new("https://portal.example.org")).is_ok()
        );
        assert!(ClientConfig::new("http://127.0.0.1:8080", &[], DEFAULT_SCHEME).is_ok());
        assert!(ClientConfig::new("http://localhost:8080", &[], DEFAULT_SCHEME).is_ok());
        assert!(ClientConfig::new("http://[::1]:8080", &[], DEFAULT_SCHEME).is_ok());
        for bad in [
            "http://portal.example.org",
            "ftp://portal.example.org",
            "https://user:pw@portal.example.org",
            "https://portal.example.org/api",
            "not a url",
        ] {
            assert!(
                ClientConfig::new(bad, &[], DEFAULT_SCHEME).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_scheme_must_be_a_plain_custom_scheme() {
        for bad in ["", "https", "Portal", "1app", "pa tient"] {
            assert!(
                ClientConfig::new("https://a.example", &[], bad).is_err(),
                "{bad}"
            );
        }
    }
}
