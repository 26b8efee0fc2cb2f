//! The patient portal client engine, shared by the desktop app and the native apps:
//! deep links, invites and password setup, sessions (several accounts, guardian
//! profiles, the idle lock), and secrets in the OS keychain.
//! It knows nothing of Tauri or UniFFI; hosts own the async runtime.

pub mod changes;
pub mod client;
pub mod clock;
pub mod config;
pub mod documents;
pub mod error;
mod http;
pub mod invites;
pub mod links;
pub mod lock;
pub mod offline;
pub mod outbox;
pub mod secrets;
pub mod store;
mod sync_loop;
mod vault;

pub use changes::{ChangeNotice, SyncStatus};
pub use client::{PortalClient, Restored, SignedIn};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::ClientConfig;
pub use documents::{Attachment, DocumentStatus, DownloadProgress};
pub use error::CoreError;
pub use invites::{InviteState, JoinState, RenewOutcome, ResetState};
pub use links::{DeepLink, LinkError, LinkKind, parse_link};
pub use lock::{DEFAULT_IDLE_TIMEOUT, LockState, MAX_UNLOCK_ATTEMPTS};
pub use offline::{SyncProgress, SyncReport};
pub use outbox::{FlushReport, MessageTo};
pub use secrets::{KeyringStore, SecretError, SecretStore};
pub use store::{
    ListOrder, OutboxItem, Page, RecordData, StoredRecord, Summary, WriteError, WriteState,
};
