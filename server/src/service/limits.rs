//! Fixed-window request limits for the public endpoints that send email (reset, renew,
//! join), keyed by a hash of what they are about so the table holds no addresses.

use crate::db::Conn;
use crate::db::{from_millis, millis};
use crate::error::ServerError;
use crate::params;
use chrono::{DateTime, Duration, Utc};

/// Counts one request under `key`; past `max` in `window`, answers 429.
pub fn hit(
    conn: &Conn,
    key: &str,
    max: i64,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    let row: Option<(i64, i64)> = conn.query_opt(
        "SELECT window_start, count FROM rate_limits WHERE key = ?1",
        params![key],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let (start, count) = match row {
        Some((start, count)) if from_millis(start)? + window > now => (start, count + 1),
        _ => (millis(now), 1),
    };
    if count > max {
        let ends = from_millis(start)? + window;
        let wait = ((ends - now).num_milliseconds() + 999).max(1000) as u64 / 1000;
        return Err(ServerError::RateLimited {
            retry_after_secs: wait,
            message: "Too many requests. Please wait a while before trying again.".to_owned(),
        });
    }
    conn.execute(
        "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET window_start = ?2, count = ?3",
        params![key, start, count],
    )?;
    Ok(())
}
