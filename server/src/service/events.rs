//! "Pull now" hints for clients (`GET /v1/sync/events`, server-sent events).
//!
//! One watcher per server process reads the feed's change counter a few times a second
//! and broadcasts when it moves, so the hints work with several server processes over
//! one database too. Each connection then checks whether anything after what it last
//! announced is visible to its account, and only then sends `changed`.

use crate::error::ServerError;
use crate::state::AppState;
use rusqlite::params;
use std::time::Duration;
use tokio::sync::watch;

/// How often the watcher reads the counter.
pub const POLL: Duration = Duration::from_millis(250);

/// The latest change number, as the watcher last read it.
pub type ChangeSignal = watch::Receiver<i64>;

/// Starts the watcher; it stops when every receiver is gone.
pub fn start_watcher(state: &AppState) -> ChangeSignal {
    let (tx, rx) = watch::channel(0_i64);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(POLL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if tx.is_closed() {
                break;
            }
            let seq = db
                .call(|conn| {
                    Ok(
                        conn.query_row("SELECT seq FROM feed_counter WHERE id = 1", [], |row| {
                            row.get::<_, i64>(0)
                        })?,
                    )
                })
                .await;
            match seq {
                Ok(seq) => {
                    tx.send_if_modified(|current| {
                        let moved = *current != seq;
                        *current = seq;
                        moved
                    });
                }
                Err(error) => tracing::warn!(%error, "the change watcher could not read the feed"),
            }
        }
    });
    rx
}

/// True when the account can see a change after `after`.
pub async fn visible_change_after(
    state: &AppState,
    account_id: String,
    after: i64,
) -> Result<bool, ServerError> {
    state
        .db
        .call(move |conn| {
            let found = conn
                .prepare_cached(
                    "SELECT 1 FROM records r
                     LEFT JOIN account_patients ap
                       ON ap.patient_id = r.patient_id AND ap.account_id = ?1
                     WHERE r.seq > ?2 AND (r.patient_id IS NULL OR ap.account_id IS NOT NULL)
                     LIMIT 1",
                )?
                .exists(params![account_id, after])?;
            Ok(found)
        })
        .await
}
