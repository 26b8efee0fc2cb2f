//! What every request handler shares.

use crate::clock::Clock;
use crate::config::ServerConfig;
use crate::db::Db;
use crate::error::ServerError;
use crate::mail::Mailer;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub mail: Mailer,
    pub config: Arc<ServerConfig>,
    /// Moves whenever the feed changes (see `service::events`).
    pub changes: crate::service::events::ChangeSignal,
    /// Bounds concurrent password hashing (each argon2id run holds 19 MiB and a core).
    pub hash_gate: Arc<Semaphore>,
    /// Sync pages kept with their feed version (see `service::page_cache`).
    pub pages: Arc<crate::service::page_cache::PageCache>,
    /// Turns true when the server starts to stop: endless responses (the event
    /// streams) end then, so that a graceful stop does not wait for their clients.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// The event streams open now (`service::events::Streams`).
    pub streams: Arc<crate::service::events::Streams>,
    /// Wrong admin tokens per client address (`http::admin_guard`).
    pub admin_guard: Arc<crate::http::admin_guard::AdminGuard>,
}

impl AppState {
    /// Runs CPU-heavy password work on a blocking thread, a few at a time; the rest wait
    /// their turn without holding threads or memory.
    pub async fn hashing<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ServerError> + Send + 'static,
    {
        let _permit = self
            .hash_gate
            .acquire()
            .await
            .map_err(|e| ServerError::internal(format!("hash gate: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServerError::internal(format!("hashing task: {e}")))?
    }
}
