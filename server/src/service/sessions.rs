//! Sessions: an access token (minutes) and a rotating refresh token (days), both stored
//! as SHA-256. A refresh token works once; presenting it again revokes the session
//! (reuse detection). Sessions also end after an idle and an absolute limit.

use crate::config::SessionLimits;
use crate::crypto::{is_token_shaped, new_id, new_token, token_hash};
use crate::db::{CachedSession, Conn};
use crate::db::{from_millis, millis};
use crate::error::ServerError;
use crate::params;
use crate::service::{audit, settings};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use portal_model::{AccountSummary, ErrorCode, InviteRole, PracticeRef, ProfileSummary, Session};

/// Why a session was revoked (stored, and shown in the audit log).
#[derive(Debug, Clone, Copy)]
pub enum RevokeReason {
    Logout,
    RefreshReuse,
    PasswordReset,
    PasswordChange,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::RefreshReuse => "refresh_reuse",
            Self::PasswordReset => "password_reset",
            Self::PasswordChange => "password_change",
        }
    }
}

/// A request's verified session.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session_id: String,
    pub account_id: String,
    /// When the access token that proved it stops working.
    pub access_expires_at: DateTime<Utc>,
}

fn expired() -> ServerError {
    ServerError::api(
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionExpired,
        "Your session has ended. Please sign in again.",
    )
}

fn revoked() -> ServerError {
    ServerError::api(
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionRevoked,
        "You were signed out. Please sign in again.",
    )
}

/// Starts a session for `account_id` and returns it with the account's profiles.
pub fn create(
    conn: &Conn,
    account_id: &str,
    device_name: &str,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<Session, ServerError> {
    let access_token = new_token();
    let refresh_token = new_token();
    let access_expires_at = now + limits.access_ttl;
    conn.execute(
        "INSERT INTO sessions (id, account_id, access_hash, access_expires_at, refresh_hash,
                               device_name, created_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            new_id("ses"),
            account_id,
            token_hash(&access_token),
            millis(access_expires_at),
            token_hash(&refresh_token),
            device_name,
            millis(now),
        ],
    )?;
    session_answer(
        conn,
        account_id,
        access_token,
        access_expires_at,
        refresh_token,
    )
}

fn session_answer(
    conn: &Conn,
    account_id: &str,
    access_token: String,
    access_expires_at: DateTime<Utc>,
    refresh_token: String,
) -> Result<Session, ServerError> {
    Ok(Session {
        access_token,
        access_expires_at,
        refresh_token,
        account: account(conn, account_id)?,
        profiles: profiles(conn, account_id)?,
    })
}

/// The account's id and email.
pub fn account(conn: &Conn, account_id: &str) -> Result<AccountSummary, ServerError> {
    let email: String = conn.query_one(
        "SELECT email FROM accounts WHERE id = ?1",
        params![account_id],
        |row| row.get(0),
    )?;
    Ok(AccountSummary {
        id: account_id.to_owned(),
        email,
    })
}

