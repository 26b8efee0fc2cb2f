//! Signing in and out, and the signed-in account's overview.
//!
//! Login answers `invalid_credentials` for an unknown email and a wrong password alike,
//! after the same argon2id work (an unknown email is checked against a dummy hash), and
//! backs off exponentially per email address after repeated failures, whether or not an
//! account exists, so that neither the answer nor the backoff reveals accounts.

use crate::crypto::{self, token_hash};
use crate::db::Conn;
use crate::db::{from_millis, millis};
use crate::error::ServerError;
use crate::params;
use crate::service::patients::normalize_email;
use crate::service::sessions::{self, Authenticated, RevokeReason};
use crate::service::{audit, settings};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use portal_model::{CareTeam, ErrorCode, LoginRequest, Me, PracticeRef, ProviderRef, Session};
use std::sync::OnceLock;

/// Failed logins allowed before backoff starts.
pub const FREE_FAILURES: i64 = 5;
/// The longest wait backoff imposes.
pub const MAX_BACKOFF: Duration = Duration::minutes(15);

fn invalid_credentials() -> ServerError {
    ServerError::api(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "The email or password is not correct.",
    )
}

/// A hash of a random password, so that unknown emails cost the same work.
pub(crate) fn dummy_hash() -> Result<&'static str, ServerError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = crypto::hash_password(&crypto::new_token())?;
    Ok(DUMMY.get_or_init(|| hash))
}

/// The wait after `failures` failed attempts: none for the first few, then doubling.
pub fn backoff(failures: i64) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::zero();
    }
    let exponent = (failures - FREE_FAILURES).min(20) as u32;
    Duration::seconds(2_i64.pow(exponent)).min(MAX_BACKOFF)
}

pub(crate) fn check_backoff(
    conn: &Conn,
    email_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    let blocked_until: Option<i64> = conn.query_opt(
        "SELECT blocked_until FROM login_attempts WHERE email_hash = ?1",
        params![email_hash],
        |row| row.get(0),
    )?;
    if let Some(until) = blocked_until {
        let until = from_millis(until)?;
        if until > now {
            // Round up: stored times are whole milliseconds, `now` may have a fraction.
            let wait = ((until - now).num_milliseconds() + 999).max(1000) as u64 / 1000;
            return Err(ServerError::RateLimited {
                retry_after_secs: wait,
                message: format!(
                    "Too many failed attempts. Please wait {} before trying again.",
                    human_wait(wait)
                ),
            });
        }
    }
    Ok(())
}

fn human_wait(seconds: u64) -> String {
    if seconds == 1 {
        "1 second".to_owned()
    } else if seconds < 90 {
        format!("{seconds} seconds")
    } else {
        format!("{} minutes", seconds.div_ceil(60))
    }
}

pub(crate) fn record_failure(
    conn: &Conn,
    email_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    let failures: i64 = conn
        .query_opt(
            "SELECT failures FROM login_attempts WHERE email_hash = ?1",
            params![email_hash],
            |row| row.get(0),
        )?
        .unwrap_or(0)
        + 1;
    conn.execute(
        "INSERT INTO login_attempts (email_hash, failures, blocked_until) VALUES (?1, ?2, ?3)
         ON CONFLICT(email_hash) DO UPDATE SET failures = ?2, blocked_until = ?3",
        params![email_hash, failures, millis(now + backoff(failures))],
    )?;
    Ok(())
}

/// `POST /v1/auth/login`.
/// The key failed sign-ins are counted under: the account's email and the client's
/// address (both hashed), so that a stranger's wrong guesses slow the stranger down
/// and never lock the patient out.
pub fn attempt_key(email: &str, client: std::net::IpAddr) -> String {
    format!("{}:{}", token_hash(email), token_hash(&client.to_string()))
}

/// The pattern of every [`attempt_key`] of `email`, for SQL `LIKE`.
pub fn attempt_keys_of(email: &str) -> String {
    format!("{}:%", token_hash(email))
}

