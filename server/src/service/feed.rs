//! The sync feed: records a patient can see, each at its latest change number.
//!
//! Every write goes through [`put`] or [`remove`] inside the writer's transaction. The
//! change number comes from one counter row, so writes are numbered in commit order
//! (SQLite has one writer; on PostgreSQL the counter row's lock serialises them), and a
//! cursor never passes a change that commits later.

use crate::db::{Conn, millis};
use crate::error::ServerError;
use crate::params;
use crate::service::sessions::Authenticated;
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use portal_model::sync::{Change, ChangeOp, SyncPage};
use serde_json::{Map, Value};

/// The largest page a client may ask for, and the default.
pub const MAX_LIMIT: u32 = 1000;
pub const DEFAULT_LIMIT: u32 = 500;

fn next_seq(tx: &Conn) -> Result<i64, ServerError> {
    tx.query_one(
        "UPDATE feed_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq",
        params![],
        |row| row.get(0),
    )
}

/// Creates or replaces a record and gives it the next change number. `data` is the
/// record's own fields; `id`, `profile_id`, `rev` and `updated_at` are added on read.
pub fn put(
    tx: &Conn,
    kind: &str,
    id: &str,
    patient_id: Option<&str>,
    data: &Value,
    now: DateTime<Utc>,
) -> Result<i64, ServerError> {
    let seq = next_seq(tx)?;
    let json = serde_json::to_string(data)
        .map_err(|e| ServerError::internal(format!("encoding a record: {e}")))?;
    let rev: i64 = tx.query_one(
        "INSERT INTO records (kind, id, patient_id, rev, seq, deleted, data, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, 0, ?5, ?6)
         ON CONFLICT (kind, id) DO UPDATE SET
           patient_id = ?3, rev = records.rev + 1, seq = ?4, deleted = 0, data = ?5, updated_at = ?6
         RETURNING rev",
        params![kind, id, patient_id, seq, json, millis(now)],
        |row| row.get(0),
    )?;
    Ok(rev)
}

/// Marks a record deleted (a tombstone that the feed sends as a delete).
pub fn remove(tx: &Conn, kind: &str, id: &str, now: DateTime<Utc>) -> Result<bool, ServerError> {
    let seq = next_seq(tx)?;
    let changed = tx.execute(
        "UPDATE records SET deleted = 1, rev = rev + 1, seq = ?1, data = '{}', updated_at = ?2
         WHERE kind = ?3 AND id = ?4 AND deleted = 0",
        params![seq, millis(now), kind, id],
    )?;
    Ok(changed > 0)
}