/// Checks that a session is neither revoked nor past its idle or absolute limit.
fn check_alive(
    revoked_at: Option<i64>,
    created_at: i64,
    last_used_at: i64,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<(), ServerError> {
    if revoked_at.is_some() {
        return Err(revoked());
    }
    if now - from_millis(last_used_at)? >= limits.idle
        || now - from_millis(created_at)? >= limits.absolute
    {
        return Err(expired());
    }
    Ok(())
}

fn unauthorized() -> ServerError {
    ServerError::api(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
        "Sign in first (Authorization: Bearer ...).",
    )
}

/// The stored session behind an access token hash; `Err` if it was revoked, `None` if
/// no session holds the token.
fn lookup(conn: &Conn, hash: &str) -> Result<Option<CachedSession>, ServerError> {
    let row = conn.query_opt(
        "SELECT id, account_id, access_expires_at, revoked_at, created_at, last_used_at
             FROM sessions WHERE access_hash = ?1",
        params![hash],
        |row| {
            Ok((
                row.get::<String>(0)?,
                row.get::<String>(1)?,
                row.get::<i64>(2)?,
                row.get::<Option<i64>>(3)?,
                row.get::<i64>(4)?,
                row.get::<i64>(5)?,
            ))
        },
    )?;
    let Some((session_id, account_id, access_expires_at, revoked_at, created_at, last_used_at)) =
        row
    else {
        return Ok(None);
    };
    if revoked_at.is_some() {
        return Err(revoked());
    }
    Ok(Some(CachedSession {
        session_id,
        account_id,
        access_expires_at,
        created_at,
        last_used_at,
    }))
}

/// Checks a live (not revoked) session's limits and its access token's expiry.
fn check_access(
    session: &CachedSession,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<Authenticated, ServerError> {
    check_alive(None, session.created_at, session.last_used_at, now, limits)?;
    let access_expires_at = from_millis(session.access_expires_at)?;
    if access_expires_at <= now {
        return Err(expired());
    }
    Ok(Authenticated {
        session_id: session.session_id.clone(),
        account_id: session.account_id.clone(),
        access_expires_at,
    })
}

/// Verifies a Bearer access token.
pub fn authenticate(
    conn: &Conn,
    access_token: &str,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<Authenticated, ServerError> {
    if !is_token_shaped(access_token) {
        return Err(unauthorized());
    }
    // Access tokens of rotated or purged sessions are unknown: treat them as expired.
    let session = lookup(conn, &token_hash(access_token))?.ok_or_else(expired)?;
    check_access(&session, now, limits)
}

/// Verifies a request's Bearer access token, from the token cache when it holds the
/// session (see [`crate::db::TokenCache`]: dropped whenever a session is revoked or
/// rotated, and at most a second old), else from the database.
pub async fn authenticate_request(
    state: &AppState,
    access_token: &str,
) -> Result<Authenticated, ServerError> {
    if !is_token_shaped(access_token) {
        return Err(unauthorized());
    }
    let now = state.clock.now();
    let limits = state.config.session_limits;
    let hash = token_hash(access_token);
    let tokens = state.db.tokens();
    if let Some(session) = tokens.get(&hash) {
        return check_access(&session, now, &limits);
    }
    // Read the epoch first: a session changed after this read is never cached.
    let epoch = tokens.epoch();
    let key = hash.clone();
    let session = state
        .db
        .read_short(move |conn| lookup(conn, &key))
        .await?
        .ok_or_else(expired)?;
    let authenticated = check_access(&session, now, &limits)?;
    tokens.put(hash, session, epoch);
    Ok(authenticated)
}

/// Exchanges a refresh token for a new pair. A token that was already used revokes
/// the whole session: someone else holds a copy.
pub fn refresh(
    conn: &Conn,
    refresh_token: &str,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<Session, ServerError> {
    if !is_token_shaped(refresh_token) {
        return Err(expired());
    }
    let hash = token_hash(refresh_token);
    let row = conn.query_opt(
        "SELECT id, account_id, revoked_at, created_at, last_used_at
             FROM sessions WHERE refresh_hash = ?1",
        params![&hash],
        |row| {
            Ok((
                row.get::<String>(0)?,
                row.get::<String>(1)?,
                row.get::<Option<i64>>(2)?,
                row.get::<i64>(3)?,
                row.get::<i64>(4)?,
            ))
        },
    )?;
    let Some((session_id, _account_id, revoked_at, created_at, last_used_at)) = row else {
        let reused: Option<(String, i64, i64)> = conn.query_opt(
            "SELECT session_id, used_at, rotation FROM used_refresh_tokens WHERE hash = ?1",
            params![&hash],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        let Some((session_id, used_at, rotation)) = reused else {
            return Err(expired());
        };
        if is_lost_answer(conn, &session_id, rotation, used_at, now)? {
            // The app rotated this token moments ago and never got the answer (it was
            // killed, or the connection dropped): rotate again. The pair it never got is
            // marked used, so if someone else did get it, presenting it later revokes
            // the session after all.
            tracing::info!("a just-rotated refresh token came back: the answer was lost");
            // Once only, and the window is not extended: the token is marked as having
            // had its second chance (rotation 0 never qualifies again), its `used_at`
            // stays. The pair it never got is recorded as used longer ago than the
            // grace, so presenting it revokes the session.
            let spent = millis(now) - LOST_ANSWER_GRACE.num_milliseconds() - 1;
            conn.execute(
                "UPDATE used_refresh_tokens SET rotation = 0 WHERE hash = ?1",
                params![&hash],
            )?;
            conn.execute(
                "INSERT INTO used_refresh_tokens (hash, session_id, used_at, rotation)
                 SELECT refresh_hash, id, ?2, -1 FROM sessions WHERE id = ?1",
                params![&session_id, spent],
            )?;
            return rotate(conn, &session_id, now, limits);
        }
        revoke(conn, &session_id, RevokeReason::RefreshReuse, now)?;
        tracing::warn!("a used refresh token was presented again; the session is revoked");
        return Err(revoked());
    };
    check_alive(revoked_at, created_at, last_used_at, now, limits)?;
    let rotation: i64 = conn.query_one(
        "UPDATE sessions SET rotations = rotations + 1 WHERE id = ?1 RETURNING rotations",
        params![&session_id],
        |row| row.get(0),
    )?;
    conn.execute(
        "INSERT INTO used_refresh_tokens (hash, session_id, used_at, rotation)
         VALUES (?1, ?2, ?3, ?4)",
        params![hash, session_id, millis(now), rotation],
    )?;
    rotate(conn, &session_id, now, limits)
}

/// How long after a rotation the previous refresh token may come back, once, as a lost
/// answer (the app was killed, or the connection dropped, before it got the new pair),
/// as long as nothing newer was used meanwhile (PROTOCOL: 30 seconds, never extended).
/// A stolen token is worth nothing after it; a client offline longer signs in again.
pub const LOST_ANSWER_GRACE: chrono::Duration = chrono::Duration::seconds(30);

/// True when the token is the session's latest rotation (`rotation` is the highest the
/// session used; pairs never received are recorded with -1, and a token that already
/// had its second chance with 0), rotated within [`LOST_ANSWER_GRACE`], and the session
/// is alive.
fn is_lost_answer(
    conn: &Conn,
    session_id: &str,
    rotation: i64,
    used_at: i64,
    now: DateTime<Utc>,
) -> Result<bool, ServerError> {
    if rotation < 1 || millis(now) - used_at > LOST_ANSWER_GRACE.num_milliseconds() {
        return Ok(false);
    }
    let newer = conn.exists(
        "SELECT 1 FROM used_refresh_tokens WHERE session_id = ?1 AND rotation > ?2",
        params![session_id, rotation],
    )?;
    let alive = conn.exists(
        "SELECT 1 FROM sessions WHERE id = ?1 AND revoked_at IS NULL",
        params![session_id],
    )?;
    Ok(alive && !newer)
}

/// Gives the session a new access and refresh token pair.
fn rotate(
    conn: &Conn,
    session_id: &str,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<Session, ServerError> {
    let (account_id, revoked_at, created_at, last_used_at) = conn
        .query_opt(
            "SELECT account_id, revoked_at, created_at, last_used_at FROM sessions WHERE id = ?1",
            params![session_id],
            |row| {
                Ok((
                    row.get::<String>(0)?,
                    row.get::<Option<i64>>(1)?,
                    row.get::<i64>(2)?,
                    row.get::<i64>(3)?,
                ))
            },
        )?
        .ok_or_else(expired)?;
    check_alive(revoked_at, created_at, last_used_at, now, limits)?;
    let access_token = new_token();
    let new_refresh = new_token();
    let access_expires_at = now + limits.access_ttl;
    conn.execute(
        "UPDATE sessions SET access_hash = ?1, access_expires_at = ?2, refresh_hash = ?3,
                             last_used_at = ?4
         WHERE id = ?5",
        params![
            token_hash(&access_token),
            millis(access_expires_at),
            token_hash(&new_refresh),
            millis(now),
            session_id
        ],
    )?;
    session_answer(
        conn,
        &account_id,
        access_token,
        access_expires_at,
        new_refresh,
    )
}

/// Revokes one session (idempotent).
/// Ends the session `refresh_token` belongs to, as its current refresh token or one
/// it rotated from; an unknown token changes nothing.
pub fn revoke_by_refresh(
    conn: &Conn,
    refresh_token: &str,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    if !is_token_shaped(refresh_token) {
        return Ok(());
    }
    let hash = token_hash(refresh_token);
    let current: Option<String> = conn.query_opt(
        "SELECT id FROM sessions WHERE refresh_hash = ?1",
        params![&hash],
        |row| row.get(0),
    )?;
    let session_id = match current {
        Some(id) => Some(id),
        None => conn.query_opt(
            "SELECT session_id FROM used_refresh_tokens WHERE hash = ?1",
            params![&hash],
            |row| row.get(0),
        )?,
    };
    match session_id {
        Some(session_id) => revoke(conn, &session_id, RevokeReason::Logout, now),
        None => Ok(()),
    }
}

pub fn revoke(
    conn: &Conn,
    session_id: &str,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    let changed = conn.execute(
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
         WHERE id = ?3 AND revoked_at IS NULL",
        params![millis(now), reason.as_str(), session_id],
    )?;
    if changed > 0 {
        audit::record(
            conn,
            millis(now),
            "system",
            &format!("session.revoke.{}", reason.as_str()),
            session_id,
        )?;
    }
    Ok(())
}

/// Revokes every live session of an account.
pub fn revoke_all(
    conn: &Conn,
    account_id: &str,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    // Session ids are never empty: keeping "" keeps none.
    revoke_others(conn, account_id, "", reason, now)
}

/// Revokes every session of `account_id` but `keep` (the one that changed the password).
pub fn revoke_others(
    conn: &Conn,
    account_id: &str,
    keep: &str,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
         WHERE account_id = ?3 AND id <> ?4 AND revoked_at IS NULL",
        params![millis(now), reason.as_str(), account_id, keep],
    )?;
    audit::record(
        conn,
        millis(now),
        &format!("account:{account_id}"),
        &format!("sessions.revoke.{}", reason.as_str()),
        account_id,
    )?;
    Ok(())
}

/// The patients an account can act for, itself first.
pub fn profiles(conn: &Conn, account_id: &str) -> Result<Vec<ProfileSummary>, ServerError> {
    let practice = PracticeRef {
        name: settings::load(conn)?.practice_name,
    };
    let rows = conn.query_all(
        "SELECT p.id, ap.role, p.first_name, p.last_name
         FROM account_patients ap JOIN patients p ON p.id = ap.patient_id
         WHERE ap.account_id = ?1
         ORDER BY ap.role = 'guardian', p.first_name, p.id",
        params![account_id],
        |row| {
            Ok((
                row.get::<String>(0)?,
                row.get::<String>(1)?,
                row.get::<String>(2)?,
                row.get::<String>(3)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (patient_id, role, first_name, last_name) = row;
        let role = InviteRole::parse(&role)
            .ok_or_else(|| ServerError::internal(format!("stored profile role '{role}'")))?;
        out.push(ProfileSummary {
            patient_id,
            role,
            first_name,
            last_name,
            practice: practice.clone(),
        });
    }
    Ok(out)
}

/// True while the session exists and is not revoked (event streams end otherwise).
pub async fn is_active(state: &AppState, session_id: String) -> Result<bool, ServerError> {
    // On a read connection: every open event stream asks this at each change.
    state
        .db
        .read(move |conn| {
            let revoked: Option<Option<i64>> = conn.query_opt(
                "SELECT revoked_at FROM sessions WHERE id = ?1",
                params![session_id],
                |row| row.get(0),
            )?;
            Ok(matches!(revoked, Some(None)))
        })
        .await
}

/// Ends the session that holds `access_token` (a page that signs nobody in).
pub async fn end_by_access_token(state: &AppState, access_token: &str) -> Result<(), ServerError> {
    let hash = token_hash(access_token);
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let id: String = conn.query_one(
                "SELECT id FROM sessions WHERE access_hash = ?1",
                params![hash],
                |row| row.get(0),
            )?;
            revoke(conn, &id, RevokeReason::Logout, now)
        })
        .await
}
