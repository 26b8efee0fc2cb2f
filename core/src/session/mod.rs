//! The session: what every part of the client shares (the server, the keychain, the
//! clock, the account in use and its idle lock, its open database, and the change
//! notices), and the calls every part makes through it: the server as the signed-in
//! account (`tokens`), and the account's files (`local`). The parts apps call
//! (`auth`, `idle_lock`, `sync`, `outbox`, `documents`, `records`) each hold a
//! [`Context`] and sit above this module; none of them imports another's internals.

mod background;
mod check;
pub(crate) mod idle;
mod local;
mod tokens;
pub(crate) mod vault;

pub use crate::account::SignedIn;
pub use crate::notices::SessionCheck;
pub(crate) use background::SyncLoop;
pub(crate) use local::Wipe;
pub(crate) use tokens::is_session_end;

use crate::clock::Clock;
use crate::config::ClientConfig;
use crate::error::CoreError;
use crate::http::Api;
use crate::notices::{CHANNEL_CAPACITY, ChangeNotice, SyncStatus, by_kind};
use crate::secrets::SecretStore;
use chrono::{DateTime, Utc};
use idle::{Activity, LockState, LockedAccount};
use portal_model::PasswordPolicy;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use vault::Vault;

/// The state one client's parts share; each part holds it in an `Arc`.
pub(crate) struct Context {
    pub config: ClientConfig,
    pub api: Api,
    pub vault: Vault,
    clock: Arc<dyn Clock>,
    /// The server's password policy, once fetched.
    policy: Mutex<Option<PasswordPolicy>>,
    /// The account in use; `None` when nobody is signed in and while locked.
    current: Mutex<Option<SignedIn>>,
    /// Refreshes run one at a time: a refresh token works once.
    refreshing: tokio::sync::Mutex<()>,
    /// Use, and the idle lock. Always taken before `current` when both are needed.
    activity: Mutex<Activity>,
    /// The open database of the account in use; closed on lock, switch and sign-out.
    store: Mutex<Option<crate::store::Store>>,
    /// Opening the database takes turns: two first reads at once (a screen's queries
    /// and the sync loop, right after sign-in) must not each make a key for it.
    opening: tokio::sync::Mutex<()>,
    /// Change notifications for the UI.
    notices: tokio::sync::broadcast::Sender<ChangeNotice>,
    /// Wakes the background sync (a new write, the network back, an unlock).
    pub wake: tokio::sync::Notify,
    /// Where syncing stands, as the last notices said.
    sync_overview: Mutex<SyncOverview>,
    /// Wakes the restored session's check when the host says the network is back.
    pub network_back: tokio::sync::Notify,
    /// The latest word on the restored session (`check`).
    check: tokio::sync::watch::Sender<SessionCheck>,
    /// Numbers each check, so that an older one never reports over a newer one.
    check_run: AtomicU64,
    /// This context's own handle, for the tasks it starts (`background`).
    me: OnceLock<Weak<Context>>,
    /// The background sync loop, handed over by the client (`background`).
    sync_loop: OnceLock<SyncLoop>,
    /// The running background sync, if any.
    background: Mutex<Option<background::Running>>,
    /// Pulls run one at a time (the background loop's and the host's own).
    pub pulling: tokio::sync::Mutex<()>,
    /// The runtime of the host's async calls, for tasks started from its plain ones
    /// (`network_changed` may come from any thread).
    pub runtime: OnceLock<tokio::runtime::Handle>,
}

/// Where syncing stands, for a status line, an offline banner and a first-sync progress
/// bar (`client.sync().status()`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOverview {
    /// The latest status; `None` before the first pull of this run.
    pub status: Option<SyncStatus>,
    /// When the offline copy was last brought up to date in this run.
    pub last_success: Option<DateTime<Utc>>,
    /// While the copy is filled from the start (a first sync, or after the server no
    /// longer had our place): pages and changes so far.
    pub first_sync: Option<FirstSync>,
}

/// How far a sync from the start has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstSync {
    pub pages: u32,
    pub changes: u64,
}

