//! [`PortalClient`]: the entry point hosts call. One client per server.

use crate::config::ClientConfig;
use crate::error::CoreError;
use crate::http::Api;
use crate::invites::{InviteState, JoinState, RenewOutcome, ResetState};
use crate::links::{DeepLink, LinkError, TOKEN_LEN, parse_link};
use crate::secrets::SecretStore;
use crate::vault::Vault;
use portal_model::{
    AcceptInviteRequest, AccountSummary, ErrorCode, InviteInfo, InviteProblem, JoinInfo,
    JoinRequest, LoginRequest, NewPasswordRequest, PasswordCheck, PasswordPolicy,
    PasswordResetRequest, ProfileSummary, ProfilesAnswer, RefreshRequest, ResetInfo, Session,
    StatusAnswer,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, PoisonError};

/// Who is signed in: the account and the profiles it can act for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
}

/// The client engine for one portal server.
pub struct PortalClient {
    config: ClientConfig,
    api: Api,
    vault: Vault,
    policy: Mutex<Option<PasswordPolicy>>,
    current: Mutex<Option<SignedIn>>,
    /// Refreshes run one at a time: a refresh token works once.
    refreshing: tokio::sync::Mutex<()>,
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
}

impl PortalClient {
    /// A client for the server in `config`, keeping secrets in `secrets`.
    pub fn new(config: ClientConfig, secrets: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
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
        if let Some(current) = self.signed_in() {
            self.vault.forget(&current.account.id).await?;
            *self.lock_current() = None;
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
        let signed_in = self.vault.remember(&session).await?;
        *self.lock_current() = Some(signed_in.clone());
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
        let signed_in = self.vault.remember(&session).await?;
        *self.lock_current() = Some(signed_in.clone());
        tracing::info!("signed in");
        Ok(signed_in)
    }

    /// Picks up the session kept on this device, confirming it with the server (which
    /// rotates its tokens). Offline, the cached account is returned as [`Restored::Offline`].
    pub async fn restore(&self) -> Result<Restored, CoreError> {
        let index = self.vault.index().await?;
        let Some(current) = index
            .current
            .as_ref()
            .and_then(|id| index.accounts.iter().find(|a| &a.account.id == id))
            .cloned()
        else {
            return Ok(Restored::Nobody);
        };
        match self.refresh(&current.account.id, None).await {
            Ok(signed_in) => {
                *self.lock_current() = Some(signed_in.clone());
                Ok(Restored::SignedIn(signed_in))
            }
            Err(CoreError::Network(_)) => {
                *self.lock_current() = Some(current.clone());
                Ok(Restored::Offline(current))
            }
            Err(CoreError::Server { code, .. }) if is_session_end(code) => Ok(Restored::Ended {
                email: current.account.email,
                code,
            }),
            Err(CoreError::NotSignedIn) => Ok(Restored::Nobody),
            Err(other) => Err(other),
        }
    }

    /// Exchanges the account's refresh token for a new pair, once even when many calls
    /// race: a caller that waited finds the tokens already renewed and uses them.
    /// `seen_access` is the access token the caller found stale, if any.
    async fn refresh(
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
            Ok(session) => self.vault.remember(&session).await,
            Err(failure) => {
                let error = failure.into_error();
                if let CoreError::Server { code, .. } = &error
                    && is_session_end(*code)
                {
                    // The server ended it: the tokens are worthless, drop them.
                    self.vault.forget(account_id).await?;
                    *self.lock_current() = None;
                }
                Err(error)
            }
        }
    }

    /// Calls the API as the signed-in account, refreshing once if the access token is
    /// stale.
    async fn send_signed_in<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CoreError> {
        let account_id = self
            .signed_in()
            .map(|s| s.account.id)
            .ok_or(CoreError::NotSignedIn)?;
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
        let mut signed_in = self.signed_in().ok_or(CoreError::NotSignedIn)?;
        signed_in.profiles = answer.profiles;
        self.vault.update_profiles(&signed_in).await?;
        *self.lock_current() = Some(signed_in.clone());
        Ok(signed_in)
    }

    /// Signs out: revokes the session on the server when it can be reached, and always
    /// removes this device's tokens and cached account.
    pub async fn logout(&self) -> Result<(), CoreError> {
        let Some(current) = self.signed_in() else {
            return Ok(());
        };
        match self
            .send_signed_in::<(), ()>(Method::POST, "/v1/auth/logout", None)
            .await
        {
            Ok(()) => {}
            // Already ended on the server, or unreachable: still forget it here.
            Err(error) => tracing::info!(
                code = error.code(),
                "the server did not confirm the sign-out"
            ),
        }
        self.vault.forget(&current.account.id).await?;
        *self.lock_current() = None;
        tracing::info!("signed out");
        Ok(())
    }

    /// The signed-in account, if any.
    pub fn signed_in(&self) -> Option<SignedIn> {
        self.lock_current().clone()
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
