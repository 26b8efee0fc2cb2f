//! Sessions: an access token (minutes) and a refresh token (days), stored as SHA-256.

use crate::crypto::{new_id, new_token, token_hash};
use crate::db::millis;
use crate::error::ServerError;
use crate::service::settings;
use chrono::{DateTime, Duration, Utc};
use portal_model::{AccountSummary, InviteRole, PracticeRef, ProfileSummary, Session};
use rusqlite::{Connection, params};

/// How long an access token works.
pub const ACCESS_TTL: Duration = Duration::minutes(15);

/// Starts a session for `account_id` and returns it with the account's profiles.
pub fn create(
    conn: &Connection,
    account_id: &str,
    device_name: &str,
    now: DateTime<Utc>,
) -> Result<Session, ServerError> {
    let access_token = new_token();
    let refresh_token = new_token();
    let access_expires_at = now + ACCESS_TTL;
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
    let email: String = conn.query_row(
        "SELECT email FROM accounts WHERE id = ?1",
        [account_id],
        |row| row.get(0),
    )?;
    Ok(Session {
        access_token,
        access_expires_at,
        refresh_token,
        account: AccountSummary {
            id: account_id.to_owned(),
            email,
        },
        profiles: profiles(conn, account_id)?,
    })
}

/// The patients an account can act for, itself first.
pub fn profiles(conn: &Connection, account_id: &str) -> Result<Vec<ProfileSummary>, ServerError> {
    let practice = PracticeRef {
        name: settings::load(conn)?.practice_name,
    };
    let mut statement = conn.prepare(
        "SELECT p.id, ap.role, p.first_name, p.last_name
         FROM account_patients ap JOIN patients p ON p.id = ap.patient_id
         WHERE ap.account_id = ?1
         ORDER BY ap.role = 'guardian', p.first_name, p.id",
    )?;
    let rows = statement.query_map([account_id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (patient_id, role, first_name, last_name) = row?;
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
