//! Changing the password while signed in: checked against the policy here first, then
//! on the server, which wants the current password, ends every other session of the
//! account and emails the account holder. This device stays signed in, and its lock
//! screen opens with the new password from then on.

use super::Auth;
use crate::error::CoreError;
use portal_model::ChangePasswordRequest;
use reqwest::Method;

impl Auth {
    /// Changes the password of the account in use. Fails with
    /// [`CoreError::WeakPassword`] before anything is sent when `new` breaks the policy,
    /// and with the server's `wrong_password` when `current` is not the password (wrong
    /// guesses wait as wrong sign-ins do: `rate_limited`). Needs the server: offline it
    /// fails with [`CoreError::Network`] and nothing changes.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), CoreError> {
        let signed_in = self.ctx.require_unlocked()?;
        let failed = self
            .check_password(new, Some(&signed_in.account.email))
            .await?
            .failed();
        if !failed.is_empty() {
            return Err(CoreError::WeakPassword(failed));
        }
        let request = ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        };
        self.ctx
            .send_signed_in::<_, ()>(Method::POST, "/v1/auth/password", Some(&request))
            .await?;
        self.ctx
            .set_unlock_password(&signed_in.account.id, new)
            .await?;
        tracing::info!("password changed");
        Ok(())
    }
}