pub async fn login(
    state: &AppState,
    request: LoginRequest,
    client: std::net::IpAddr,
) -> Result<Session, ServerError> {
    let device_name = request.device_name.trim().to_owned();
    if device_name.is_empty() || device_name.chars().count() > 100 {
        return Err(ServerError::bad_request(
            "device_name must be 1 to 100 characters.",
        ));
    }
    // A malformed address cannot belong to an account: same answer as a wrong password.
    let email =
        normalize_email(&request.email).unwrap_or_else(|_| request.email.trim().to_lowercase());
    let attempts = attempt_key(&email, client);
    let now = state.clock.now();

    let lookup_email = email.clone();
    let lookup_attempts = attempts.clone();
    let account: Option<(String, String)> = state
        .db
        .call(move |conn| {
            // Count the attempt before the password is checked, so that requests sent at
            // once cannot all slip past the backoff; success clears the count.
            let tx = conn.transaction()?;
            check_backoff(&tx, &lookup_attempts, now)?;
            record_failure(&tx, &lookup_attempts, now)?;
            let account = tx.query_opt(
                "SELECT id, password_hash FROM accounts WHERE email = ?1",
                params![&lookup_email],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            tx.commit()?;
            Ok(account)
        })
        .await?;

    let password = request.password;
    let (account_id, verified) = match account {
        Some((id, phc)) => {
            let ok = state
                .hashing(move || crypto::verify_password(&password, &phc))
                .await?;
            (Some(id), ok)
        }
        None => {
            let dummy = dummy_hash()?.to_owned();
            state
                .hashing(move || crypto::verify_password(&password, &dummy))
                .await?;
            (None, false)
        }
    };

    let limits = state.config.session_limits;
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let Some(account_id) = account_id.filter(|_| verified) else {
                // Already counted before the check.
                return Err(invalid_credentials());
            };
            tx.execute(
                "DELETE FROM login_attempts WHERE email_hash = ?1",
                params![&attempts],
            )?;
            audit::record(
                &tx,
                millis(now),
                &format!("account:{account_id}"),
                "login",
                &account_id,
            )?;
            let session = sessions::create(&tx, &account_id, &device_name, now, &limits)?;
            tx.commit()?;
            Ok(session)
        })
        .await
}

/// `POST /v1/auth/refresh`.
pub async fn refresh(state: &AppState, refresh_token: String) -> Result<Session, ServerError> {
    let now = state.clock.now();
    let limits = state.config.session_limits;
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let result = sessions::refresh(&tx, &refresh_token, now, &limits);
            // A detected reuse revokes the session: keep that even though the call fails.
            tx.commit()?;
            result
        })
        .await
}

/// `POST /v1/auth/logout`.
pub async fn logout(state: &AppState, auth: Authenticated) -> Result<(), ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| sessions::revoke(conn, &auth.session_id, RevokeReason::Logout, now))
        .await
}

/// `POST /v1/auth/logout` with the refresh token: ends the session it belongs to (the
/// current one, or one just rotated from it). Unknown tokens change nothing.
pub async fn logout_by_refresh(state: &AppState, refresh_token: String) -> Result<(), ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| sessions::revoke_by_refresh(conn, &refresh_token, now))
        .await
}

/// `GET /v1/me`.
pub async fn me(state: &AppState, auth: Authenticated) -> Result<Me, ServerError> {
    state
        .db
        .read_short(move |conn| {
            let conn = &*conn.read_transaction()?;
            let account = sessions::account(conn, &auth.account_id)?;
            let profiles = sessions::profiles(conn, &auth.account_id)?;
            let mut care_teams = Vec::with_capacity(profiles.len());
            for profile in &profiles {
                care_teams.push(care_team(conn, &profile.patient_id)?);
            }
            Ok(Me {
                account,
                profiles,
                practices: vec![PracticeRef {
                    name: settings::load(conn)?.practice_name,
                }],
                care_teams,
            })
        })
        .await
}

/// A patient's care team, primary provider first.
pub fn care_team(conn: &Conn, patient_id: &str) -> Result<CareTeam, ServerError> {
    let primary_provider_id: String = conn.query_one(
        "SELECT primary_provider_id FROM patients WHERE id = ?1",
        params![patient_id],
        |row| row.get(0),
    )?;
    let providers = conn.query_all(
        "SELECT pr.id, pr.name FROM care_team ct JOIN providers pr ON pr.id = ct.provider_id
         WHERE ct.patient_id = ?1
         ORDER BY pr.id != ?2, pr.name, pr.id",
        params![patient_id, primary_provider_id],
        |row| {
            Ok(ProviderRef {
                id: row.get(0)?,
                name: row.get(1)?,
            })
        },
    )?;
    Ok(CareTeam {
        patient_id: patient_id.to_owned(),
        primary_provider_id,
        providers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_free_failures_and_doubles_to_a_cap() {
        assert_eq!(backoff(4), Duration::zero());
        assert_eq!(backoff(5), Duration::seconds(1));
        assert_eq!(backoff(6), Duration::seconds(2));
        assert_eq!(backoff(9), Duration::seconds(16));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
