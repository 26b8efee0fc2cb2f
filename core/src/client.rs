//! [`PortalClient`]: the entry point hosts call. One client per server.

use crate::clock::{Clock, SystemClock};
use crate::config::ClientConfig;
use crate::error::CoreError;
use crate::http::Api;
use crate::invites::{InviteState, JoinState, RenewOutcome, ResetState};
use crate::links::{DeepLink, LinkError, TOKEN_LEN, parse_link};
use crate::lock::{
    ACTIVITY_WRITE_INTERVAL, Activity, LockState, LockedAccount, MAX_UNLOCK_ATTEMPTS,
    check_verifier, make_verifier,
};
use crate::offline::Wipe;
use crate::secrets::SecretStore;
use crate::vault::{AccountEntry, Vault};
use chrono::{DateTime, Utc};
use portal_model::{
    AcceptInviteRequest, AccountSummary, ErrorCode, InviteInfo, InviteProblem, JoinInfo,
    JoinRequest, LoginRequest, NewPasswordRequest, PasswordCheck, PasswordPolicy,
    PasswordResetRequest, ProfileSummary, ProfilesAnswer, RefreshRequest, ResetInfo, Session,
    StatusAnswer,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, PoisonError};

/// Who is signed in: the account, the profiles it can act for (a guardian's children
/// beside their own), and the profile the app shows now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
    /// The `patient_id` of the profile in use; one of `profiles` whenever there is one.
    #[serde(default)]
    pub current_profile_id: Option<String>,
}

impl SignedIn {
    /// The account with its profiles, keeping `preferred` as the current profile when
    /// it is still one of them, and otherwise the person's own profile, else the first.
    pub fn new(
        account: AccountSummary,
        profiles: Vec<ProfileSummary>,
        preferred: Option<&str>,
    ) -> Self {
        let current_profile_id = preferred
            .filter(|id| profiles.iter().any(|p| p.patient_id == *id))
            .map(str::to_owned)
            .or_else(|| {
                profiles
                    .iter()
                    .find(|p| p.role == portal_model::InviteRole::Patient)
                    .or(profiles.first())
                    .map(|p| p.patient_id.clone())
            });
        Self {
            account,
            profiles,
            current_profile_id,
        }
    }

    /// The profile in use, if the account has any.
    pub fn current_profile(&self) -> Option<&ProfileSummary> {
        let id = self.current_profile_id.as_deref()?;
        self.profiles.iter().find(|p| p.patient_id == id)
    }
}

/// The client engine for one portal server.
pub struct PortalClient {
    pub(crate) config: ClientConfig,
    pub(crate) api: Api,
    pub(crate) vault: Vault,
    policy: Mutex<Option<PasswordPolicy>>,
    /// The account in use; `None` when nobody is signed in and while locked.
    current: Mutex<Option<SignedIn>>,
    /// Refreshes run one at a time: a refresh token works once.
    refreshing: tokio::sync::Mutex<()>,
    clock: Arc<dyn Clock>,
    /// Use, and the idle lock. Always taken before `current` when both are needed.
    activity: Mutex<Activity>,
    /// The open database of the account in use; closed on lock, switch and sign-out.
    pub(crate) store: Mutex<Option<crate::store::Store>>,
    /// Change notifications for the UI.
    pub(crate) changes: tokio::sync::broadcast::Sender<crate::changes::ChangeNotice>,
    /// Wakes the background sync (a new write, the network back).
    pub(crate) wake: tokio::sync::Notify,
}

/// What [`PortalClient::restore`] found on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// Nobody is signed in here.
    Nobody,
    /// Signed in, and the server confirmed the session.
    SignedIn(SignedIn),
    /// Signed in as far as this device knows; the server could not be reached.
    Offline(SignedIn),
    /// The session ended on the server (expired, revoked, or the password changed):
    /// sign in again. The local tokens are gone.
    Ended { email: String, code: ErrorCode },
    /// Signed in, but the app was idle longer than the idle timeout: ask for the
    /// password ([`PortalClient::unlock`]).
    Locked { email: String },
}

impl PortalClient {
    /// A client for the server in `config`, keeping secrets in `secrets`.
    pub fn new(config: ClientConfig, secrets: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
        Self::with_clock(config, secrets, Arc::new(SystemClock))
    }

