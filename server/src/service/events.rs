//! "Pull now" hints for clients (`GET /v1/sync/events`, server-sent events).
//!
//! One watcher per server process reads the feed's change counter a few times a second
//! and broadcasts when it moves, so the hints work with several server processes over
//! one database too. Each connection then checks whether anything after what it last
//! announced is visible to its account, and only then sends `changed`.

use crate::db::Conn;
use crate::error::ServerError;
use crate::params;
use crate::state::AppState;
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
            let seq = db.call(|conn| read_seq(conn)).await;
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
            // A record of one of its patients or of the practice, or a lost profile;
            // each looked up by the (patient_id, seq) walk the feed takes.
            conn.exists(
                "SELECT 1 FROM account_patients ap
                 WHERE ap.account_id = ?1 AND EXISTS
                   (SELECT 1 FROM records r WHERE r.patient_id = ap.patient_id AND r.seq > ?2)
                 UNION ALL
                 SELECT 1 FROM records WHERE patient_id IS NULL AND seq > ?2
                 UNION ALL
                 SELECT 1 FROM access_revocations WHERE account_id = ?1 AND seq > ?2
                 LIMIT 1",
                params![account_id, after],
            )
        })
        .await
}

/// The feed's present change number.
pub async fn current_seq(state: &AppState) -> Result<i64, ServerError> {
    state.db.call(|conn| read_seq(conn)).await
}

fn read_seq(conn: &Conn) -> Result<i64, ServerError> {
    conn.query_one(
        "SELECT seq FROM feed_counter WHERE id = 1",
        params![],
        |row| row.get(0),
    )
}
