//! The patient portal client engine, shared by the desktop app and the native apps:
//! deep links, invites and password setup, sessions, and secrets in the OS keychain.
//! It knows nothing of Tauri or UniFFI; hosts own the async runtime.

pub mod client;
pub mod config;
pub mod error;
mod http;
pub mod invites;
pub mod links;
pub mod secrets;
mod vault;

pub use client::{PortalClient, Restored, SignedIn};
pub use config::ClientConfig;
pub use error::CoreError;
pub use invites::{InviteState, JoinState, RenewOutcome, ResetState};
pub use links::{DeepLink, LinkError, LinkKind, parse_link};
pub use secrets::{KeyringStore, SecretError, SecretStore};
