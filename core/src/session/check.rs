//! Confirming a restored session with the server in the background. A cold start (or a
//! switch of account) answers from the keychain and the offline copy at once; this check
//! then asks the server, keeps asking while it cannot be reached, and ends in
//! [`SessionCheck::Confirmed`] (fresh tokens and profiles) or [`SessionCheck::Ended`]
//! (the session is over: the store closes, watches end, the app asks to sign in).
//!
//! The check asks `GET /v1/me` with the access token, which changes nothing on the
//! server and so is safe to repeat after a lost answer; only a stale access token is
//! refreshed first (once, as every call does).

use super::{Context, SessionCheck, SignedIn};
use crate::error::CoreError;
use crate::notices::{ChangeNotice, SyncStatus};
use portal_model::{ErrorCode, Me};
use reqwest::Method;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The first retry waits 1 s, doubling up to this.
const RETRY_CAP: Duration = Duration::from_secs(60);

fn retry_wait(failures: u32) -> Duration {
    let seconds = 1u64 << failures.saturating_sub(1).min(6);
    Duration::from_secs(seconds).min(RETRY_CAP)
}

impl Context {
    /// The latest word on the restored session.
    pub fn session_check(&self) -> SessionCheck {
        self.check.borrow().clone()
    }

    /// Waits until the check in progress has news (confirmed, ended, or a first failure
    /// to reach the server), and returns it.
    pub async fn session_checked(&self) -> SessionCheck {
        let mut checks = self.check.subscribe();
        let result = checks.wait_for(SessionCheck::settled).await;
        match result {
            Ok(check) => check.clone(),
            // The sender lives in this context, which is borrowed here.
            Err(_) => self.session_check(),
        }
    }

    /// Follows every check from now on.
    pub fn watch_session_check(&self) -> tokio::sync::watch::Receiver<SessionCheck> {
        self.check.subscribe()
    }

    /// Stops any check in progress: a sign-in with a password or a sign-out makes it
    /// moot.
    pub fn end_session_check(&self) {
        self.check_run.fetch_add(1, Ordering::SeqCst);
        self.check.send_replace(SessionCheck::NotNeeded);
    }

    /// Starts confirming `cached`, the account in use, with the server; an earlier check
    /// stops.
    pub fn confirm_in_background(self: &Arc<Self>, cached: &SignedIn) {
        let run = self.check_run.fetch_add(1, Ordering::SeqCst) + 1;
        let account_id = cached.account.id.clone();
        let email = cached.account.email.clone();
        self.publish_check(
            run,
            SessionCheck::Checking {
                account_id: account_id.clone(),
            },
        );
        let ctx = Arc::clone(self);
        tokio::spawn(async move { ctx.confirm(run, account_id, email).await });
    }

    /// Publishes `check` if it belongs to the latest run.
    fn publish_check(&self, run: u64, check: SessionCheck) -> bool {
        if self.check_run.load(Ordering::SeqCst) != run {
            return false;
        }
        self.check.send_replace(check.clone());
        self.notify(ChangeNotice::Session(check));
        true
    }

