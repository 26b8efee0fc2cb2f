//! The practice's settings (one row).

use crate::db::Conn;
use crate::db::millis;
use crate::error::ServerError;
use crate::params;
use crate::service::audit;
use crate::state::AppState;
use portal_model::admin::PracticeSettings;

/// Default invite lifetime: 4 days.
pub const DEFAULT_INVITE_TTL_SECONDS: i64 = 4 * 24 * 60 * 60;

/// The practice's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub practice_name: String,
    pub invite_ttl_seconds: i64,
    /// An expired invite can be renewed by the patient; otherwise the provider is asked.
    pub self_service_reinvite: bool,
    /// Sent from the primary provider when a patient's account becomes active.
    pub welcome_message: Option<String>,
}

/// Writes the default settings on a new database; leaves existing ones alone.
pub fn ensure(conn: &Conn, practice_name: &str) -> Result<(), ServerError> {
    conn.execute(
        "INSERT INTO settings
           (id, practice_name, invite_ttl_seconds, self_service_reinvite,
            welcome_message_enabled, welcome_message)
         VALUES (1, ?1, ?2, 1, 0, '') ON CONFLICT DO NOTHING",
        params![practice_name, DEFAULT_INVITE_TTL_SECONDS],
    )?;
    Ok(())
}

/// Reads the settings.
pub fn load(conn: &Conn) -> Result<Settings, ServerError> {
    conn.query_opt(
        "SELECT practice_name, invite_ttl_seconds, self_service_reinvite,
                welcome_message_enabled, welcome_message
         FROM settings WHERE id = 1",
        params![],
        |row| {
            let enabled: bool = row.get(3)?;
            let message: String = row.get(4)?;
            Ok(Settings {
                practice_name: row.get(0)?,
                invite_ttl_seconds: row.get(1)?,
                self_service_reinvite: row.get(2)?,
                welcome_message: Some(message).filter(|m| enabled && !m.is_empty()),
            })
        },
    )?
    .ok_or_else(|| ServerError::internal("settings row missing"))
}

/// The settings staff can change.
pub fn read_practice(conn: &Conn) -> Result<PracticeSettings, ServerError> {
    conn.query_one(
        "SELECT invite_ttl_seconds, self_service_reinvite, welcome_message_enabled, welcome_message
         FROM settings WHERE id = 1",
        params![],
        |row| {
            Ok(PracticeSettings {
                invite_ttl_seconds: row.get(0)?,
                self_service_reinvite: row.get(1)?,
                welcome_message_enabled: row.get(2)?,
                welcome_message: row.get(3)?,
            })
        },
    )
}

/// `GET /v1/admin/settings`.
pub async fn get(state: &AppState) -> Result<PracticeSettings, ServerError> {
    state.db.call(|conn| read_practice(conn)).await
}

/// `PUT /v1/admin/settings`.
pub async fn update(
    state: &AppState,
    new: PracticeSettings,
) -> Result<PracticeSettings, ServerError> {
    if !(3600..=30 * 24 * 3600).contains(&new.invite_ttl_seconds) {
        return Err(ServerError::bad_request(
            "invite_ttl_seconds must be between 3600 (1 hour) and 2592000 (30 days).",
        ));
    }
    let message = new.welcome_message.trim().to_owned();
    if message.chars().count() > 4000 {
        return Err(ServerError::bad_request(
            "welcome_message is longer than 4000 characters.",
        ));
    }
    if new.welcome_message_enabled && message.is_empty() {
        return Err(ServerError::bad_request(
            "welcome_message must not be empty when welcome_message_enabled is true.",
        ));
    }
    let now = millis(state.clock.now());
    state
        .db
        .call(move |conn| {
            conn.execute(
                "UPDATE settings SET invite_ttl_seconds = ?1, self_service_reinvite = ?2,
                        welcome_message_enabled = ?3, welcome_message = ?4 WHERE id = 1",
                params![
                    new.invite_ttl_seconds,
                    new.self_service_reinvite,
                    new.welcome_message_enabled,
                    message
                ],
            )?;
            audit::record(conn, now, "admin", "settings.update", "practice")?;
            read_practice(conn)
        })
        .await
}
