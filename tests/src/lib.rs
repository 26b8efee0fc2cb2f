//! Helpers for tests that cross crates. They talk to the real server over HTTP only, so
//! any test can use them against an in-process server or the `portal-server` binary.

pub mod admin;
pub mod desktop;
pub mod feed;
pub mod notifications;
pub mod process;
pub mod proxy;
pub mod server;
pub mod webdriver;

pub use admin::AdminClient;
pub use server::{ServerSetup, TestServer};

/// Installs the process-wide rustls provider the workspace builds reqwest with.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
