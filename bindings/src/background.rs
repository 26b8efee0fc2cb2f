//! Change notifications across the FFI: the host listens with a listener and keeps the
//! handle; dropping or stopping it ends the notifications. The background sync itself
//! is the core's: it runs from sign-in to sign-out, waits while locked, and stops with
//! the client.

use crate::PortalClient;
use portal_core::{ChangeNotice, SyncStatus, WriteState};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// Where a write is on its way to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WriteStatus {
    Queued,
    Sending,
    Sent,
    Failed,
    /// Discarded by the person.
    Discarded,
}

/// Something the UI may need to redraw.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Change {
    /// Records of one kind changed (pulled or written here).
    Records { kind: String, ids: Vec<String> },
    /// The account lost these profiles; their data is gone from the device.
    ProfilesPurged { profile_ids: Vec<String> },
    /// A write moved in the outbox.
    Write { id: String, status: WriteStatus },
    /// Pulling: pages and changes so far.
    Syncing { pages: u32, changes: u64 },
    /// Up to date.
    UpToDate { at: SystemTime },
    /// Offline; trying again at `retry_at`. Reads still work.
    Offline { retry_at: SystemTime },
    /// Stopped: locked, signed out, or the session ended.
    Stopped,
    /// News of the session restored at start-up (on `Ended`, show sign-in).
    Session { check: crate::SessionCheck },
    /// While locked: something new arrived for the account (nothing says what); show a
    /// notification that asks to unlock.
    NewActivity,
    /// Notices were missed: reload what is on screen.
    ReloadAll,
}

impl From<ChangeNotice> for Change {
    fn from(notice: ChangeNotice) -> Self {
        match notice {
            ChangeNotice::Records { kind, ids } => Self::Records { kind, ids },
            ChangeNotice::ProfilesPurged { profile_ids } => Self::ProfilesPurged { profile_ids },
            ChangeNotice::Write { id, state } => Self::Write {
                id,
                status: match state {
                    Some(WriteState::Queued) => WriteStatus::Queued,
                    Some(WriteState::Sending) => WriteStatus::Sending,
                    Some(WriteState::Sent) => WriteStatus::Sent,
                    Some(WriteState::Failed) => WriteStatus::Failed,
                    None => WriteStatus::Discarded,
                },
            },
            ChangeNotice::Sync(SyncStatus::Syncing { pages, changes }) => {
                Self::Syncing { pages, changes }
            }
            ChangeNotice::Sync(SyncStatus::UpToDate { at }) => Self::UpToDate { at: at.into() },
            ChangeNotice::Sync(SyncStatus::Offline { retry_at }) => Self::Offline {
                retry_at: retry_at.into(),
            },
            ChangeNotice::Sync(SyncStatus::Stopped) => Self::Stopped,
            ChangeNotice::Session(check) => Self::Session {
                check: check.into(),
            },
            ChangeNotice::NewActivity => Self::NewActivity,
            ChangeNotice::ReloadAll => Self::ReloadAll,
        }
    }
}

/// What the background sync is doing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncPhase {
    /// Nothing pulled yet in this run (just signed in or unlocked).
    Starting,
    /// Pulling: pages and changes so far.
    Syncing { pages: u32, changes: u64 },
    /// Up to date as of `at`.
    UpToDate { at: SystemTime },
    /// The server cannot be reached; trying again at `retry_at`. Reads still work.
    Offline { retry_at: SystemTime },
    /// Stopped: signed out, locked, or the session ended.
    Stopped,
}

/// Where syncing stands: for a status line ("Updated 3 minutes ago"), an offline
/// banner, and a first-sync progress bar.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncState {
    pub phase: SyncPhase,
    /// When the offline copy was last brought up to date in this run.
    pub last_success: Option<SystemTime>,
    /// While the copy is filled from the start (a first sync, or after the server no
    /// longer had our place): true, with `phase` giving the progress.
    pub first_sync: bool,
}

impl From<portal_core::SyncOverview> for SyncState {
    fn from(overview: portal_core::SyncOverview) -> Self {
        Self {
            phase: match overview.status {
                None => SyncPhase::Starting,
                Some(SyncStatus::Syncing { pages, changes }) => {
                    SyncPhase::Syncing { pages, changes }
                }
                Some(SyncStatus::UpToDate { at }) => SyncPhase::UpToDate { at: at.into() },
                Some(SyncStatus::Offline { retry_at }) => SyncPhase::Offline {
                    retry_at: retry_at.into(),
                },
                Some(SyncStatus::Stopped) => SyncPhase::Stopped,
            },
            last_success: overview.last_success.map(Into::into),
            first_sync: overview.first_sync.is_some(),
        }
    }
}

/// Hears where syncing stands.
#[uniffi::export(with_foreign)]
pub trait SyncStateListener: Send + Sync {
    fn on_sync_state(&self, state: SyncState);
}

/// Hears every change (implemented by the host; called from a background thread).
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    fn on_change(&self, change: Change);
}

/// A listener's subscription; `stop` (or dropping the last reference) ends it.
#[derive(uniffi::Object)]
pub struct Subscription {
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Subscription {
    /// A subscription that ends `tasks` when stopped.
    pub(crate) fn of(tasks: Vec<tokio::task::JoinHandle<()>>) -> Self {
        Self {
            tasks: Mutex::new(tasks),
        }
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the notifications to this listener.
    pub fn stop(&self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop();
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PortalClient {
    /// Delivers every change to `listener` (from a background thread) until the
    /// subscription is stopped. Listen before signing in to hear the first sync.
    pub async fn listen(&self, listener: Arc<dyn ChangeListener>) -> Arc<Subscription> {
        let mut changes = self.inner.changes();
        let forward = tokio::spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(notice) => listener.on_change(notice.into()),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        listener.on_change(Change::ReloadAll);
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Arc::new(Subscription::of(vec![forward]))
    }

    /// Where syncing stands now.
    pub fn sync_state(&self) -> SyncState {
        self.inner.sync().status().into()
    }

    /// Watches where syncing stands: `listener` hears it now and at each move, until
    /// stopped (it goes on across lock and unlock).
    pub async fn watch_sync_state(
        &self,
        listener: Arc<dyn SyncStateListener>,
    ) -> Arc<Subscription> {
        use tokio::sync::broadcast::error::RecvError;
        let mut changes = self.inner.changes();
        // The sync's handle, not the client: the host dropping its client still ends it.
        let sync = self.inner.sync();
        let mut last = sync.status();
        listener.on_sync_state(last.clone().into());
        let forward = tokio::spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(ChangeNotice::Sync(_)) | Err(RecvError::Lagged(_)) => {}
                    Ok(_) => continue,
                    Err(RecvError::Closed) => return,
                }
                let now = sync.status();
                if now != last {
                    listener.on_sync_state(now.clone().into());
                    last = now;
                }
            }
        });
        Arc::new(Subscription::of(vec![forward]))
    }

    /// The device's network came back or changed: the background sync tries at once.
    pub fn network_changed(&self) {
        self.inner.sync().network_changed();
    }
}
