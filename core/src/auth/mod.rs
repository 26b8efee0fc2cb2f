//! Getting in and staying in, as apps use it: `client.auth()`. Invites, group join
//! links and password resets (`invites`), signing in and out, the session kept on this
//! device (`restore`), several accounts on one device, and a guardian's profiles.

mod invites;
mod password;
mod states;

pub use states::{InviteState, JoinState, RenewOutcome, ResetState};

use crate::error::CoreError;
use crate::links::{LinkError, TOKEN_LEN};
use crate::session::vault::AccountEntry;
use crate::session::{Context, SessionCheck, SignedIn, Wipe};
use portal_model::{LoginRequest, ProfilesAnswer, Session};
use reqwest::Method;
use std::sync::Arc;

/// What [`Auth::restore`] found on this device, at once and without the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// Nobody is signed in here.
    Nobody,
    /// Signed in as this device remembers it: the account is in use and its offline
    /// copy can be read now. The server confirms the session in the background
    /// ([`Auth::session_check`]; a [`crate::ChangeNotice::Session`] tells the outcome).
    Cached(SignedIn),
    /// Signed in, but the app was idle longer than the idle timeout: ask for the
    /// password (`client.idle_lock().unlock`).
    Locked { email: String },
}

/// Sessions, accounts and profiles, invites, join links and resets of one client.
#[derive(Clone)]
pub struct Auth {
    ctx: Arc<Context>,
}

