//! "Pull now" hints for clients (`GET /v1/sync/events`, server-sent events).
//!
//! One watcher per server process reads the feed's change counter as soon as this
//! process moved it (and a few times a second, for other server processes sharing the
//! database) and broadcasts when it moves. Each connection then checks whether anything
//! after what it last announced is visible to its account, and only then sends
//! `changed`.

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
    let moved_here = db.feed_moved();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(POLL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // A change made by this process is announced at once; the poll catches
            // those of other processes sharing the database.
            tokio::select! {
                _ = ticker.tick() => {}
                () = moved_here.notified() => {}
            }
            if tx.is_closed() {
                break;
            }
            let seq = db.read(|conn| read_seq(conn)).await;
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
    // On a read connection: every open event stream asks this at each change, and the
    // writer is for writes.
    state
        .db
        .read(move |conn| {
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
    state.db.read(|conn| read_seq(conn)).await
}

/// Event streams open at most per account (a few devices and windows), beyond which a
/// new one answers 429 `too_many_streams`.
pub const STREAMS_PER_ACCOUNT: usize = 5;
/// Event streams open at most in all.
pub const STREAMS_IN_ALL: usize = 5_000;

/// The event streams open now, per account.
#[derive(Default)]
pub struct Streams {
    open: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

/// One open stream: counted until it drops (when the stream ends).
pub struct StreamTicket {
    streams: std::sync::Arc<Streams>,
    account_id: String,
}

impl Streams {
    /// Counts a new stream of `account_id`, or refuses it past the limits.
    pub fn open(
        self: &std::sync::Arc<Self>,
        account_id: &str,
    ) -> Result<StreamTicket, ServerError> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let total: usize = open.values().sum();
        let mine = open.get(account_id).copied().unwrap_or(0);
        if mine >= STREAMS_PER_ACCOUNT || total >= STREAMS_IN_ALL {
            return Err(ServerError::api(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                portal_model::ErrorCode::TooManyStreams,
                "Too many event streams are open for this account: close one (or pull \
                 without one).",
            ));
        }
        *open.entry(account_id.to_owned()).or_default() += 1;
        Ok(StreamTicket {
            streams: std::sync::Arc::clone(self),
            account_id: account_id.to_owned(),
        })
    }
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        let mut open = self
            .streams
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.account_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.account_id);
            }
        }
    }
}

fn read_seq(conn: &Conn) -> Result<i64, ServerError> {
    conn.query_one(
        "SELECT seq FROM feed_counter WHERE id = 1",
        params![],
        |row| row.get(0),
    )
}
