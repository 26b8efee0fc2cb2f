//! The practice's settings (one row).

use crate::error::ServerError;
use rusqlite::{Connection, OptionalExtension, params};

/// Default invite lifetime: 4 days.
pub const DEFAULT_INVITE_TTL_SECONDS: i64 = 4 * 24 * 60 * 60;

/// The practice's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub practice_name: String,
    pub invite_ttl_seconds: i64,
}

/// Writes the default settings on a new database; leaves existing ones alone.
pub fn ensure(conn: &Connection, practice_name: &str) -> Result<(), ServerError> {
    conn.execute(
        "INSERT OR IGNORE INTO settings
           (id, practice_name, invite_ttl_seconds, self_service_reinvite,
            welcome_message_enabled, welcome_message)
         VALUES (1, ?1, ?2, 1, 0, '')",
        params![practice_name, DEFAULT_INVITE_TTL_SECONDS],
    )?;
    Ok(())
}

/// Reads the settings.
pub fn load(conn: &Connection) -> Result<Settings, ServerError> {
    conn.query_row(
        "SELECT practice_name, invite_ttl_seconds FROM settings WHERE id = 1",
        [],
        |row| {
            Ok(Settings {
                practice_name: row.get(0)?,
                invite_ttl_seconds: row.get(1)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ServerError::internal("settings row missing"))
}