    /// Like [`PortalClient::new`], reading the time from `clock`.
    pub fn with_clock(
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
            changes: tokio::sync::broadcast::channel(crate::changes::CHANNEL_CAPACITY).0,
            wake: tokio::sync::Notify::new(),
        })
    }

    /// The configuration this client was made with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Parses an invite, reset or join link for this server. Changes nothing.
    pub fn parse_link(&self, input: &str) -> Result<DeepLink, LinkError> {
        parse_link(input, &self.config)
    }

    /// The server's password policy, fetched once and then served from memory.
    pub async fn password_policy(&self) -> Result<PasswordPolicy, CoreError> {
        if let Some(policy) = self.lock_policy().clone() {
            return Ok(policy);
        }
        let policy: PasswordPolicy = self
            .api
            .send::<(), _>(Method::GET, "/v1/password-policy", None)
            .await?
            .map_err(|failure| failure.into_error())?;
        *self.lock_policy() = Some(policy.clone());
        Ok(policy)
    }

    /// Checks a password against the policy, rule by rule, for live feedback.
    pub async fn check_password(
        &self,
        password: &str,
        email: Option<&str>,
    ) -> Result<PasswordCheck, CoreError> {
        Ok(self.password_policy().await?.check(password, email))
    }

    /// What the invite behind `token` is: valid (with what to show) or why not.
    pub async fn inspect_invite(&self, token: &str) -> Result<InviteState, CoreError> {
        check_token_shape(token)?;
        let answer = self
            .api
            .send::<(), InviteInfo>(Method::GET, &format!("/v1/invites/{token}"), None)
            .await?;
        match answer {
            Ok(info) => Ok(InviteState::Valid(info)),
            Err(failure) => match invite_problem(failure.body.as_ref().map(|b| b.error.code)) {
                Some(problem) => Ok(InviteState::Unusable(problem)),
                None => Err(failure.into_error()),
            },
        }
    }

    /// Asks for a way back in: the server emails a reset link, or (for an account that
    /// was never set up) a fresh invitation. The answer never says which, or whether
    /// the address is known.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), CoreError> {
        let request = PasswordResetRequest {
            email: email.trim().to_owned(),
        };
        self.api
            .send::<_, StatusAnswer>(Method::POST, "/v1/auth/password-reset", Some(&request))
            .await?
            .map_err(|failure| failure.into_error())?;
        Ok(())
    }

    /// What the reset link behind `token` is.
    pub async fn inspect_reset(&self, token: &str) -> Result<ResetState, CoreError> {
        check_token_shape(token)?;
        let answer = self
            .api
            .send::<(), ResetInfo>(
                Method::GET,
                &format!("/v1/auth/password-reset/{token}"),
                None,
            )
            .await?;
        match answer {
            Ok(info) => Ok(ResetState::Valid {
                email_hint: info.email_hint,
            }),
            Err(failure) => match failure.body.as_ref().map(|b| b.error.code) {
                Some(ErrorCode::ResetExpired) => Ok(ResetState::Expired),
                Some(ErrorCode::ResetUsed) => Ok(ResetState::Used),
                Some(ErrorCode::ResetNotFound) => Ok(ResetState::NotFound),
                _ => Err(failure.into_error()),
            },
        }
    }

    /// Sets a new password from a reset link. Every session of the account ends on the
    /// server, this device's included: sign in again afterwards.
    pub async fn complete_password_reset(
        &self,
        token: &str,
        password: &str,
    ) -> Result<(), CoreError> {
        check_token_shape(token)?;
        let failed = self.check_password(password, None).await?.failed();
        if !failed.is_empty() {
            return Err(CoreError::WeakPassword(failed));
        }
        let request = NewPasswordRequest {
            password: password.to_owned(),
        };
        let answer = self
            .api
            .send::<_, ()>(
                Method::POST,
                &format!("/v1/auth/password-reset/{token}"),
                Some(&request),
            )
            .await?;
        if let Err(failure) = answer {
            if let Some(body) = &failure.body
                && body.error.code == ErrorCode::WeakPassword
            {
                return Err(CoreError::WeakPassword(body.error.reasons.clone()));
            }
            return Err(failure.into_error());
        }
        // The sessions on this device ended with the reset: forget them here too.
        let account_id = match (self.lock_current().clone(), self.locked_account()) {
            (Some(current), _) => Some(current.account.id),
            (None, Some(locked)) => Some(locked.account_id),
            (None, None) => None,
        };
        if let Some(account_id) = account_id {
            self.forget_account(&account_id, Wipe::SessionOnly).await?;
            *self.lock_current() = None;
            self.lock_activity().locked = None;
        }
        Ok(())
    }

    /// What the group join link behind `code` offers.
    pub async fn inspect_join(&self, code: &str) -> Result<JoinState, CoreError> {
        check_token_shape(code)?;
        let answer = self
            .api
            .send::<(), JoinInfo>(Method::GET, &format!("/v1/join/{code}"), None)
            .await?;
        match answer {
            Ok(info) => Ok(JoinState::Valid(info)),
            Err(failure) => match failure.body.as_ref().map(|b| b.error.code) {
                Some(ErrorCode::JoinLinkExpired) => Ok(JoinState::Expired),
                Some(ErrorCode::JoinLinkNotFound) => Ok(JoinState::NotFound),
                _ => Err(failure.into_error()),
            },
        }
    }

    /// Registers through a group join link. The practice emails an invite (or, for an
    /// address that already has an account, a note to sign in): the person continues
    /// from that email. The answer is the same either way.
    pub async fn join(&self, code: &str, details: &JoinRequest) -> Result<(), CoreError> {
        check_token_shape(code)?;
        self.api
            .send::<_, StatusAnswer>(Method::POST, &format!("/v1/join/{code}"), Some(details))
            .await?
            .map_err(|failure| failure.into_error())?;
        Ok(())
    }

    /// Asks for a new invite in place of an expired one. Changes nothing for a valid,
    /// used or replaced invite (each comes back as its own outcome).
    pub async fn renew_invite(&self, token: &str) -> Result<RenewOutcome, CoreError> {
        check_token_shape(token)?;
        let answer = self
            .api
            .send::<(), StatusAnswer>(Method::POST, &format!("/v1/invites/{token}/renew"), None)
            .await?;
        match answer {
            Ok(answer) if answer.status == "provider_notified" => {
                Ok(RenewOutcome::ProviderNotified)
            }
            Ok(_) => Ok(RenewOutcome::Sent),
            Err(failure) => {
                let code = failure.body.as_ref().map(|b| b.error.code);
                if code == Some(ErrorCode::InviteValid) {
                    return Ok(RenewOutcome::StillValid);
                }
                match invite_problem(code) {
                    Some(problem) => Ok(RenewOutcome::Unusable(problem)),
                    None => Err(failure.into_error()),
                }
            }
        }
    }

    /// Sets the password from an invite, signs in, and keeps the session's tokens in the
    /// secret store. The password is checked locally first and not sent if it fails.
    pub async fn accept_invite(
        &self,
        token: &str,
        password: &str,
        device_name: &str,
    ) -> Result<SignedIn, CoreError> {
        check_token_shape(token)?;
        let failed = self.check_password(password, None).await?.failed();
        if !failed.is_empty() {
            return Err(CoreError::WeakPassword(failed));
        }
        // Without a keychain the session could not be kept: fail before spending the invite.
        self.vault.probe().await?;
        let request = AcceptInviteRequest {
            password: password.to_owned(),
            device_name: device_name.to_owned(),
        };
        let answer = self
            .api
            .send::<_, Session>(
                Method::POST,
                &format!("/v1/invites/{token}/accept"),
                Some(&request),
            )
            .await?;
        let session = match answer {
            Ok(session) => session,
            Err(failure) => {
                if let Some(body) = &failure.body
                    && body.error.code == ErrorCode::WeakPassword
                {
                    return Err(CoreError::WeakPassword(body.error.reasons.clone()));
                }
                return Err(failure.into_error());
            }
        };
        let signed_in = self.start_session(&session, password).await?;
        tracing::info!("signed in after accepting an invite");
        Ok(signed_in)
    }

    /// Signs in with email and password; the session's tokens go to the secret store.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_name: &str,
    ) -> Result<SignedIn, CoreError> {
        self.vault.probe().await?;
        let request = LoginRequest {
            email: email.trim().to_owned(),
            password: password.to_owned(),
            device_name: device_name.to_owned(),
        };
        let session = self
            .api
            .send::<_, Session>(Method::POST, "/v1/auth/login", Some(&request))
            .await?
            .map_err(|failure| failure.into_error())?;
        let signed_in = self.start_session(&session, password).await?;
        tracing::info!("signed in");
        Ok(signed_in)
    }

    /// Picks up the session kept on this device, confirming it with the server (which
    /// rotates its tokens). Offline, the cached account is returned as
    /// [`Restored::Offline`]. When the app was last used longer ago than the idle
    /// timeout, it starts [`Restored::Locked`] without asking the server.
    pub async fn restore(&self) -> Result<Restored, CoreError> {
        let index = self.vault.index().await?;
        let Some(entry) = index.current_entry().cloned() else {
            return Ok(Restored::Nobody);
        };
        if self.locked_account().is_some() {
            // Locked in this run: stay locked, whichever account is current.
            self.lock_as(&entry.signed_in);
            return Ok(Restored::Locked {
                email: entry.signed_in.account.email,
            });
        }
        let now = self.now();
        let idle = entry
            .last_active
            .is_some_and(|at| now - at >= self.config.idle_timeout());
        if idle {
            let email = entry.signed_in.account.email.clone();
            self.lock_as(&entry.signed_in);
            return Ok(Restored::Locked { email });
        }
        self.resume(entry).await
    }

    /// Confirms `entry`'s session with the server and makes it the one in use.
    async fn resume(&self, entry: AccountEntry) -> Result<Restored, CoreError> {
        let cached = entry.signed_in;
        *self.lock_store() = None;
        self.mark_unlocked(self.now(), None);
        match self.refresh(&cached.account.id, None).await {
            Ok(signed_in) => {
                *self.lock_current() = Some(signed_in.clone());
                Ok(Restored::SignedIn(signed_in))
            }
            Err(CoreError::Network(_)) => {
                *self.lock_current() = Some(cached.clone());
                Ok(Restored::Offline(cached))
            }
            Err(CoreError::Server { code, .. }) if is_session_end(code) => Ok(Restored::Ended {
                email: cached.account.email,
                code,
            }),
            Err(CoreError::NotSignedIn) => Ok(Restored::Nobody),
            Err(other) => Err(other),
        }
    }

    /// Keeps a new session (from a password the person just typed): tokens, the
    /// offline verifier for the lock screen, and the account as the one in use.
    async fn start_session(
        &self,
        session: &Session,
        password: &str,
    ) -> Result<SignedIn, CoreError> {
        let now = self.now();
        *self.lock_store() = None;
        let signed_in = self.vault.remember(session, Some(now)).await?;
        let password = password.to_owned();
        let verifier = tokio::task::spawn_blocking(move || make_verifier(&password))
            .await
            .map_err(|e| CoreError::Config(format!("verifier task: {e}")))??;
        self.vault
            .set_verifier(&signed_in.account.id, &verifier)
            .await?;
        self.mark_unlocked(now, Some(now));
        *self.lock_current() = Some(signed_in.clone());
        Ok(signed_in)
    }

    /// Exchanges the account's refresh token for a new pair, once even when many calls
    /// race: a caller that waited finds the tokens already renewed and uses them.
    /// `seen_access` is the access token the caller found stale, if any.
    pub(crate) async fn refresh(
        &self,
        account_id: &str,
        seen_access: Option<&str>,
    ) -> Result<SignedIn, CoreError> {
        let _turn = self.refreshing.lock().await;
        let tokens = self
            .vault
            .tokens(account_id)
            .await?
            .ok_or(CoreError::NotSignedIn)?;
        if let Some(seen) = seen_access
            && seen != tokens.access_token
        {
            // Someone else refreshed while this call waited.
            return self.signed_in().ok_or(CoreError::NotSignedIn);
        }
        let request = RefreshRequest {
            refresh_token: tokens.refresh_token,
        };
        let answer = self
            .api
            .send::<_, Session>(Method::POST, "/v1/auth/refresh", Some(&request))
            .await?;
        match answer {
            Ok(session) => self.vault.remember(&session, None).await,
            Err(failure) => {
                let error = failure.into_error();
                if let CoreError::Server { code, .. } = &error
                    && is_session_end(*code)
                {
                    // The server ended it: the tokens are worthless, drop them.
                    self.forget_account(account_id, Wipe::SessionOnly).await?;
                    *self.lock_current() = None;
                }
                Err(error)
            }
        }
    }

    /// Calls the API as the signed-in account, refreshing once if the access token is
    /// stale.
    pub(crate) async fn send_signed_in<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CoreError> {
        let account_id = self.require_unlocked()?.account.id;
        let tokens = self
            .vault
            .tokens(&account_id)
            .await?
            .ok_or(CoreError::NotSignedIn)?;
        let first = self
            .api
            .send_as::<B, T>(method.clone(), path, body, Some(&tokens.access_token))
            .await?;
        match first {
            Ok(value) => Ok(value),
            Err(failure)
                if failure.body.as_ref().map(|b| b.error.code)
                    == Some(ErrorCode::SessionExpired) =>
            {
                self.refresh(&account_id, Some(&tokens.access_token))
                    .await?;
                let fresh = self
                    .vault
                    .tokens(&account_id)
                    .await?
                    .ok_or(CoreError::NotSignedIn)?;
                self.api
                    .send_as::<B, T>(method, path, body, Some(&fresh.access_token))
                    .await?
                    .map_err(|failure| failure.into_error())
            }
            Err(failure) => Err(failure.into_error()),
        }
    }

    /// Adds the invite's patient to the signed-in account (a guardian's second child,
    /// say). The invite must have been sent to the account's email.
    pub async fn claim_invite(&self, token: &str) -> Result<SignedIn, CoreError> {
        check_token_shape(token)?;
        let answer: ProfilesAnswer = self
            .send_signed_in::<(), _>(Method::POST, &format!("/v1/invites/{token}/claim"), None)
            .await?;
        let before = self.require_unlocked()?;
        let signed_in = SignedIn::new(
            before.account,
            answer.profiles,
            before.current_profile_id.as_deref(),
        );
        self.vault.update(&signed_in).await?;
        *self.lock_current() = Some(signed_in.clone());
        Ok(signed_in)
    }

    /// Signs out of the account in use (or the locked one): revokes the session on the
    /// server when it can be reached, and always removes this device's tokens, verifier
    /// and cached account. Other accounts on the device stay signed in; call
    /// [`PortalClient::restore`] to continue with the next one (locked, when this sign-out
    /// happened at the lock screen).
    pub async fn logout(&self) -> Result<(), CoreError> {
        let account_id = match (self.lock_current().clone(), self.locked_account()) {
            (Some(current), _) => current.account.id,
            (None, Some(locked)) => locked.account_id,
            (None, None) => return Ok(()),
        };
        let was_locked = self.locked_account().is_some();
        self.revoke_quietly(&account_id).await;
        self.forget_account(&account_id, Wipe::Everything).await?;
        *self.lock_current() = None;
        self.lock_activity().locked = None;
        if was_locked {
            // Signing out at the lock screen must not open the next account on this
            // device to whoever is in front of it: that one starts locked too.
            if let Some(next) = self.vault.index().await?.current_entry() {
                self.lock_as(&next.signed_in);
            }
        }
        tracing::info!("signed out");
        Ok(())
    }

    /// Asks the server to end the account's session with its current access token, and
    /// carries on whatever the answer (already ended, or unreachable).
    async fn revoke_quietly(&self, account_id: &str) {
        let Ok(Some(tokens)) = self.vault.tokens(account_id).await else {
            return;
        };
        match self
            .api
            .send_as::<(), ()>(
                Method::POST,
                "/v1/auth/logout",
                None,
                Some(&tokens.access_token),
            )
            .await
        {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => tracing::info!(
                code = failure.into_error().code(),
                "the server did not confirm the sign-out"
            ),
            Err(error) => tracing::info!(
                code = error.code(),
                "the server could not be reached to sign out"
            ),
        }
    }

    /// The signed-in account, if any and unlocked. Locks first when the idle timeout
    /// has passed.
    pub fn signed_in(&self) -> Option<SignedIn> {
        self.check_idle();
        self.lock_current().clone()
    }

    /// Every account signed in on this device, in the order they signed in.
    pub async fn accounts(&self) -> Result<Vec<SignedIn>, CoreError> {
        self.refuse_if_locked()?;
        let index = self.vault.index().await?;
        Ok(index
            .accounts
            .into_iter()
            .map(|entry| entry.signed_in)
            .collect())
    }

    /// Switches to another account signed in on this device and confirms its session
    /// with the server, as [`PortalClient::restore`] does at start-up.
    pub async fn switch_account(&self, account_id: &str) -> Result<Restored, CoreError> {
        self.refuse_if_locked()?;
        if !self.vault.make_current(account_id).await? {
            return Err(CoreError::UnknownAccount);
        }
        let index = self.vault.index().await?;
        let entry = index
            .entry(account_id)
            .cloned()
            .ok_or(CoreError::UnknownAccount)?;
        self.touch().await?;
        self.resume(entry).await
    }

    /// Makes `patient_id` (one of the account's profiles, such as a guardian's child)
    /// the profile in use; the choice is kept on this device.
    pub async fn select_profile(&self, patient_id: &str) -> Result<SignedIn, CoreError> {
        let mut signed_in = self.require_unlocked()?;
        if !signed_in
            .profiles
            .iter()
            .any(|p| p.patient_id == patient_id)
        {
            return Err(CoreError::UnknownProfile);
        }
        signed_in.current_profile_id = Some(patient_id.to_owned());
        self.vault.update(&signed_in).await?;
        *self.lock_current() = Some(signed_in.clone());
        Ok(signed_in)
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

    /// Records that the person is using the app (hosts call this on input, at most a few
    /// times a minute), which pushes the idle lock back. Does nothing while locked.
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
                        .is_none_or(|at| now - at >= ACTIVITY_WRITE_INTERVAL);
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

    /// Locks now: the account and its profiles leave memory until
    /// [`PortalClient::unlock`].
    pub fn lock(&self) {
        let current = self.lock_current().clone();
        if let Some(current) = current {
            self.lock_as(&current);
            tracing::info!("locked");
        }
    }

    /// Unlocks with the account's password: checked offline against this device's
    /// verifier, or by the server when there is none. After
    /// [`crate::lock::MAX_UNLOCK_ATTEMPTS`] wrong passwords in a row the account is
    /// signed out of this device.
    pub async fn unlock(&self, password: &str) -> Result<SignedIn, CoreError> {
        let Some(locked) = self.locked_account() else {
            return self.signed_in().ok_or(CoreError::NotSignedIn);
        };
        let verdict = match self.vault.verifier(&locked.account_id).await? {
            Some(verifier) => {
                let password = password.to_owned();
                tokio::task::spawn_blocking(move || check_verifier(&verifier, &password))
                    .await
                    .map_err(|e| CoreError::Config(format!("verifier task: {e}")))??
            }
            None => None,
        };
        match verdict {
            Some(true) => self.finish_unlock(&locked).await,
            Some(false) => Err(self.wrong_unlock_password(&locked).await),
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
            .api
            .send::<_, Session>(Method::POST, "/v1/auth/login", Some(&request))
            .await?;
        match answer {
            Ok(session) if session.account.id == locked.account_id => {
                self.revoke_quietly(&locked.account_id).await;
                self.start_session(&session, password).await
            }
            Ok(_) => Err(CoreError::UnknownAccount),
            Err(failure) => {
                let error = failure.into_error();
                match &error {
                    CoreError::Server {
                        code: ErrorCode::InvalidCredentials,
                        ..
                    } => Err(self.wrong_unlock_password(locked).await),
                    _ => Err(error),
                }
            }
        }
    }

    async fn finish_unlock(&self, locked: &LockedAccount) -> Result<SignedIn, CoreError> {
        let index = self.vault.index().await?;
        let entry = index
            .entry(&locked.account_id)
            .cloned()
            .ok_or(CoreError::NotSignedIn)?;
        let now = self.now();
        self.vault.mark_active(&locked.account_id, now).await?;
        self.mark_unlocked(now, Some(now));
        *self.lock_current() = Some(entry.signed_in.clone());
        self.wake.notify_one();
        tracing::info!("unlocked");
        Ok(entry.signed_in)
    }

    /// Counts a wrong password at the lock screen; the last allowed one signs out.
    async fn wrong_unlock_password(&self, locked: &LockedAccount) -> CoreError {
        let failed = {
            let mut activity = self.lock_activity();
            activity.failed_unlocks += 1;
            activity.failed_unlocks
        };
        if failed < MAX_UNLOCK_ATTEMPTS {
            return CoreError::WrongPassword {
                attempts_left: MAX_UNLOCK_ATTEMPTS - failed,
            };
        }
        tracing::info!("too many wrong passwords at the lock screen: signing out");
        self.revoke_quietly(&locked.account_id).await;
        if let Err(error) = self
            .forget_account(&locked.account_id, Wipe::Everything)
            .await
        {
            return error;
        }
        let mut activity = self.lock_activity();
        activity.locked = None;
        activity.failed_unlocks = 0;
        CoreError::TooManyUnlockAttempts
    }

    /// The secret-store key under which an account's session tokens are kept.
    pub fn session_key(&self, account_id: &str) -> String {
        self.vault.session_key(account_id)
    }

    /// True when the secret store holds session tokens for `account_id`.
    pub async fn has_stored_session(&self, account_id: &str) -> Result<bool, CoreError> {
        Ok(self.vault.tokens(account_id).await?.is_some())
    }

    fn lock_policy(&self) -> std::sync::MutexGuard<'_, Option<PasswordPolicy>> {
        self.policy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_current(&self) -> std::sync::MutexGuard<'_, Option<SignedIn>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_activity(&self) -> std::sync::MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Locks when the app has been idle for the timeout.
    fn check_idle(&self) {
        let now = self.now();
        let idle = {
            let activity = self.lock_activity();
            activity.locked.is_none() && activity.is_idle(now, self.config.idle_timeout())
        };
        if idle {
            self.lock();
        }
    }

    /// Locks with `signed_in` as the account to unlock.
    fn lock_as(&self, signed_in: &SignedIn) {
        let mut activity = self.lock_activity();
        activity.locked = Some(LockedAccount {
            account_id: signed_in.account.id.clone(),
            email: signed_in.account.email.clone(),
        });
        activity.failed_unlocks = 0;
        *self.lock_current() = None;
        // The database closes (and its key leaves memory) with its last handle.
        *self.lock_store() = None;
    }

    /// Tells subscribers (if any) about a change.
    pub(crate) fn notify(&self, notice: crate::changes::ChangeNotice) {
        // No subscriber is not an error.
        let _ = self.changes.send(notice);
    }

    /// Change notifications from now on: records by kind and id, outbox states, and
    /// the sync status. A receiver that falls behind gets `Lagged`: reload everything.
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<crate::changes::ChangeNotice> {
        self.changes.subscribe()
    }

    pub(crate) fn lock_store(&self) -> std::sync::MutexGuard<'_, Option<crate::store::Store>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records use at `now` with no lock; `persisted_at` when it was also written.
    fn mark_unlocked(&self, now: DateTime<Utc>, persisted_at: Option<DateTime<Utc>>) {
        let mut activity = self.lock_activity();
        activity.last = now;
        activity.locked = None;
        activity.failed_unlocks = 0;
        if persisted_at.is_some() {
            activity.persisted = persisted_at;
        }
    }

    fn locked_account(&self) -> Option<LockedAccount> {
        self.check_idle();
        self.lock_activity().locked.clone()
    }

    fn refuse_if_locked(&self) -> Result<(), CoreError> {
        if self.locked_account().is_some() {
            Err(CoreError::Locked)
        } else {
            Ok(())
        }
    }

    /// The account in use, or why there is none.
    pub(crate) fn require_unlocked(&self) -> Result<SignedIn, CoreError> {
        self.refuse_if_locked()?;
        self.lock_current().clone().ok_or(CoreError::NotSignedIn)
    }
}

/// The codes by which the server says a session is over for good.
fn is_session_end(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::SessionExpired | ErrorCode::SessionRevoked | ErrorCode::Unauthorized
    )
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

fn invite_problem(code: Option<ErrorCode>) -> Option<InviteProblem> {
    match code? {
        ErrorCode::InviteExpired => Some(InviteProblem::Expired),
        ErrorCode::InviteUsed => Some(InviteProblem::Used),
        ErrorCode::InviteRevoked => Some(InviteProblem::Revoked),
        ErrorCode::InviteNotFound => Some(InviteProblem::NotFound),
        _ => None,
    }
}
