//! The audit log: who did what to whom, and when. Never secrets.

use crate::db::Conn;
use crate::error::ServerError;
use crate::params;

/// Records one action. `actor` is `admin`, `account:{id}` or `public`; `subject` an id.
pub fn record(
    conn: &Conn,
    at_ms: i64,
    actor: &str,
    action: &str,
    subject: &str,
) -> Result<(), ServerError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject) VALUES (?1, ?2, ?3, ?4)",
        params![at_ms, actor, action, subject],
    )?;
    Ok(())
}
