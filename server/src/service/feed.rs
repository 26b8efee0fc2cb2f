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

/// `GET /v1/sync`: the account's changes after `cursor`, oldest first, as the JSON of a
/// [`portal_model::sync::SyncPage`].
pub async fn page(
    state: &AppState,
    auth: Authenticated,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<Vec<u8>, ServerError> {
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
            // each patient the account lost access to. Each arm of the union is limited
            // too, so a page reads about its own size (walking `seq` from the cursor)
            // instead of sorting every later record; one statement, so one snapshot.
            let rows = conn.query_rows(
                "SELECT kind, id, patient_id, rev, seq, deleted, data, updated_at, role FROM
                   (SELECT * FROM
                      (SELECT r.kind, r.id, r.patient_id, r.rev, r.seq, r.deleted, r.data,
                              r.updated_at, ap.role
                       FROM records r
                       LEFT JOIN account_patients ap
                         ON ap.patient_id = r.patient_id AND ap.account_id = ?1
                       WHERE r.seq > ?2
                         AND (r.patient_id IS NULL OR ap.account_id IS NOT NULL)
                       ORDER BY r.seq
                       LIMIT ?3) AS own
                    UNION ALL
                    SELECT * FROM
                      (SELECT 'profile' AS kind, x.patient_id AS id, x.patient_id AS patient_id,
                              x.rev AS rev, x.seq AS seq, 1 AS deleted, '{}' AS data,
                              x.at AS updated_at, NULL AS role
                       FROM access_revocations x
                       WHERE x.account_id = ?1 AND x.seq > ?2
                       ORDER BY x.seq
                       LIMIT ?3) AS lost) AS feed
                 ORDER BY seq
                 LIMIT ?3",
                params![auth.account_id, after, i64::from(limit) + 1],
            )?;
            // The page's JSON (a `SyncPage`) is written directly: each stored record is
            // spliced in as text with the fields added on read, not parsed and encoded
            // again.
            let mut body = Vec::with_capacity(256 + rows.len() * 320);
            body.extend_from_slice(b"{\"changes\":[");
            let mut last = after;
            let mut has_more = false;
            for (index, row) in rows.iter().enumerate() {
                if index == limit as usize {
                    has_more = true;
                    break;
                }
                if index > 0 {
                    body.push(b',');
                }
                last = write_change(&mut body, row)?;
            }
            body.extend_from_slice(b"],\"cursor\":");
            let cursor = encode_cursor(Cursor {
                seq: last,
                purged_base,
            });
            write_json(&mut body, &cursor)?;
            body.extend_from_slice(if has_more {
                b",\"has_more\":true}"
            } else {
                b",\"has_more\":false}"
            });
            Ok(body)
        })
        .await
}

/// Appends a value as JSON.
fn write_json<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), ServerError> {
    serde_json::to_writer(out, value)
        .map_err(|e| ServerError::internal(format!("encoding the sync page: {e}")))
}

/// Keys the feed adds to a record's stored fields on read.
const ADDED_KEYS: [&str; 5] = ["id", "profile_id", "rev", "updated_at", "role"];

/// Reads a JSON object's top-level keys (skipping the values, without allocating):
/// true if one of them is a key the feed adds on read.
struct HasAddedKey;

impl<'de> serde::de::Visitor<'de> for HasAddedKey {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(added) = map.next_key_seed(IsAddedKey)? {
            found |= added;
            map.next_value::<serde::de::IgnoredAny>()?;
        }
        Ok(found)
    }
}

/// One key: whether it is one the feed adds.
struct IsAddedKey;

impl<'de> serde::de::DeserializeSeed<'de> for IsAddedKey {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl serde::de::Visitor<'_> for IsAddedKey {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(ADDED_KEYS.contains(&key))
    }
}

/// True if `fields` is a JSON object without any of the keys the feed adds, so the
/// added fields can be appended to its text as they are.
fn splices(fields: &str) -> bool {
    use serde::Deserializer as _;
    let mut reader = serde_json::Deserializer::from_str(fields);
    matches!(reader.deserialize_map(HasAddedKey), Ok(false)) && reader.end().is_ok()
}