    async fn confirm(&self, run: u64, account_id: String, email: String) {
        let mut failures = 0u32;
        loop {
            if self.check_run.load(Ordering::SeqCst) != run {
                return;
            }
            let answer = self
                .send_for::<(), Me>(&account_id, Method::GET, "/v1/me", None)
                .await;
            match answer {
                Ok(me) => {
                    let fresh = match self.keep_profiles(me).await {
                        Ok(Some(fresh)) => fresh,
                        // Signed out of this device meanwhile: nothing left to confirm.
                        Ok(None) => {
                            self.publish_check(run, SessionCheck::NotNeeded);
                            return;
                        }
                        Err(error) => {
                            // The keychain failed: the session stands as it was kept.
                            tracing::warn!(code = error.code(), "could not keep the profiles");
                            self.publish_check(run, SessionCheck::NotNeeded);
                            return;
                        }
                    };
                    tracing::info!("session confirmed");
                    self.publish_check(run, SessionCheck::Confirmed(fresh));
                    return;
                }
                Err(CoreError::Server { code, .. }) if super::is_session_end(code) => {
                    // `send_for` ended it on this device already (unless a newer
                    // session replaced it meanwhile, which must stand).
                    tracing::info!(code = code.as_str(), "the server ended the session");
                    let ended = SessionCheck::Ended {
                        account_id: account_id.clone(),
                        email: email.clone(),
                        code,
                    };
                    if self.publish_check(run, ended) {
                        self.notify(ChangeNotice::Sync(SyncStatus::Stopped));
                    }
                    return;
                }
                Err(CoreError::NotSignedIn) => {
                    // The tokens are gone: signed out meanwhile.
                    self.publish_check(run, SessionCheck::NotNeeded);
                    return;
                }
                Err(error) => {
                    failures += 1;
                    let wait = retry_wait(failures);
                    let retry_at =
                        self.now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    tracing::info!(code = error.code(), "could not confirm the session yet");
                    let still = self.publish_check(
                        run,
                        SessionCheck::Unreachable {
                            account_id: account_id.clone(),
                            retry_at,
                        },
                    );
                    if !still {
                        return;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = self.network_back.notified() => {}
                    }
                }
            }
        }
    }

    /// Keeps the server's account and profiles for the account of `me`, and makes them
    /// the ones in use if it still is (a lock or a switch that came meanwhile stands).
    /// `None` when the account was signed out of this device meanwhile.
    async fn keep_profiles(&self, me: Me) -> Result<Option<SignedIn>, CoreError> {
        let index = self.vault.index().await?;
        let Some(entry) = index.entry(&me.account.id) else {
            return Ok(None);
        };
        let fresh = SignedIn::new(
            me.account,
            me.profiles,
            entry.signed_in.current_profile_id.as_deref(),
        );
        self.vault.update(&fresh).await?;
        let mut current = self.lock_current();
        if current
            .as_ref()
            .is_some_and(|c| c.account.id == fresh.account.id)
        {
            *current = Some(fresh.clone());
        }
        Ok(Some(fresh))
    }

    /// The server answered a call of `account_id` with the end of its session (the
    /// password was changed or reset on another device, the practice ended it, it
    /// expired): its tokens go, its offline copy stays, and the app hears it as the end
    /// of a check ([`SessionCheck::Ended`]), so that the flow shows the sign-in screen
    /// and watches end.
    pub(crate) async fn server_ended(&self, account_id: &str, code: ErrorCode, used: &str) {
        // A sign-in (or another check) from now on supersedes this word.
        let run = self.check_run.load(Ordering::SeqCst);
        let email = match self.vault.index().await {
            Ok(index) => index
                .entry(account_id)
                .map(|entry| entry.signed_in.account.email.clone()),
            Err(error) => {
                tracing::warn!(code = error.code(), "could not read the accounts");
                None
            }
        };
        // Only the session the answer was about: one replaced meanwhile (a sign-in since,
        // a refresh) stands.
        match self.vault.forget_session_of(account_id, used).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::warn!(code = error.code(), "could not forget the session");
                return;
            }
        }
        self.close_account(account_id);
        tracing::info!(code = code.as_str(), "the server ended the session");
        let Some(email) = email else {
            return;
        };
        if self
            .check_run
            .compare_exchange(run, run + 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return;
        }
        let ended = SessionCheck::Ended {
            account_id: account_id.to_owned(),
            email,
            code,
        };
        if self.publish_check(run + 1, ended) {
            self.notify(ChangeNotice::Sync(SyncStatus::Stopped));
        }
    }

    /// Closes what is open of `account_id` here: its store, and the in-use and locked
    /// marks if they are its.
    fn close_account(&self, account_id: &str) {
        let in_use = self
            .lock_current()
            .as_ref()
            .is_some_and(|c| c.account.id == account_id);
        let locked = self
            .lock_activity()
            .locked
            .as_ref()
            .is_some_and(|l| l.account_id == account_id);
        if in_use || locked {
            *self.lock_store() = None;
        }
        {
            let mut current = self.lock_current();
            if current.as_ref().is_some_and(|c| c.account.id == account_id) {
                *current = None;
            }
        }
        if locked {
            self.lock_activity().locked = None;
        }
    }
}
