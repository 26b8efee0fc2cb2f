//! The patient portal client engine, shared by the desktop app and the native apps:
//! deep links, invites and password setup, sessions (several accounts, guardian
//! profiles, the idle lock), secrets in the OS keychain, the encrypted offline copy,
//! sync, the outbox of writes, and documents.
//! It knows nothing of Tauri or UniFFI; hosts own the async runtime.
//!
//! [`PortalClient`] hands out the parts apps call: [`Auth`], [`IdleLock`], [`Sync`],
//! [`Outbox`], [`Documents`] and [`Records`]. They share the session (`session`), the
//! layer below them; none of them reaches into another.

pub mod account;
pub mod auth;
pub mod client;
pub mod clock;
pub mod config;
pub mod documents;
pub mod error;
#[cfg(feature = "failpoints")]
pub mod failpoints;
pub mod flow;
mod http;
pub mod idle_lock;
pub mod links;
pub mod notices;
pub mod outbox;
pub mod records;
pub mod secrets;
mod session;
pub mod store;
pub mod sync;
mod watch;

pub use account::SignedIn;
pub use auth::{Auth, InviteState, JoinState, RenewOutcome, ResetState, Restored};
pub use client::PortalClient;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{ClientConfig, ClientOptions};
pub use documents::{DocumentStatus, Documents, DownloadProgress};
pub use error::CoreError;
pub use flow::{Flow, FlowNotice, FlowState};
pub use idle_lock::IdleLock;
pub use links::{DeepLink, LinkError, LinkKind, parse_link};
pub use notices::{ChangeNotice, SessionCheck, SyncStatus};
pub use outbox::{Attachment, FlushReport, MessageTo, Outbox};
pub use records::{
    DocumentItem, FormItem, Home, Money, Records, SearchHit, ThreadItem, TypedPage, Watch, When,
};
pub use secrets::{KeyringStore, SecretError, SecretStore};
pub use session::idle::{DEFAULT_IDLE_TIMEOUT, LockState, MAX_UNLOCK_ATTEMPTS};
pub use store::{
    ListOrder, OutboxItem, Page, RecordData, StoredRecord, Summary, WriteError, WriteState,
};
pub use sync::{FirstSync, Sync, SyncOverview, SyncProgress, SyncReport};

/// The file name of the database in an account's directory.
pub const DATABASE_FILE: &str = store::DB_FILE;
