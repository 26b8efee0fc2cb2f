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
    /// Password checks waiting for the gate; past [`HASH_QUEUE`], new ones answer 503.
    pub hash_waiting: Arc<std::sync::atomic::AtomicUsize>,
    /// Sync pages kept with their feed version (see `service::page_cache`).
    pub pages: Arc<crate::service::page_cache::PageCache>,
    /// Turns true when the server starts to stop: endless responses (the event
    /// streams) end then, so that a graceful stop does not wait for their clients.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// The event streams open now (`service::events::Streams`).
    pub streams: Arc<crate::service::events::Streams>,
    /// Wrong admin tokens per client address (`http::admin_guard`).
    pub admin_guard: Arc<crate::http::admin_guard::AdminGuard>,
    /// Requests handled at once, across the listeners (`http::request_limits`).
    pub in_flight: crate::http::request_limits::InFlight,
    /// Requests to the public routes per client address (`http::public_limit`).
    pub public_limit: Arc<crate::http::public_limit::PublicLimit>,
    /// The fonts PDFs are written with (`pdf`).
    pub pdf_fonts: Arc<crate::pdf::Fonts>,
}

/// Password checks that may wait for a core at once. A check takes tens of
/// milliseconds a core, so the last in a full queue waits about a second; beyond that,
/// a flood would only grow the wait for everyone.
pub const HASH_QUEUE: usize = 32;

/// Counts one waiting password check while it lives.
struct Waiting(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl AppState {
    /// Runs CPU-heavy password work on a blocking thread, a few at a time; up to
    /// [`HASH_QUEUE`] more wait their turn without holding threads or memory, and
    /// the rest answer 503 `server_busy` with `Retry-After` before any work.
    pub async fn hashing<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ServerError> + Send + 'static,
    {
        let queued = self
            .hash_waiting
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let waiting = Waiting(Arc::clone(&self.hash_waiting));
        if queued >= HASH_QUEUE {
            return Err(ServerError::Busy {
                retry_after_secs: 2,
                message: "The portal is busy checking passwords. Try again in a few seconds."
                    .to_owned(),
            });
        }
        let permit = self
            .hash_gate
            .acquire()
            .await
            .map_err(|e| ServerError::internal(format!("hash gate: {e}")))?;
        drop(waiting);
        let _permit = permit;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServerError::internal(format!("hashing task: {e}")))?
    }
}
