//! The idle lock, as apps use it: `client.idle_lock()`. After a stretch without use
//! (15 minutes unless configured) the account leaves memory and signed-in calls fail
//! with `CoreError::Locked` until the person gives their password again: checked offline
//! against the verifier this device keeps (keyed with the device's secret), or online
//! when there is none. Five wrong passwords in a row, counted across restarts, sign the
//! account out of the device.

use crate::error::CoreError;
use crate::session::idle::{
    LockState, LockedAccount, MAX_UNLOCK_ATTEMPTS, check_verifier, make_verifier,
};
use crate::session::{Context, SignedIn, Wipe};
use portal_model::{ErrorCode, LoginRequest, Session};
use reqwest::Method;
use std::sync::Arc;

/// Lock now, unlock, and report use: the idle lock of one client.
#[derive(Clone)]
pub struct IdleLock {
    ctx: Arc<Context>,
}

impl IdleLock {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Whether the app is usable now, locking first when the idle timeout has passed.
    pub fn state(&self) -> LockState {
        self.ctx.lock_state()
    }

    /// Records that the person is using the app (hosts call this on input, at most a few
    /// times a minute), which pushes the idle lock back. Does nothing while locked.
    pub async fn touch(&self) -> Result<LockState, CoreError> {
        self.ctx.touch().await
    }

    /// Locks now: the account and its profiles leave memory until [`IdleLock::unlock`].
    pub fn lock_now(&self) {
        let account_id = self
            .ctx
            .lock_current()
            .as_ref()
            .map(|current| current.account.id.clone());
        self.ctx.lock_now();
        // Kept on the device too, so that a restart (a crash, a kill) finds it locked
        // rather than open, however soon it comes.
        if let Some(account_id) = account_id {
            self.ctx.remember_lock_in_background(account_id);
        }
    }

    /// Unlocks with the account's password: checked offline against this device's
    /// verifier, or by the server when there is none. After [`MAX_UNLOCK_ATTEMPTS`]
    /// wrong passwords in a row the account is signed out of this device.
    pub async fn unlock(&self, password: &str) -> Result<SignedIn, CoreError> {
        let Some(locked) = self.ctx.locked_account() else {
            return self.ctx.signed_in().ok_or(CoreError::NotSignedIn);
        };
        let stored = self.ctx.vault.verifier(&locked.account_id).await?;
        let secret = self.ctx.vault.device_secret().await?;
        let verdict = match stored.clone() {
            Some(verifier) => {
                let password = password.to_owned();
                let secret = secret.clone();
                tokio::task::spawn_blocking(move || check_verifier(&verifier, &password, &secret))
                    .await
                    .map_err(|e| CoreError::Config(format!("verifier task: {e}")))??
            }
            None => None,
        };
        match verdict {
            Some(true) => {
                if stored.is_some_and(|verifier| !verifier.keyed) {
                    self.key_verifier(&locked.account_id, password, secret)
                        .await?;
                }
                self.finish_unlock(&locked).await
            }
            Some(false) => Err(self.wrong_password(&locked).await),
            None => self.unlock_online(&locked, password).await,
        }
    }

    /// Checks the password with the server by signing in afresh, for a device without a
    /// verifier. The new session replaces the old one, which is revoked.
    async fn unlock_online(
        &self,
        locked: &LockedAccount,
        password: &str,
    ) -> Result<SignedIn, CoreError> {
        let request = LoginRequest {
            email: locked.email.clone(),
            password: password.to_owned(),
            device_name: "Patient Portal (unlocked)".to_owned(),
        };
        let answer = self
            .ctx
            .api
            .send::<_, Session>(Method::POST, "/v1/auth/login", Some(&request))
            .await?;
        match answer {
            Ok(session) if session.account.id == locked.account_id => {
                self.ctx.revoke_quietly(&locked.account_id).await;
                self.ctx.start_session(&session, password).await
            }
            Ok(_) => Err(CoreError::UnknownAccount),
            Err(failure) => {
                let error = failure.into_error();
                match &error {
                    CoreError::Server {
                        code: ErrorCode::InvalidCredentials,
                        ..
                    } => Err(self.wrong_password(locked).await),
                    _ => Err(error),
                }
            }
        }
    }

    /// Replaces a verifier from before device keys by a keyed one (the password was just
    /// checked).
    async fn key_verifier(
        &self,
        account_id: &str,
        password: &str,
        secret: Vec<u8>,
    ) -> Result<(), CoreError> {
        let password = password.to_owned();
        let verifier = tokio::task::spawn_blocking(move || make_verifier(&password, &secret))
            .await
            .map_err(|e| CoreError::Config(format!("verifier task: {e}")))??;
        self.ctx.vault.set_verifier(account_id, &verifier).await
    }

    async fn finish_unlock(&self, locked: &LockedAccount) -> Result<SignedIn, CoreError> {
        let index = self.ctx.vault.index().await?;
        let entry = index
            .entry(&locked.account_id)
            .cloned()
            .ok_or(CoreError::NotSignedIn)?;
        let now = self.ctx.now();
        self.ctx
            .vault
            .set_unlock_failures(&locked.account_id, 0)
            .await?;
        self.ctx.vault.mark_active(&locked.account_id, now).await?;
        self.ctx.mark_unlocked(now, Some(now));
        self.ctx.set_current(Some(entry.signed_in.clone()));
        self.ctx.wake.notify_one();
        tracing::info!("unlocked");
        Ok(entry.signed_in)
    }

    /// Counts a wrong password at the lock screen, in memory and in the keychain (so
    /// that restarting the app does not reset it); the last allowed one signs out.
    async fn wrong_password(&self, locked: &LockedAccount) -> CoreError {
        let kept = match self.ctx.vault.unlock_failures(&locked.account_id).await {
            Ok(kept) => kept,
            Err(error) => return error,
        };
        let failed = {
            let mut activity = self.ctx.lock_activity();
            activity.failed_unlocks = activity.failed_unlocks.max(kept) + 1;
            activity.failed_unlocks
        };
        if let Err(error) = self
            .ctx
            .vault
            .set_unlock_failures(&locked.account_id, failed)
            .await
        {
            return error;
        }
        if failed < MAX_UNLOCK_ATTEMPTS {
            return CoreError::WrongPassword {
                attempts_left: MAX_UNLOCK_ATTEMPTS - failed,
            };
        }
        tracing::info!("too many wrong passwords at the lock screen: signing out");
        self.ctx.revoke_quietly(&locked.account_id).await;
        if let Err(error) = self
            .ctx
            .forget_account(&locked.account_id, Wipe::Everything)
            .await
        {
            return error;
        }
        let mut activity = self.ctx.lock_activity();
        activity.locked = None;
        activity.failed_unlocks = 0;
        CoreError::TooManyUnlockAttempts
    }
}
