//! Invites, group join links and password resets: looking at a link's token, and the
//! step it leads to (a password, a registration, a renewal). The password is checked
//! against the server's policy before anything is sent.

use super::{Auth, InviteState, JoinState, RenewOutcome, ResetState, check_token_shape};
use crate::error::CoreError;
use portal_model::{
    AcceptInviteRequest, ErrorCode, InviteInfo, InviteProblem, JoinInfo, JoinRequest,
    NewPasswordRequest, PasswordCheck, PasswordPolicy, PasswordResetRequest, ResetInfo, Session,
    StatusAnswer,
};
use reqwest::Method;

impl Auth {
    /// The server's password policy, fetched once and then served from memory.
    pub async fn password_policy(&self) -> Result<PasswordPolicy, CoreError> {
        if let Some(policy) = self.ctx.lock_policy().clone() {
            return Ok(policy);
        }
        let policy: PasswordPolicy = self
            .ctx
            .api
            .send::<(), _>(Method::GET, "/v1/password-policy", None)
            .await?
            .map_err(|failure| failure.into_error())?;
        *self.ctx.lock_policy() = Some(policy.clone());
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

    /// Fails with the rules a password breaks, before it is sent anywhere.
    async fn require_strong(&self, password: &str) -> Result<(), CoreError> {
        let failed = self.check_password(password, None).await?.failed();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(CoreError::WeakPassword(failed))
        }
    }

    /// What the invite behind `token` is: valid (with what to show) or why not.
    pub async fn inspect_invite(&self, token: &str) -> Result<InviteState, CoreError> {
        check_token_shape(token)?;
        let answer = self
            .ctx
            .api
            .send::<(), InviteInfo>(Method::GET, &format!("/v1/invites/{token}"), None)
            .await?;
        match answer {
            Ok(info) => Ok(InviteState::Valid(info)),
            Err(failure) => match failure.code().and_then(InviteProblem::from_code) {
                Some(problem) => Ok(InviteState::Unusable(problem)),
                None => Err(failure.into_error()),
            },
        }
    }

    /// Sets the password from an invite, signs in, and keeps the session's tokens in the
    /// secret store. The password is checked locally first and not sent if it fails.
    pub async fn accept_invite(
        &self,
        token: &str,
        password: &str,
        device_name: &str,
    ) -> Result<crate::SignedIn, CoreError> {
        check_token_shape(token)?;
        self.require_strong(password).await?;
        // Without a keychain the session could not be kept: fail before spending the invite.
        self.ctx.vault.probe().await?;
        let request = AcceptInviteRequest {
            password: password.to_owned(),
            device_name: device_name.to_owned(),
        };
        let answer = self
            .ctx
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
        let signed_in = self.ctx.start_session(&session, password).await?;
        tracing::info!("signed in after accepting an invite");
        Ok(signed_in)
    }

    /// Asks for a new invite in place of an expired one. Changes nothing for a valid,
    /// used or replaced invite (each comes back as its own outcome).
    pub async fn renew_invite(&self, token: &str) -> Result<RenewOutcome, CoreError> {
        check_token_shape(token)?;
        let answer = self
            .ctx
            .api
            .send::<(), StatusAnswer>(Method::POST, &format!("/v1/invites/{token}/renew"), None)
            .await?;
        match answer {
            Ok(answer) if answer.status == "provider_notified" => {
                Ok(RenewOutcome::ProviderNotified)
            }
            Ok(_) => Ok(RenewOutcome::Sent),
            Err(failure) => {
                let code = failure.code();
                if code == Some(ErrorCode::InviteValid) {
                    return Ok(RenewOutcome::StillValid);
                }
                match code.and_then(InviteProblem::from_code) {
                    Some(problem) => Ok(RenewOutcome::Unusable(problem)),
                    None => Err(failure.into_error()),
                }
            }
        }
    }

    /// Asks for a way back in: the server emails a reset link, or (for an account that
    /// was never set up) a fresh invitation. The answer never says which, or whether
    /// the address is known.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), CoreError> {
        let request = PasswordResetRequest {
            email: email.trim().to_owned(),
        };
        self.ctx
            .api
            .send::<_, StatusAnswer>(Method::POST, "/v1/auth/password-reset", Some(&request))
            .await?
            .map_err(|failure| failure.into_error())?;
        Ok(())
    }

    /// What the reset link behind `token` is.
    pub async fn inspect_reset(&self, token: &str) -> Result<ResetState, CoreError> {
        check_token_shape(token)?;
        let answer = self
            .ctx
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
            Err(failure) => match failure.code() {
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
        self.require_strong(password).await?;
        let request = NewPasswordRequest {
            password: password.to_owned(),
        };
        let answer = self
            .ctx
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
        self.forget_current_session().await
    }

    /// What the group join link behind `code` offers.
    pub async fn inspect_join(&self, code: &str) -> Result<JoinState, CoreError> {
        check_token_shape(code)?;
        let answer = self
            .ctx
            .api
            .send::<(), JoinInfo>(Method::GET, &format!("/v1/join/{code}"), None)
            .await?;
        match answer {
            Ok(info) => Ok(JoinState::Valid(info)),
            Err(failure) => match failure.code() {
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
        self.ctx
            .api
            .send::<_, StatusAnswer>(Method::POST, &format!("/v1/join/{code}"), Some(details))
            .await?
            .map_err(|failure| failure.into_error())?;
        Ok(())
    }
}
