//! The background sync's lifetime, owned by the core so that no app has to remember it:
//! it starts when an account comes into use (sign-in, a restored session, an unlock, a
//! switch of account), waits without the store while locked, and stops at sign-out and
//! with its client. The loop itself is the sync part's (`crate::sync`); `client.rs`
//! hands it over as a plain function, so that this layer never imports a part above it.

use super::Context;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, Weak};

/// The background sync of one client, as a future that runs until it returns.
pub(crate) type SyncLoop = fn(Arc<Context>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// The running loop and the account it runs for.
pub(crate) struct Running {
    account_id: String,
    task: tokio::task::JoinHandle<()>,
}

impl Context {
    /// Hands this context its own handle and the sync loop to run (once, at build).
    pub fn install_background_sync(self: &Arc<Self>, sync_loop: SyncLoop) {
        let _ = self.me.set(Arc::downgrade(self));
        let _ = self.sync_loop.set(sync_loop);
    }

    /// Makes sure the background sync runs for the account in use: starts it, or
    /// restarts it for another account, or wakes it (after an unlock). Does nothing
    /// when the host runs syncs itself, without a data directory, or outside a tokio
    /// runtime.
    pub fn start_background_sync(&self) {
        if !self.config.background_sync() {
            return;
        }
        let Some(account_id) = self.lock_current().as_ref().map(|c| c.account.id.clone()) else {
            return;
        };
        let (Some(me), Some(sync_loop)) =
            (self.me.get().and_then(Weak::upgrade), self.sync_loop.get())
        else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no async runtime: the background sync cannot start");
            return;
        };
        let mut running = self
            .background
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(now) = running.as_ref()
            && now.account_id == account_id
            && !now.task.is_finished()
        {
            self.wake.notify_one();
            return;
        }
        if let Some(old) = running.take() {
            old.task.abort();
        }
        *running = Some(Running {
            account_id,
            task: runtime.spawn(sync_loop(me)),
        });
    }

    /// Stops the background sync (sign-out, the client dropped).
    pub fn stop_background_sync(&self) {
        let running = self
            .background
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(running) = running {
            running.task.abort();
        }
    }

    /// True while the background sync runs (for tests and status screens).
    pub fn background_sync_running(&self) -> bool {
        self.background
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|running| !running.task.is_finished())
    }
}
