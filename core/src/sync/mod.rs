//! Keeping the account's offline copy current, as apps use it: `client.sync()`. A pull
//! on demand ([`Sync::sync_now`], in `pull`), and the background loop a host runs
//! ([`Sync::run`], in `run`) that pulls when the server says something changed, sends
//! writes as they are made, and backs off while offline.

mod pull;
mod run;

pub use crate::session::{FirstSync, SyncOverview};
pub use pull::{SyncProgress, SyncReport};
pub(crate) use run::background_loop;

use crate::outbox::Outbox;
use crate::session::Context;
use std::sync::Arc;

/// Pulls, and the background sync, of one client.
#[derive(Clone)]
pub struct Sync {
    ctx: Arc<Context>,
}

impl Sync {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Tells the background sync that the network may be back (hosts call this from
    /// their connectivity callbacks): it tries at once instead of waiting out its
    /// backoff.
    pub fn network_changed(&self) {
        self.ctx.wake.notify_one();
        self.ctx.network_back.notify_waiters();
        // Sign-outs made offline end their server sessions now, if they can.
        self.ctx.end_pending_signouts_in_background();
    }

    /// True while the core's background sync runs (from sign-in to sign-out; it waits
    /// without pulling while locked).
    pub fn in_background(&self) -> bool {
        self.ctx.background_sync_running()
    }

    /// Where syncing stands: the latest status (syncing, up to date, offline with the
    /// next try, stopped), when the copy was last up to date in this run, and a first
    /// sync's progress.
    pub fn status(&self) -> SyncOverview {
        self.ctx.sync_overview()
    }

    /// The outbox a pull sends first.
    fn outbox(&self) -> Outbox {
        Outbox::new(self.ctx.clone())
    }
}
