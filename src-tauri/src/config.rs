//! Which server the desktop app talks to.

use portal_core::config::DEFAULT_SCHEME;

/// The desktop app's settings, from the environment.
#[derive(Debug, Clone)]
pub struct DesktopConfig {
    /// `PORTAL_SERVER_URL`, else the address chosen at the first run (the settings):
    /// the practice's portal server. There is no default: without one the app asks.
    pub server_url: Option<String>,
    /// Whether `PORTAL_SERVER_URL` set the address (then the settings cannot change it).
    pub server_fixed: bool,
    /// `PORTAL_LINK_ORIGINS`: comma-separated extra origins whose links are accepted.
    pub link_origins: Vec<String>,
    /// `PORTAL_EXTRA_ROOTS`: a PEM file of extra trusted root certificates (private CA).
    pub extra_roots_file: Option<String>,
    /// `PORTAL_IDLE_TIMEOUT_SECS`: seconds without use before the app locks (default
    /// 900), as given; checked when the client is made.
    pub idle_timeout_secs: Option<String>,
    /// The keychain service entries are filed under.
    pub keychain_service: String,
    pub scheme: String,
    /// `PORTAL_DATA_DIR`: where each account's encrypted offline copy lives; by default
    /// the app's data directory, which the app sets once Tauri knows it.
    pub data_dir: Option<std::path::PathBuf>,
    /// `PORTAL_LANGUAGE`: the language to speak (`en-US` or `es`) instead of the
    /// system's.
    pub language: Option<String>,
}

impl DesktopConfig {
    /// Reads the settings from the environment, with local-demo defaults.
    pub fn from_env() -> Self {
        let server_url = std::env::var("PORTAL_SERVER_URL")
            .ok()
            .filter(|v| !v.trim().is_empty());
        let link_origins = std::env::var("PORTAL_LINK_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            server_fixed: server_url.is_some(),
            server_url,
            link_origins,
            extra_roots_file: std::env::var("PORTAL_EXTRA_ROOTS")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            idle_timeout_secs: std::env::var("PORTAL_IDLE_TIMEOUT_SECS")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            keychain_service: "org.patientportal.desktop".to_owned(),
            scheme: DEFAULT_SCHEME.to_owned(),
            data_dir: std::env::var_os("PORTAL_DATA_DIR")
                .filter(|v| !v.is_empty())
                .map(Into::into),
            language: std::env::var("PORTAL_LANGUAGE")
                .ok()
                .filter(|v| !v.trim().is_empty()),
        }
    }
}
