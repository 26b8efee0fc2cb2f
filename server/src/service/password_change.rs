//! Changing the password while signed in (`POST /v1/auth/password`): the current
//! password is required (and wrong guesses wait, as at sign-in), the new one meets the
//! policy, every other session of the account ends, and the account's address is told.

use crate::crypto;
use crate::db::millis;
use crate::error::ServerError;
use crate::params;
use crate::service::auth::{attempt_key, attempt_keys_of, check_backoff, record_failure};
use crate::service::reset::password_changed_email;
use crate::service::sessions::{self, Authenticated, RevokeReason};
use crate::service::{audit, settings};
use crate::state::AppState;
use axum::http::StatusCode;
use portal_model::{ChangePasswordRequest, ErrorCode, PasswordPolicy};

fn wrong_password() -> ServerError {
    ServerError::api(
        StatusCode::FORBIDDEN,
        ErrorCode::WrongPassword,
        "The current password is not correct.",
    )
}

/// Checks the current password, then sets the new one for `session`'s account; the
/// session itself stays signed in.
pub async fn change(
    state: &AppState,
    session: Authenticated,
    request: ChangePasswordRequest,
    client: std::net::IpAddr,
) -> Result<(), ServerError> {
    let now = state.clock.now();
    let account_id = session.account_id.clone();
    let new_password = request.new_password;
    let policy_password = new_password.clone();
    // The policy first: it costs nothing and says nothing about the current password.
    let (email, phc) = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let (email, phc): (String, String) = tx
                .query_opt(
                    "SELECT email, password_hash FROM accounts WHERE id = ?1",
                    params![&account_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?
                .ok_or_else(|| ServerError::internal("a session's account is missing"))?;
            let failed = PasswordPolicy::default()
                .check(&policy_password, Some(&email))
                .failed();
            if !failed.is_empty() {
                return Err(ServerError::weak_password(failed));
            }
            // Counted before the check, as at sign-in, so that guesses sent at once
            // cannot all slip past the backoff; success clears the count.
            let attempts = attempt_key(&email, client);
            check_backoff(&tx, &attempts, now)?;
            record_failure(&tx, &attempts, now)?;
            tx.commit()?;
            Ok((email, phc))
        })
        .await?;

    let current = request.current_password;
    if !state
        .hashing(move || crypto::verify_password(&current, &phc))
        .await?
    {
        return Err(wrong_password());
    }
    let hash = state
        .hashing(move || crypto::hash_password(&new_password))
        .await?;

    let account_id = session.account_id.clone();
    let keep = session.session_id.clone();
    let notice = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE accounts SET password_hash = ?1 WHERE id = ?2",
                params![hash, &account_id],
            )?;
            // Reset links asked for earlier stop working: the password they would
            // replace is gone.
            tx.execute(
                "UPDATE password_resets SET used_at = ?1 WHERE account_id = ?2 AND used_at IS NULL",
                params![millis(now), &account_id],
            )?;
            tx.execute(
                "DELETE FROM login_attempts WHERE email_hash LIKE ?1",
                params![attempt_keys_of(&email)],
            )?;
            sessions::revoke_others(&tx, &account_id, &keep, RevokeReason::PasswordChange, now)?;
            audit::record(
                &tx,
                millis(now),
                &format!("account:{account_id}"),
                "password.change",
                &account_id,
            )?;
            let practice = settings::load(&tx)?.practice_name;
            tx.commit()?;
            Ok(password_changed_email(
                &email,
                &practice,
                "every other device was signed out",
            ))
        })
        .await?;
    state.mail.send(notice, state.clock.as_ref());
    Ok(())
}
