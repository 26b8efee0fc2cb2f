//! [`PortalClient`]: the entry point hosts call. One client per server.

use crate::config::ClientConfig;
use crate::error::CoreError;
use crate::http::Api;
use crate::invites::{InviteState, RenewOutcome};
use crate::links::{DeepLink, LinkError, TOKEN_LEN, parse_link};
use crate::secrets::SecretStore;
use chrono::{DateTime, Utc};
use portal_model::{
    AcceptInviteRequest, AccountSummary, ErrorCode, InviteInfo, InviteProblem, PasswordCheck,
    PasswordPolicy, ProfileSummary, Session, StatusAnswer,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Who is signed in: the account and the profiles it can act for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
}

/// The tokens of a session, as kept in the keychain.
#[derive(Clone, Serialize, Deserialize)]
struct StoredTokens {
    access_token: String,
    access_expires_at: DateTime<Utc>,
    refresh_token: String,
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredTokens(<redacted>)")
    }
}

/// The client engine for one portal server.
pub struct PortalClient {
    config: ClientConfig,
    api: Api,
    secrets: Arc<dyn SecretStore>,
    policy: Mutex<Option<PasswordPolicy>>,
    current: Mutex<Option<SignedIn>>,
}

impl PortalClient {
    /// A client for the server in `config`, keeping secrets in `secrets`.
    pub fn new(config: ClientConfig, secrets: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
        Ok(Self {
            api: Api::new(&config)?,
            config,
            secrets,
            policy: Mutex::new(None),
            current: Mutex::new(None),
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
        self.probe_secrets().await?;
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
        self.store_session(&session).await?;
        let signed_in = SignedIn {
            account: session.account,
            profiles: session.profiles,
        };
        *self.lock_current() = Some(signed_in.clone());
        tracing::info!("signed in after accepting an invite");
        Ok(signed_in)
    }

    /// The signed-in account, if any.
    pub fn signed_in(&self) -> Option<SignedIn> {
        self.lock_current().clone()
    }

    /// The secret-store key under which an account's session tokens are kept.
    pub fn session_key(&self, account_id: &str) -> String {
        let url = self.config.server_url();
        format!(
            "session:{}:{}:{account_id}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        )
    }

    /// True when the secret store holds session tokens for `account_id`.
    pub async fn has_stored_session(&self, account_id: &str) -> Result<bool, CoreError> {
        let key = self.session_key(account_id);
        let secrets = Arc::clone(&self.secrets);
        let stored = tokio::task::spawn_blocking(move || secrets.get(&key))
            .await
            .map_err(|e| CoreError::Config(format!("keychain task: {e}")))??;
        Ok(stored
            .as_deref()
            .is_some_and(|json| serde_json::from_str::<StoredTokens>(json).is_ok()))
    }

    /// Proves the store can keep a secret now: a locked keychain may still answer reads.
    async fn probe_secrets(&self) -> Result<(), CoreError> {
        let secrets = Arc::clone(&self.secrets);
        let key = self.session_key("probe");
        tokio::task::spawn_blocking(move || {
            secrets.set(&key, "probe")?;
            secrets.delete(&key)
        })
        .await
        .map_err(|e| CoreError::Config(format!("keychain task: {e}")))??;
        Ok(())
    }

    async fn store_session(&self, session: &Session) -> Result<(), CoreError> {
        let tokens = StoredTokens {
            access_token: session.access_token.clone(),
            access_expires_at: session.access_expires_at,
            refresh_token: session.refresh_token.clone(),
        };
        let json = serde_json::to_string(&tokens)
            .map_err(|e| CoreError::Config(format!("encoding tokens: {e}")))?;
        let key = self.session_key(&session.account.id);
        let secrets = Arc::clone(&self.secrets);
        tokio::task::spawn_blocking(move || secrets.set(&key, &json))
            .await
            .map_err(|e| CoreError::Config(format!("keychain task: {e}")))??;
        Ok(())
    }

    fn lock_policy(&self) -> std::sync::MutexGuard<'_, Option<PasswordPolicy>> {
        self.policy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_current(&self) -> std::sync::MutexGuard<'_, Option<SignedIn>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
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

fn invite_problem(code: Option<ErrorCode>) -> Option<InviteProblem> {
    match code? {
        ErrorCode::InviteExpired => Some(InviteProblem::Expired),
        ErrorCode::InviteUsed => Some(InviteProblem::Used),
        ErrorCode::InviteRevoked => Some(InviteProblem::Revoked),
        ErrorCode::InviteNotFound => Some(InviteProblem::NotFound),
        _ => None,
    }
}