/// Staff delete a record: a tombstone for the patient's feed, and an audit entry.
pub async fn admin_delete(
    state: &AppState,
    kind: &'static str,
    id: String,
    missing: &'static str,
) -> Result<(), ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            if !remove(&tx, kind, &id, now)? {
                return Err(ServerError::api(
                    axum::http::StatusCode::NOT_FOUND,
                    portal_model::ErrorCode::NotFound,
                    missing,
                ));
            }
            crate::service::audit::record(
                &tx,
                millis(now),
                "admin",
                &format!("{kind}.delete"),
                &id,
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// A record's current data and revision, if it exists and is not deleted.
pub fn get(
    tx: &Conn,
    kind: &str,
    id: &str,
) -> Result<Option<(Option<String>, i64, Value)>, ServerError> {
    let row: Option<(Option<String>, i64, String)> = tx.query_opt(
        "SELECT patient_id, rev, data FROM records WHERE kind = ?1 AND id = ?2 AND deleted = 0",
        params![kind, id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    row.map(|(patient, rev, data)| {
        serde_json::from_str(&data)
            .map(|value| (patient, rev, value))
            .map_err(|e| ServerError::internal(format!("stored record: {e}")))
    })
    .transpose()
}

/// Gives every record of a patient a new change number, so that an account that just
/// gained the patient receives them all after its current cursor.
pub fn resend_patient(tx: &Conn, patient_id: &str) -> Result<(), ServerError> {
    let keys: Vec<(String, String)> = tx.query_all(
        "SELECT kind, id FROM records WHERE patient_id = ?1 ORDER BY seq",
        params![patient_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    for (kind, id) in keys {
        let seq = next_seq(tx)?;
        tx.execute(
            "UPDATE records SET seq = ?1 WHERE kind = ?2 AND id = ?3",
            params![seq, kind, id],
        )?;
    }
    Ok(())
}

/// An account can no longer act for a patient: its feed delivers the patient's
/// `profile` as a delete, after which the client purges everything of that profile.
/// Called in the transaction that removes the access.
pub fn revoke_access(
    tx: &Conn,
    account_id: &str,
    patient_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    let seq = next_seq(tx)?;
    // One past the profile's revision, so the delete supersedes what the client holds.
    let rev = tx
        .query_opt(
            "SELECT rev FROM records WHERE kind = 'profile' AND id = ?1",
            params![patient_id],
            |row| row.get::<i64>(0),
        )?
        .unwrap_or(0)
        + 1;
    tx.execute(
        "INSERT INTO access_revocations (account_id, patient_id, rev, seq, at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account_id, patient_id) DO UPDATE SET rev = ?3, seq = ?4, at = ?5",
        params![account_id, patient_id, rev, seq, millis(now)],
    )?;
    Ok(())
}

/// An account (again) acts for a patient: a lost-access delete no longer applies. The
/// caller resends the patient's records ([`resend_patient`]).
pub fn restore_access(tx: &Conn, account_id: &str, patient_id: &str) -> Result<(), ServerError> {
    tx.execute(
        "DELETE FROM access_revocations WHERE account_id = ?1 AND patient_id = ?2",
        params![account_id, patient_id],
    )?;
    Ok(())
}

/// How long deletes stay in the feed before they are purged. A client that has not
/// synced for longer starts over (`cursor_expired`).
pub const TOMBSTONE_RETENTION: chrono::Duration = chrono::Duration::days(30);

/// Removes tombstones older than the retention, and remembers the highest change
/// number removed: cursors before it can no longer be continued. Returns how many.
pub async fn purge_tombstones(state: &AppState) -> Result<usize, ServerError> {
    let before = millis(state.clock.now() - TOMBSTONE_RETENTION);
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let highest: Option<i64> = tx.query_one(
                "SELECT MAX(seq) FROM
                   (SELECT seq FROM records WHERE deleted = 1 AND updated_at < ?1
                    UNION ALL
                    SELECT seq FROM access_revocations WHERE at < ?1) AS old",
                params![before],
                |row| row.get(0),
            )?;
            let Some(highest) = highest else {
                return Ok(0);
            };
            let removed = tx.execute(
                "DELETE FROM records WHERE deleted = 1 AND updated_at < ?1",
                params![before],
            )? + tx.execute(
                "DELETE FROM access_revocations WHERE at < ?1",
                params![before],
            )?;
            tx.execute(
                "UPDATE feed_counter SET purged_through = ?1 WHERE id = 1 AND purged_through < ?1",
                params![highest],
            )?;
            tx.commit()?;
            Ok(removed)
        })
        .await
}

/// Purges tombstones once an hour for as long as the server runs.
pub fn start_purger(state: AppState) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            ticker.tick().await;
            match purge_tombstones(&state).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "purged old deletes from the sync feed"),
                Err(error) => tracing::warn!(%error, "purging the sync feed failed"),
            }
        }
    });
}

/// A place in the feed: the last change number sent, and how far deletes had been
/// purged when this pass through the feed started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub seq: i64,
    pub purged_base: i64,
}

/// Encodes a place in the feed as an opaque cursor.
pub fn encode_cursor(cursor: Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("v2:{}:{}", cursor.seq, cursor.purged_base))
}