impl Auth {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Signs in with email and password; the session's tokens go to the secret store.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_name: &str,
    ) -> Result<SignedIn, CoreError> {
        self.ctx.vault.probe().await?;
        let request = LoginRequest {
            email: email.trim().to_owned(),
            password: password.to_owned(),
            device_name: device_name.to_owned(),
        };
        let session = self
            .ctx
            .api
            .send::<_, Session>(Method::POST, "/v1/auth/login", Some(&request))
            .await?
            .map_err(|failure| failure.into_error())?;
        let signed_in = self.ctx.start_session(&session, password).await?;
        tracing::info!("signed in");
        // The server answers: sign-outs made offline can reach it too.
        self.ctx.end_pending_signouts_in_background();
        Ok(signed_in)
    }

    /// Picks up the session kept on this device at once, from the keychain alone: the
    /// account is in use and its offline copy readable before any network answer
    /// ([`Restored::Cached`]). The server confirms the session in the background (which
    /// rotates its tokens): see [`Auth::session_check`]. When the app was last used
    /// longer ago than the idle timeout, it starts [`Restored::Locked`].
    pub async fn restore(&self) -> Result<Restored, CoreError> {
        // Sign-outs made offline in an earlier run end their server sessions, in the
        // background (nothing here waits for the network).
        self.ctx.end_pending_signouts_in_background();
        let index = self.ctx.vault.index().await?;
        let Some(entry) = index.current_entry().cloned() else {
            return Ok(Restored::Nobody);
        };
        if self.ctx.locked_account().is_some() {
            // Locked in this run: stay locked, whichever account is current.
            self.ctx.lock_as(&entry.signed_in);
            return Ok(Restored::Locked {
                email: entry.signed_in.account.email,
            });
        }
        let now = self.ctx.now();
        let idle = entry
            .last_active
            .is_some_and(|at| now - at >= self.ctx.config.idle_timeout());
        if idle {
            let email = entry.signed_in.account.email.clone();
            self.ctx.lock_as(&entry.signed_in);
            return Ok(Restored::Locked { email });
        }
        self.resume(entry).await
    }

    /// Makes `entry`'s account the one in use from what this device keeps, and starts
    /// confirming its session with the server.
    async fn resume(&self, entry: AccountEntry) -> Result<Restored, CoreError> {
        let cached = entry.signed_in;
        if !self.has_stored_session(&cached.account.id).await? {
            // The index outlived the tokens (a keychain emptied by hand): nothing to
            // resume.
            self.ctx.end_session_check();
            return Ok(Restored::Nobody);
        }
        *self.ctx.lock_store() = None;
        self.ctx.mark_unlocked(self.ctx.now(), None);
        self.ctx.set_current(Some(cached.clone()));
        self.ctx.confirm_in_background(&cached);
        Ok(Restored::Cached(cached))
    }

    /// The latest word on the session restored at start-up (or by a switch of account):
    /// checking, unreachable for now, confirmed, or ended.
    pub fn session_check(&self) -> SessionCheck {
        self.ctx.session_check()
    }

    /// Waits for news of the check in progress (confirmed, ended, or a first failure to
    /// reach the server) and returns it; at once when there is nothing to check.
    pub async fn session_checked(&self) -> SessionCheck {
        self.ctx.session_checked().await
    }

    /// Every word on the restored session from now on (the newest wins).
    pub fn watch_session_check(&self) -> tokio::sync::watch::Receiver<SessionCheck> {
        self.ctx.watch_session_check()
    }

    /// Adds the invite's patient to the signed-in account (a guardian's second child,
    /// say). The invite must have been sent to the account's email.
    pub async fn claim_invite(&self, token: &str) -> Result<SignedIn, CoreError> {
        check_token_shape(token)?;
        let answer: ProfilesAnswer = self
            .ctx
            .send_signed_in::<(), _>(Method::POST, &format!("/v1/invites/{token}/claim"), None)
            .await?;
        let before = self.ctx.require_unlocked()?;
        let signed_in = SignedIn::new(
            before.account,
            answer.profiles,
            before.current_profile_id.as_deref(),
        );
        self.ctx.vault.update(&signed_in).await?;
        self.ctx.set_current(Some(signed_in.clone()));
        Ok(signed_in)
    }

    /// Signs out of the account in use (or the locked one): revokes the session on the
    /// server when it can be reached, and always removes this device's tokens, verifier
    /// and cached account. Other accounts on the device stay signed in; call
    /// [`Auth::restore`] to continue with the next one (locked, when this sign-out
    /// happened at the lock screen).
    pub async fn logout(&self) -> Result<(), CoreError> {
        let account_id = match (self.ctx.lock_current().clone(), self.ctx.locked_account()) {
            (Some(current), _) => current.account.id,
            (None, Some(locked)) => locked.account_id,
            (None, None) => return Ok(()),
        };
        let was_locked = self.ctx.locked_account().is_some();
        self.ctx.end_session_check();
        self.ctx.stop_background_sync();
        self.ctx.revoke_quietly(&account_id).await;
        self.ctx
            .forget_account(&account_id, Wipe::Everything)
            .await?;
        self.ctx.set_current(None);
        self.ctx.lock_activity().locked = None;
        if was_locked {
            // Signing out at the lock screen must not open the next account on this
            // device to whoever is in front of it: that one starts locked too.
            if let Some(next) = self.ctx.vault.index().await?.current_entry() {
                self.ctx.lock_as(&next.signed_in);
            }
        }
        tracing::info!("signed out");
        Ok(())
    }

    /// How many sign-outs made on this device while the server could not be reached
    /// still wait to end their sessions there (they are sent at start-up, at sign-in and
    /// when the network comes back).
    pub async fn pending_signouts(&self) -> Result<usize, CoreError> {
        Ok(self.ctx.vault.pending_signouts().await?.len())
    }

    /// The signed-in account, if any and unlocked. Locks first when the idle timeout
    /// has passed.
    pub fn signed_in(&self) -> Option<SignedIn> {
        self.ctx.signed_in()
    }

    /// Every account signed in on this device, in the order they signed in.
    pub async fn accounts(&self) -> Result<Vec<SignedIn>, CoreError> {
        self.ctx.refuse_if_locked()?;
        let index = self.ctx.vault.index().await?;
        Ok(index
            .accounts
            .into_iter()
            .map(|entry| entry.signed_in)
            .collect())
    }

    /// Switches to another account signed in on this device and confirms its session
    /// with the server, as [`Auth::restore`] does at start-up.
    pub async fn switch_account(&self, account_id: &str) -> Result<Restored, CoreError> {
        self.ctx.refuse_if_locked()?;
        if !self.ctx.vault.make_current(account_id).await? {
            return Err(CoreError::UnknownAccount);
        }
        let index = self.ctx.vault.index().await?;
        let entry = index
            .entry(account_id)
            .cloned()
            .ok_or(CoreError::UnknownAccount)?;
        self.ctx.touch().await?;
        self.resume(entry).await
    }

    /// Makes `patient_id` (one of the account's profiles, such as a guardian's child)
    /// the profile in use; the choice is kept on this device.
    pub async fn select_profile(&self, patient_id: &str) -> Result<SignedIn, CoreError> {
        let mut signed_in = self.ctx.require_unlocked()?;
        if !signed_in.acts_for(patient_id) {
            return Err(CoreError::UnknownProfile);
        }
        signed_in.current_profile_id = Some(patient_id.to_owned());
        self.ctx.vault.update(&signed_in).await?;
        self.ctx.set_current(Some(signed_in.clone()));
        Ok(signed_in)
    }

    /// The secret-store key under which an account's session tokens are kept.
    pub fn session_key(&self, account_id: &str) -> String {
        self.ctx.vault.session_key(account_id)
    }

    /// True when the secret store holds session tokens for `account_id`.
    pub async fn has_stored_session(&self, account_id: &str) -> Result<bool, CoreError> {
        Ok(self.ctx.vault.tokens(account_id).await?.is_some())
    }

    /// Forgets the session of the account in use or the locked one on this device (the
    /// server ended it), keeping its offline copy for the next sign-in.
    async fn forget_current_session(&self) -> Result<(), CoreError> {
        let account_id = match (self.ctx.lock_current().clone(), self.ctx.locked_account()) {
            (Some(current), _) => Some(current.account.id),
            (None, Some(locked)) => Some(locked.account_id),
            (None, None) => None,
        };
        if let Some(account_id) = account_id {
            self.ctx
                .forget_account(&account_id, Wipe::SessionOnly)
                .await?;
            self.ctx.set_current(None);
            self.ctx.lock_activity().locked = None;
        }
        Ok(())
    }
}

/// Tokens go into URL paths: refuse anything that is not exactly a token.
fn check_token_shape(token: &str) -> Result<(), CoreError> {
    let ok = token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidLink(LinkError::BadToken))
    }
}