/// Appends one row of the feed query as a `Change`, and returns its change number.
fn write_change(out: &mut Vec<u8>, row: &crate::db::Row) -> Result<i64, ServerError> {
    let missing = |column: &str| ServerError::internal(format!("feed row without {column}"));
    let kind = row.get_str(0)?.ok_or_else(|| missing("kind"))?;
    let id = row.get_str(1)?.ok_or_else(|| missing("id"))?;
    let patient_id = row.get_str(2)?;
    let rev: i64 = row.get(3)?;
    let seq: i64 = row.get(4)?;
    let deleted: bool = row.get(5)?;
    let data = row.get_str(6)?.ok_or_else(|| missing("data"))?;
    let updated_at: i64 = row.get(7)?;
    let role = row.get_str(8)?;
    out.extend_from_slice(b"{\"kind\":");
    write_json(out, kind)?;
    out.extend_from_slice(b",\"id\":");
    write_json(out, id)?;
    if let Some(patient) = patient_id {
        out.extend_from_slice(b",\"profile_id\":");
        write_json(out, patient)?;
    }
    out.extend_from_slice(if deleted {
        b",\"op\":\"delete\",\"rev\":"
    } else {
        b",\"op\":\"upsert\",\"rev\":"
    });
    write_json(out, &rev)?;
    if !deleted {
        out.extend_from_slice(b",\"data\":");
        let updated_at = crate::db::from_millis(updated_at)?
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        // A profile's role depends on who is asking.
        let role = (kind == "profile").then(|| role.unwrap_or_default());
        let fields = data.trim();
        // Stored records are objects without the keys added here; anything else takes
        // the slower path that replaces them (or reports a broken record).
        if splices(fields) && fields.ends_with('}') {
            let inner = &fields[..fields.len() - 1];
            out.extend_from_slice(inner.as_bytes());
            if !inner[1..].trim().is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(b"\"id\":");
            write_json(out, id)?;
            if let Some(patient) = patient_id {
                out.extend_from_slice(b",\"profile_id\":");
                write_json(out, patient)?;
            }
            out.extend_from_slice(b",\"rev\":");
            write_json(out, &rev)?;
            out.extend_from_slice(b",\"updated_at\":");
            write_json(out, &updated_at)?;
            if let Some(role) = role {
                out.extend_from_slice(b",\"role\":");
                write_json(out, role)?;
            }
            out.push(b'}');
        } else {
            let mut map: Map<String, Value> = serde_json::from_str(data)
                .map_err(|e| ServerError::internal(format!("stored record: {e}")))?;
            map.insert("id".into(), Value::String(id.to_owned()));
            if let Some(patient) = patient_id {
                map.insert("profile_id".into(), Value::String(patient.to_owned()));
            }
            map.insert("rev".into(), Value::from(rev));
            map.insert("updated_at".into(), Value::String(updated_at));
            if let Some(role) = role {
                map.insert("role".into(), Value::String(role.to_owned()));
            }
            write_json(out, &map)?;
        }
    }
    out.push(b'}');
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(data: &str, kind: &str, patient: Option<&str>, deleted: bool) -> Value {
        use crate::db::Value as Sql;
        let text = |s: &str| Sql::Text(s.to_owned());
        let row = crate::db::Row::new(vec![
            text(kind),
            text("rec_1"),
            patient.map_or(Sql::Null, text),
            Sql::Integer(3),
            Sql::Integer(42),
            Sql::Integer(i64::from(deleted)),
            text(data),
            Sql::Integer(1_785_000_000_000),
            if kind == "profile" {
                text("guardian")
            } else {
                Sql::Null
            },
        ]);
        let mut out = Vec::new();
        assert_eq!(write_change(&mut out, &row).unwrap(), 42);
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn changes_splice_the_stored_fields_as_the_map_did() {
        let at = "2026-07-25T17:20:00.000Z";
        // Nested `id`s stay; the added fields follow the stored ones.
        assert_eq!(
            change(
                r#"{"sender":{"kind":"provider","id":"prv_1"},"body":"hi \"id\": \u00e9"}"#,
                "message",
                Some("pat_1"),
                false
            ),
            serde_json::json!({"kind": "message", "id": "rec_1", "profile_id": "pat_1",
                "op": "upsert", "rev": 3, "data": {"sender": {"kind": "provider", "id": "prv_1"},
                "body": "hi \"id\": \u{e9}", "id": "rec_1", "profile_id": "pat_1", "rev": 3,
                "updated_at": at}})
        );
        // An empty object; a practice-wide record has no profile_id.
        assert_eq!(
            change(" {} ", "provider", None, false),
            serde_json::json!({"kind": "provider", "id": "rec_1", "op": "upsert", "rev": 3,
                "data": {"id": "rec_1", "rev": 3, "updated_at": at}})
        );
        // A stored key the feed adds is replaced, as before; a profile gets the role.
        assert_eq!(
            change(
                r#"{"rev":99,"role":"x","a":1}"#,
                "profile",
                Some("pat_1"),
                false
            ),
            serde_json::json!({"kind": "profile", "id": "rec_1", "profile_id": "pat_1",
                "op": "upsert", "rev": 3, "data": {"a": 1, "id": "rec_1", "profile_id": "pat_1",
                "rev": 3, "updated_at": at, "role": "guardian"}})
        );
        // A delete has no data; a broken record is an error, not a broken page.
        assert_eq!(
            change("{}", "message", Some("pat_1"), true),
            serde_json::json!({"kind": "message", "id": "rec_1", "profile_id": "pat_1",
                "op": "delete", "rev": 3})
        );
        let row = crate::db::Row::new(vec![
            crate::db::Value::Text("message".into()),
            crate::db::Value::Text("rec_1".into()),
            crate::db::Value::Null,
            crate::db::Value::Integer(1),
            crate::db::Value::Integer(1),
            crate::db::Value::Integer(0),
            crate::db::Value::Text("{\"a\":".into()),
            crate::db::Value::Integer(0),
            crate::db::Value::Null,
        ]);
        assert!(write_change(&mut Vec::new(), &row).is_err());
    }

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