impl Context {
    /// The shared state of a client for the server in `config`.
    pub fn new(
        config: ClientConfig,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CoreError> {
        let url = config.server_url();
        let scope = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        );
        Ok(Self {
            api: Api::new(&config)?,
            config,
            vault: Vault::new(secrets, scope),
            policy: Mutex::new(None),
            current: Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            activity: Mutex::new(Activity::new(clock.now())),
            clock,
            store: Mutex::new(None),
            opening: tokio::sync::Mutex::new(()),
            notices: tokio::sync::broadcast::channel(CHANNEL_CAPACITY).0,
            wake: tokio::sync::Notify::new(),
            sync_overview: Mutex::new(SyncOverview::default()),
            network_back: tokio::sync::Notify::new(),
            check: tokio::sync::watch::channel(SessionCheck::NotNeeded).0,
            check_run: AtomicU64::new(0),
            me: OnceLock::new(),
            sync_loop: OnceLock::new(),
            background: Mutex::new(None),
            pulling: tokio::sync::Mutex::new(()),
            runtime: OnceLock::new(),
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn lock_policy(&self) -> MutexGuard<'_, Option<PasswordPolicy>> {
        self.policy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn lock_current(&self) -> MutexGuard<'_, Option<SignedIn>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn lock_activity(&self) -> MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn lock_store(&self) -> MutexGuard<'_, Option<crate::store::Store>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells subscribers (if any) about a change; a sync status is also kept for
    /// [`Context::sync_overview`].
    pub fn notify(&self, notice: ChangeNotice) {
        if let ChangeNotice::Sync(status) = &notice {
            let mut overview = self
                .sync_overview
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let SyncStatus::UpToDate { at } = status {
                overview.last_success = Some(*at);
                overview.first_sync = None;
            }
            overview.status = Some(status.clone());
        }
        // No subscriber is not an error.
        let _ = self.notices.send(notice);
    }

    /// Notes a page of a sync from the start (for its progress bar).
    pub fn note_first_sync(&self, pages: u32, changes: u64) {
        self.sync_overview
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .first_sync = Some(FirstSync { pages, changes });
    }

    /// Where syncing stands.
    pub fn sync_overview(&self) -> SyncOverview {
        self.sync_overview
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Tells subscribers which records changed, one notice per kind.
    pub fn notify_records(&self, changed: &[(String, String)]) {
        for notice in by_kind(changed) {
            self.notify(notice);
        }
    }

    /// Change notifications from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ChangeNotice> {
        self.notices.subscribe()
    }

    /// The signed-in account, if any and unlocked. Locks first when the idle timeout
    /// has passed.
    pub fn signed_in(&self) -> Option<SignedIn> {
        self.check_idle();
        self.lock_current().clone()
    }

    /// Makes `signed_in` the account in use (or nobody); the background sync follows.
    pub fn set_current(&self, signed_in: Option<SignedIn>) {
        let in_use = signed_in.is_some();
        *self.lock_current() = signed_in;
        if in_use {
            self.start_background_sync();
        }
    }

    /// The account in use, or why there is none.
    pub fn require_unlocked(&self) -> Result<SignedIn, CoreError> {
        self.refuse_if_locked()?;
        self.lock_current().clone().ok_or(CoreError::NotSignedIn)
    }

    pub fn refuse_if_locked(&self) -> Result<(), CoreError> {
        if self.locked_account().is_some() {
            Err(CoreError::Locked)
        } else {
            Ok(())
        }
    }

    /// The locked account, if locked (locking first when the idle timeout has passed).
    pub fn locked_account(&self) -> Option<LockedAccount> {
        self.check_idle();
        self.lock_activity().locked.clone()
    }

    /// Locks when the app has been idle for the timeout.
    pub fn check_idle(&self) {
        let now = self.now();
        let idle = {
            let activity = self.lock_activity();
            activity.locked.is_none() && activity.is_idle(now, self.config.idle_timeout())
        };
        if idle {
            self.lock_now();
        }
    }

    /// Locks now, if an account is in use.
    pub fn lock_now(&self) {
        let current = self.lock_current().clone();
        if let Some(current) = current {
            self.lock_as(&current);
            tracing::info!("locked");
        }
    }

    /// Locks with `signed_in` as the account to unlock.
    pub fn lock_as(&self, signed_in: &SignedIn) {
        let mut activity = self.lock_activity();
        activity.locked = Some(LockedAccount {
            account_id: signed_in.account.id.clone(),
            email: signed_in.account.email.clone(),
        });
        activity.failed_unlocks = 0;
        *self.lock_current() = None;
        // The database closes (and its key leaves memory) with its last handle.
        *self.lock_store() = None;
        // The background sync stops pulling and only listens from now on.
        self.wake.notify_one();
    }

    /// Records use at `now` with no lock; `persisted_at` when it was also written.
    pub fn mark_unlocked(&self, now: DateTime<Utc>, persisted_at: Option<DateTime<Utc>>) {
        let mut activity = self.lock_activity();
        activity.last = now;
        activity.locked = None;
        activity.failed_unlocks = 0;
        if persisted_at.is_some() {
            activity.persisted = persisted_at;
        }
    }

    /// Whether the app is usable now, locking first when the idle timeout has passed.
    pub fn lock_state(&self) -> LockState {
        self.check_idle();
        let activity = self.lock_activity();
        if let Some(locked) = &activity.locked {
            return LockState::Locked {
                account_id: locked.account_id.clone(),
                email: locked.email.clone(),
            };
        }
        if self.lock_current().is_some() {
            LockState::Unlocked {
                locks_at: activity.last + self.config.idle_timeout(),
            }
        } else {
            LockState::NotSignedIn
        }
    }

    /// Records that the person is using the app, which pushes the idle lock back; the
    /// time is written to the keychain at most once a minute. Does nothing while
    /// locked.
    pub async fn touch(&self) -> Result<LockState, CoreError> {
        self.check_idle();
        let now = self.now();
        let write = {
            let mut activity = self.lock_activity();
            let current = self.lock_current().as_ref().map(|s| s.account.id.clone());
            match current {
                Some(account_id) if activity.locked.is_none() => {
                    activity.last = now;
                    let due = activity
                        .persisted
                        .is_none_or(|at| now - at >= idle::ACTIVITY_WRITE_INTERVAL);
                    if due {
                        activity.persisted = Some(now);
                    }
                    due.then_some(account_id)
                }
                _ => None,
            }
        };
        if let Some(account_id) = write {
            self.vault.mark_active(&account_id, now).await?;
        }
        Ok(self.lock_state())
    }
}
