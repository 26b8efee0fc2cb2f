//! The hourly clean-up of what only limits and sessions needed for a while: failed
//! sign-ins and request windows long past, and sessions that ended (with the refresh
//! tokens they used) a month ago. Without it these tables grow with every stranger's
//! request.

use crate::db::millis;
use crate::error::ServerError;
use crate::params;
use crate::state::AppState;

/// How long a count of failed sign-ins or a request window is kept after it stops
/// mattering (the longest backoff and window are an hour or less).
pub const LIMITS_KEPT: chrono::Duration = chrono::Duration::days(1);
/// How long an ended session is kept (a client that comes back within it is told its
/// session was revoked or expired rather than just "unauthorized").
pub const ENDED_SESSIONS_KEPT: chrono::Duration = chrono::Duration::days(30);

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub login_attempts: usize,
    pub rate_limits: usize,
    pub sessions: usize,
    /// Uploads past their week, and the files only they held.
    pub uploads: usize,
    pub files: usize,
}

/// Removes what no rule needs any more.
pub async fn purge(state: &AppState) -> Result<Removed, ServerError> {
    let now = state.clock.now();
    let limits_before = millis(now - LIMITS_KEPT);
    let limits = state.config.session_limits;
    let revoked_before = millis(now - ENDED_SESSIONS_KEPT);
    let idle_before = millis(now - limits.idle - ENDED_SESSIONS_KEPT);
    let created_before = millis(now - limits.absolute - ENDED_SESSIONS_KEPT);
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let login_attempts = tx.execute(
                "DELETE FROM login_attempts WHERE blocked_until < ?1",
                params![limits_before],
            )?;
            let rate_limits = tx.execute(
                "DELETE FROM rate_limits WHERE window_start < ?1",
                params![limits_before],
            )?;
            let ended = "(revoked_at IS NOT NULL AND revoked_at < ?1)
                 OR last_used_at < ?2 OR created_at < ?3";
            tx.execute(
                &format!(
                    "DELETE FROM used_refresh_tokens WHERE session_id IN
                       (SELECT id FROM sessions WHERE {ended})"
                ),
                params![revoked_before, idle_before, created_before],
            )?;
            let sessions = tx.execute(
                &format!("DELETE FROM sessions WHERE {ended}"),
                params![revoked_before, idle_before, created_before],
            )?;
            let (uploads, files) = crate::service::documents::purge_uploads(&tx, millis(now))?;
            tx.commit()?;
            Ok(Removed {
                login_attempts,
                rate_limits,
                sessions,
                uploads,
                files,
            })
        })
        .await
}

/// Runs [`purge`] and the feed's tombstone purge once an hour for as long as the
/// server runs.
pub fn start(state: AppState) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            ticker.tick().await;
            match crate::service::feed::purge_tombstones(&state).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "purged old deletes from the sync feed"),
                Err(error) => tracing::warn!(%error, "purging the sync feed failed"),
            }
            match purge(&state).await {
                Ok(removed) if removed == Removed::default() => {}
                Ok(removed) => tracing::info!(
                    login_attempts = removed.login_attempts,
                    rate_limits = removed.rate_limits,
                    sessions = removed.sessions,
                    uploads = removed.uploads,
                    files = removed.files,
                    "purged expired limits, sessions and uploads"
                ),
                Err(error) => tracing::warn!(%error, "purging limits and sessions failed"),
            }
        }
    });
}