/// Decodes a cursor (this version's, or a `v1` one from before, which carries no purge
/// base); anything else is a bad request.
pub fn decode_cursor(cursor: &str) -> Result<Cursor, ServerError> {
    let bad = || ServerError::bad_request("The cursor is not one this server handed out.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let number = |n: &str| n.parse::<i64>().ok().filter(|n| *n >= 0);
    if let Some(rest) = text.strip_prefix("v2:") {
        let (seq, base) = rest.split_once(':').ok_or_else(bad)?;
        return Ok(Cursor {
            seq: number(seq).ok_or_else(bad)?,
            purged_base: number(base).ok_or_else(bad)?,
        });
    }
    let seq = text.strip_prefix("v1:").and_then(number).ok_or_else(bad)?;
    Ok(Cursor {
        seq,
        purged_base: 0,
    })
}

/// `GET /v1/sync`: the account's changes after `cursor`, oldest first.
pub async fn page(
    state: &AppState,
    auth: Authenticated,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<SyncPage, ServerError> {
    let from = cursor.as_deref().map(decode_cursor).transpose()?;
    let after = from.map_or(0, |c| c.seq);
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServerError::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}."
        )));
    }
    state
        .db
        .call(move |conn| {
            let purged_through: i64 = conn.query_one(
                "SELECT purged_through FROM feed_counter WHERE id = 1",
                params![],
                |row| row.get(0),
            )?;
            // A pass that started before deletes past its position were purged may have
            // missed them: it cannot be continued safely. A pass that started after the
            // last purge missed nothing (it never saw the purged records).
            let purged_base = from.map_or(purged_through, |c| c.purged_base);
            if after > 0 && after < purged_through && purged_base < purged_through {
                return Err(ServerError::api(
                    axum::http::StatusCode::GONE,
                    portal_model::ErrorCode::CursorExpired,
                    "This sync position is too old: start again without a cursor.",
                ));
            }
            // The account's records and the practice's, plus a profile delete for
            // each patient the account lost access to.
            let rows = conn.query_all(
                "SELECT kind, id, patient_id, rev, seq, deleted, data, updated_at, role FROM
                   (SELECT r.kind, r.id, r.patient_id, r.rev, r.seq, r.deleted, r.data,
                           r.updated_at, ap.role
                    FROM records r
                    LEFT JOIN account_patients ap
                      ON ap.patient_id = r.patient_id AND ap.account_id = ?1
                    WHERE r.seq > ?2
                      AND (r.patient_id IS NULL OR ap.account_id IS NOT NULL)
                    UNION ALL
                    SELECT 'profile', x.patient_id, x.patient_id, x.rev, x.seq, 1, '{}', x.at,
                           NULL
                    FROM access_revocations x
                    WHERE x.account_id = ?1 AND x.seq > ?2) AS feed
                 ORDER BY seq
                 LIMIT ?3",
                params![auth.account_id, after, i64::from(limit) + 1],
                |row| Ok(row.clone()),
            )?;
            let mut changes = Vec::new();
            let mut last = after;
            let mut has_more = false;
            for row in &rows {
                if changes.len() == limit as usize {
                    has_more = true;
                    break;
                }
                let kind: String = row.get(0)?;
                let id: String = row.get(1)?;
                let patient_id: Option<String> = row.get(2)?;
                let rev: i64 = row.get(3)?;
                let seq: i64 = row.get(4)?;
                let deleted: bool = row.get(5)?;
                let data: String = row.get(6)?;
                let updated_at: i64 = row.get(7)?;
                let role: Option<String> = row.get(8)?;
                last = seq;
                let data = if deleted {
                    None
                } else {
                    let mut map: Map<String, Value> = serde_json::from_str(&data)
                        .map_err(|e| ServerError::internal(format!("stored record: {e}")))?;
                    map.insert("id".into(), Value::String(id.clone()));
                    if let Some(patient) = &patient_id {
                        map.insert("profile_id".into(), Value::String(patient.clone()));
                    }
                    map.insert("rev".into(), Value::from(rev));
                    map.insert(
                        "updated_at".into(),
                        Value::String(
                            crate::db::from_millis(updated_at)?
                                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        ),
                    );
                    // A profile's role depends on who is asking.
                    if kind == "profile" {
                        map.insert("role".into(), Value::String(role.unwrap_or_default()));
                    }
                    Some(Value::Object(map))
                };
                changes.push(Change {
                    kind,
                    id,
                    profile_id: patient_id,
                    op: if deleted {
                        ChangeOp::Delete
                    } else {
                        ChangeOp::Upsert
                    },
                    rev,
                    data,
                });
            }
            Ok(SyncPage {
                changes,
                cursor: encode_cursor(Cursor {
                    seq: last,
                    purged_base,
                }),
                has_more,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let cursor = Cursor {
            seq: 42,
            purged_base: 7,
        };
        assert_eq!(decode_cursor(&encode_cursor(cursor)).unwrap(), cursor);
        // A cursor from before this version still works, with no purge base.
        assert_eq!(
            decode_cursor(&URL_SAFE_NO_PAD.encode("v1:42")).unwrap(),
            Cursor {
                seq: 42,
                purged_base: 0
            }
        );
        for bad in ["", "42", "djE6LTE", "%%%", "djI6NDI", "djI6NDI6LTE"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
