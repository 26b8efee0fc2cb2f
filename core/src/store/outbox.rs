//! The durable outbox: each write the patient makes is a mutation stored with its
//! optimistic local effect in one transaction, sent in order, and on a refusal undone
//! from what the effect replaced.

use super::Cached as _;
use super::Store;
use super::apply::{RecordRow, delete_record, write_record};
use crate::error::CoreError;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Map, Value, json};

/// The id a new conversation has on this device until the server's copy arrives: the
/// conversation that `write_id` (a `send_message` to a new thread) opened.
pub fn local_thread_id(write_id: &str) -> String {
    format!("local-thread-{write_id}")
}

/// The id a message has on this device until the server's copy arrives.
pub fn local_message_id(write_id: &str) -> String {
    format!("local-{write_id}")
}

/// The write that made a message of this device, for an id of [`local_message_id`].
pub fn write_of_local_message(message_id: &str) -> Option<&str> {
    message_id.strip_prefix("local-")
}

/// Where a write is on its way to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteState {
    /// Waiting to be sent (offline, or after a failed attempt).
    Queued,
    /// Being sent now (or when the app stopped; it is sent again, safely).
    Sending,
    /// Accepted by the server; shown until the server's own version is pulled.
    Sent,
    /// Refused by the server: its effect was undone; retry or discard it.
    Failed,
}

impl WriteState {
    fn from_db(text: &str) -> Self {
        match text {
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => Self::Queued,
        }
    }
}

/// A write in the outbox, as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: String,
    pub kind: String,
    pub profile_id: String,
    pub args: Value,
    pub state: WriteState,
    pub attempts: u32,
    /// Why the server refused it (`Failed` only): code, words, and form fields.
    pub error: Option<WriteError>,
}

/// Why the server refused a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub code: String,
    pub message: String,
    pub fields: Vec<String>,
}

/// A mutation to store and send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingWrite {
    pub id: String,
    pub kind: String,
    pub profile_id: String,
    pub args: Value,
}

/// What the outbox holds next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NextSend {
    Nothing,
    /// The first write in line waits for its retry time (Unix ms).
    WaitUntil(i64),
    Send(PendingWrite, u32),
}

fn stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A record's row as stored, for putting it back later.
struct SavedRow {
    profile_id: Option<String>,
    rev: i64,
    data: Value,
    local_mutation: Option<String>,
}

fn current_row(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
) -> Result<Option<SavedRow>, rusqlite::Error> {
    tx.one(
        "SELECT profile_id, rev, data, local_mutation FROM records WHERE kind = ?1 AND id = ?2",
        params![kind, id],
        |row| {
            let data: String = row.get(2)?;
            Ok(SavedRow {
                profile_id: row.get(0)?,
                rev: row.get(1)?,
                data: serde_json::from_str(&data).unwrap_or(Value::Null),
                local_mutation: row.get(3)?,
            })
        },
    )
    .optional()
}

/// Writes `data` for a record as part of mutation `mutation_id`, first keeping what it
/// replaces (only the first time this mutation touches the record).
fn put(
    tx: &Transaction<'_>,
    mutation_id: &str,
    kind: &str,
    id: &str,
    profile_id: &str,
    data: &Value,
    local: bool,
) -> Result<(), rusqlite::Error> {
    let previous = current_row(tx, kind, id)?;
    let saved = previous.as_ref().map(|p| {
        json!({"profile_id": p.profile_id, "rev": p.rev, "data": p.data,
               "local_mutation": p.local_mutation})
        .to_string()
    });
    tx.run(
        "INSERT INTO outbox_undo (mutation_id, kind, id, previous) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
        params![mutation_id, kind, id, saved],
    )?;
    let rev = previous.as_ref().map_or(0, |p| p.rev);
    let local_mutation = if local {
        Some(mutation_id)
    } else {
        previous.as_ref().and_then(|p| p.local_mutation.as_deref())
    };
    write_record(
        tx,
        &RecordRow {
            kind,
            id,
            profile_id: Some(profile_id),
            rev,
            data,
            local_mutation,
        },
    )
}

/// The record's data with `changes` merged in, or `None` when the record is not here.
fn merged(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
    changes: &[(&str, Value)],
) -> Result<Option<Value>, rusqlite::Error> {
    Ok(current_row(tx, kind, id)?.map(|row| {
        let mut data = row.data;
        if let Value::Object(map) = &mut data {
            for (field, value) in changes {
                map.insert((*field).to_owned(), value.clone());
            }
        }
        data
    }))
}

fn text(args: &Value, name: &str) -> Option<String> {
    args.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// Lays a write's optimistic effect over the local records.
pub(super) fn effect(
    tx: &Transaction<'_>,
    write: &PendingWrite,
    now_ms: i64,
) -> Result<(), rusqlite::Error> {
    let (m, profile, args, now) = (
        write.id.as_str(),
        write.profile_id.as_str(),
        &write.args,
        stamp(now_ms),
    );
    match write.kind.as_str() {
        "send_message" => {
            let thread_id = match text(args, "thread_id") {
                Some(thread_id) => {
                    if let Some(data) =
                        merged(tx, "thread", &thread_id, &[("last_message_at", json!(now))])?
                    {
                        put(tx, m, "thread", &thread_id, profile, &data, false)?;
                    }
                    thread_id
                }
                None => {
                    let thread_id = local_thread_id(m);
                    let data = json!({"id": thread_id, "profile_id": profile,
                        "rev": 0, "updated_at": now,
                        "subject": text(args, "subject").unwrap_or_default(),
                        "provider_ids": text(args, "provider_id").into_iter().collect::<Vec<_>>(),
                        "last_message_at": now, "unread_count": 0, "pending": true});
                    put(tx, m, "thread", &thread_id, profile, &data, true)?;
                    thread_id
                }
            };
            let id = local_message_id(m);
            let data = json!({"id": id, "profile_id": profile, "thread_id": thread_id,
                "rev": 0, "updated_at": now,
                "sender": {"kind": "patient", "id": profile},
                "body": text(args, "body").unwrap_or_default(), "sent_at": now,
                "attachment_ids": args.get("attachment_ids").cloned().unwrap_or(json!([])),
                "read_at": now, "pending": true});
            put(tx, m, "message", &id, profile, &data, true)
        }
        "mark_read" => {
            let Some(thread_id) = text(args, "thread_id") else {
                return Ok(());
            };
            if let Some(data) = merged(tx, "thread", &thread_id, &[("unread_count", json!(0))])? {
                put(tx, m, "thread", &thread_id, profile, &data, false)?;
            }
            let unread: Vec<String> = tx
                .prepare(
                    "SELECT id FROM records WHERE kind = 'message' AND parent_id = ?1
                       AND json_extract(data, '$.read_at') IS NULL",
                )?
                .query_map(params![thread_id], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            for id in unread {
                if let Some(data) = merged(tx, "message", &id, &[("read_at", json!(now))])? {
                    put(tx, m, "message", &id, profile, &data, false)?;
                }
            }
            Ok(())
        }
        "cancel_appointment" | "confirm_appointment" => {
            let Some(id) = text(args, "appointment_id") else {
                return Ok(());
            };
            let status = if write.kind == "cancel_appointment" {
                "cancelled"
            } else {
                "confirmed"
            };
            if let Some(data) = merged(tx, "appointment", &id, &[("status", json!(status))])? {
                put(tx, m, "appointment", &id, profile, &data, false)?;
            }
            Ok(())
        }
        "save_form_draft" | "submit_form" => {
            let Some(form_id) = text(args, "form_id") else {
                return Ok(());
            };
            let submitted = write.kind == "submit_form";
            let existing: Option<String> = tx
                .query_row(
                    "SELECT id FROM records WHERE kind = 'form_response' AND parent_id = ?1
                       AND profile_id = ?2",
                    params![form_id, profile],
                    |row| row.get(0),
                )
                .optional()?;
            let answers = args.get("answers").cloned().unwrap_or(json!({}));
            let status = if submitted { "submitted" } else { "draft" };
            let mut changes = vec![("answers", answers.clone()), ("status", json!(status))];
            if submitted {
                changes.push(("submitted_at", json!(now)));
            }
            match existing {
                Some(id) => {
                    if let Some(data) = merged(tx, "form_response", &id, &changes)? {
                        put(tx, m, "form_response", &id, profile, &data, false)?;
                    }
                    Ok(())
                }
                None => {
                    let id = format!("local-{m}");
                    let mut data = Map::new();
                    data.insert("id".into(), json!(id));
                    data.insert("profile_id".into(), json!(profile));
                    data.insert("form_id".into(), json!(form_id));
                    data.insert("rev".into(), json!(0));
                    data.insert("updated_at".into(), json!(now));
                    data.insert("pending".into(), json!(true));
                    for (field, value) in changes {
                        data.insert(field.to_owned(), value);
                    }
                    put(
                        tx,
                        m,
                        "form_response",
                        &id,
                        profile,
                        &Value::Object(data),
                        true,
                    )
                }
            }
        }
        "update_contact" => {
            let Some(Value::Object(fields)) = args.get("fields") else {
                return Ok(());
            };
            let changes: Vec<(&str, Value)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            if let Some(data) = merged(tx, "profile", profile, &changes)? {
                put(tx, m, "profile", profile, profile, &data, false)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Puts back what a write's effect replaced.
fn revert(tx: &Transaction<'_>, mutation_id: &str) -> Result<(), rusqlite::Error> {
    let saved: Vec<(String, String, Option<String>)> = tx
        .prepare("SELECT kind, id, previous FROM outbox_undo WHERE mutation_id = ?1")?
        .query_map(params![mutation_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (kind, id, previous) in saved {
        match previous.and_then(|p| serde_json::from_str::<Value>(&p).ok()) {
            None => {
                delete_record(tx, &kind, &id)?;
            }
            Some(row) => write_record(
                tx,
                &RecordRow {
                    kind: &kind,
                    id: &id,
                    profile_id: row["profile_id"].as_str(),
                    rev: row["rev"].as_i64().unwrap_or(0),
                    data: &row["data"],
                    local_mutation: row["local_mutation"].as_str(),
                },
            )?,
        }
    }
    tx.run(
        "DELETE FROM outbox_undo WHERE mutation_id = ?1",
        params![mutation_id],
    )?;
    Ok(())
}

fn pending_write(row: &rusqlite::Row<'_>) -> Result<PendingWrite, rusqlite::Error> {
    let args: String = row.get(3)?;
    Ok(PendingWrite {
        id: row.get(0)?,
        kind: row.get(1)?,
        profile_id: row.get(2)?,
        args: serde_json::from_str(&args).unwrap_or(Value::Null),
    })
}

/// After a pulled page: local stand-ins of writes the server had accepted before the
/// page was asked for go (the page has the server's versions), and writes still
/// waiting are laid again over the records the page replaced.
pub(super) fn settle_after_pull(
    tx: &Transaction<'_>,
    requested_at_ms: i64,
    changed: &[(String, String)],
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    let settled: Vec<(String, String)> = tx
        .prepare(
            "SELECT kind, id FROM records WHERE local_mutation IN (
               SELECT id FROM outbox WHERE state = 'sent' AND sent_at <= ?1)",
        )?
        .query_map(params![requested_at_ms], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    tx.run(
        "DELETE FROM records WHERE local_mutation IN (
           SELECT id FROM outbox WHERE state = 'sent' AND sent_at <= ?1)",
        params![requested_at_ms],
    )?;
    tx.run(
        "DELETE FROM outbox WHERE state = 'sent' AND sent_at <= ?1",
        params![requested_at_ms],
    )?;
    if changed.is_empty() {
        return Ok(settled);
    }
    let waiting: Vec<PendingWrite> = tx
        .prepare(
            "SELECT id, kind, profile_id, args FROM outbox
             WHERE state IN ('queued', 'sending') ORDER BY seq",
        )?
        .query_map([], pending_write)?
        .collect::<Result<_, _>>()?;
    let now = chrono::Utc::now().timestamp_millis();
    for write in waiting {
        let mut touched = false;
        for (kind, id) in changed {
            // The server's version is the new base to put back on a refusal.
            touched |= tx.run(
                "DELETE FROM outbox_undo WHERE mutation_id = ?1 AND kind = ?2 AND id = ?3",
                params![write.id, kind, id],
            )? > 0;
        }
        if touched {
            effect(tx, &write, now)?;
        }
    }
    Ok(settled)
}

/// The records a write's effect touched.
fn touched(
    tx: &Transaction<'_>,
    mutation_id: &str,
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    tx.prepare("SELECT kind, id FROM outbox_undo WHERE mutation_id = ?1")?
        .query_map(params![mutation_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

impl Store {
    /// Stores a write and its optimistic effect, in one transaction; returns the
    /// records the effect touched.
    pub(crate) async fn enqueue(
        &self,
        write: PendingWrite,
        now_ms: i64,
    ) -> Result<Vec<(String, String)>, CoreError> {
        self.write(move |tx| {
            let args = write.args.to_string();
            tx.run(
                "INSERT INTO outbox (id, kind, profile_id, args, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'queued', ?5)",
                params![write.id, write.kind, write.profile_id, args, now_ms],
            )?;
            effect(tx, &write, now_ms)?;
            let keys = touched(tx, &write.id)?;
            Ok(keys)
        })
        .await
    }

    /// The first write in line, if it may be sent at `now_ms`. A write left `sending`
    /// by a stopped app is first in line again (the server ignores a repeat).
    pub(crate) async fn next_to_send(&self, now_ms: i64) -> Result<NextSend, CoreError> {
        self.call(move |conn| {
            let next = conn
                .query_row(
                    "SELECT id, kind, profile_id, args, attempts, next_attempt_at FROM outbox
                     WHERE state IN ('queued', 'sending') ORDER BY seq LIMIT 1",
                    [],
                    |row| {
                        Ok((
                            pending_write(row)?,
                            row.get::<_, u32>(4)?,
                            row.get::<_, i64>(5)?,
                        ))
                    },
                )
                .optional()?;
            Ok(match next {
                None => NextSend::Nothing,
                Some((_, _, at)) if at > now_ms => NextSend::WaitUntil(at),
                Some((write, attempts, _)) => NextSend::Send(write, attempts),
            })
        })
        .await
    }

    /// Moves a write to `state` (`sending`, or back to `queued` with its retry time).
    pub(crate) async fn set_sending(&self, id: &str) -> Result<(), CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.run(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?1",
                params![id],
            )
            .map(drop)
        })
        .await
    }

    /// Puts a write back in line, to be tried again at `retry_at_ms`.
    pub(crate) async fn requeue(&self, id: &str, retry_at_ms: i64) -> Result<(), CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.run(
                "UPDATE outbox SET state = 'queued', next_attempt_at = ?2 WHERE id = ?1",
                params![id, retry_at_ms],
            )
            .map(drop)
        })
        .await
    }

    /// Writes waiting out a backoff become due at `now_ms` (the server answers again);
    /// how many.
    pub(crate) async fn due_now(&self, now_ms: i64) -> Result<usize, CoreError> {
        self.call(move |conn| {
            conn.run(
                "UPDATE outbox SET next_attempt_at = ?1
                  WHERE state = 'queued' AND next_attempt_at > ?1",
                params![now_ms],
            )
        })
        .await
    }

    /// The server accepted the write (or had already).
    pub(crate) async fn mark_sent(&self, id: &str, now_ms: i64) -> Result<(), CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.run(
                "UPDATE outbox SET state = 'sent', sent_at = ?2 WHERE id = ?1",
                params![id, now_ms],
            )?;
            tx.run(
                "DELETE FROM outbox_undo WHERE mutation_id = ?1",
                params![id],
            )?;
            tx.commit()
        })
        .await
    }

    /// The server refused the write: its effect is undone and the reason kept. Returns
    /// the records put back.
    pub(crate) async fn reject(
        &self,
        id: &str,
        error: WriteError,
    ) -> Result<Vec<(String, String)>, CoreError> {
        let id = id.to_owned();
        self.write(move |tx| {
            let keys = touched(tx, &id)?;
            revert(tx, &id)?;
            tx.run(
                "UPDATE outbox SET state = 'failed', error_code = ?2, error_message = ?3,
                   error_fields = ?4 WHERE id = ?1",
                params![
                    id,
                    error.code,
                    error.message,
                    serde_json::to_string(&error.fields).unwrap_or_default()
                ],
            )?;
            Ok(keys)
        })
        .await
    }

    /// A refused write goes back in line, its effect laid again.
    pub(crate) async fn retry(
        &self,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<Vec<(String, String)>>, CoreError> {
        let id = id.to_owned();
        self.write(move |tx| {
            let write = tx
                .query_row(
                    "SELECT id, kind, profile_id, args FROM outbox
                     WHERE id = ?1 AND state = 'failed'",
                    params![id],
                    pending_write,
                )
                .optional()?;
            let Some(write) = write else {
                return Ok(None);
            };
            tx.run(
                "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = 0,
                   error_code = NULL, error_message = NULL, error_fields = NULL,
                   seq = (SELECT MAX(seq) + 1 FROM outbox)
                 WHERE id = ?1",
                params![id],
            )?;
            effect(tx, &write, now_ms)?;
            let keys = touched(tx, &write.id)?;
            Ok(Some(keys))
        })
        .await
    }

    /// Drops a queued or refused write, undoing its effect; false when it is being
    /// sent or already sent.
    pub(crate) async fn discard(
        &self,
        id: &str,
    ) -> Result<Option<Vec<(String, String)>>, CoreError> {
        let id = id.to_owned();
        self.write(move |tx| {
            let state: Option<String> = tx
                .query_row(
                    "SELECT state FROM outbox WHERE id = ?1",
                    params![id],
                    |row| row.get(0),
                )
                .optional()?;
            if !matches!(state.as_deref(), Some("queued" | "failed")) {
                return Ok(None);
            }
            let keys = touched(tx, &id)?;
            revert(tx, &id)?;
            tx.run("DELETE FROM outbox WHERE id = ?1", params![id])?;
            Ok(Some(keys))
        })
        .await
    }

    /// Every write not yet settled, oldest first.
    pub(crate) async fn outbox_items(&self) -> Result<Vec<OutboxItem>, CoreError> {
        self.call(|conn| {
            let mut statement = conn.prepare(
                "SELECT id, kind, profile_id, args, state, attempts, error_code, error_message,
                        error_fields
                 FROM outbox ORDER BY seq",
            )?;
            statement
                .query_map([], |row| {
                    let args: String = row.get(3)?;
                    let state: String = row.get(4)?;
                    let code: Option<String> = row.get(6)?;
                    let fields: Option<String> = row.get(8)?;
                    Ok(OutboxItem {
                        id: row.get(0)?,
                        kind: row.get(1)?,
                        profile_id: row.get(2)?,
                        args: serde_json::from_str(&args).unwrap_or(Value::Null),
                        state: WriteState::from_db(&state),
                        attempts: row.get(5)?,
                        error: code.map(|code| WriteError {
                            code,
                            message: row
                                .get::<_, Option<String>>(7)
                                .ok()
                                .flatten()
                                .unwrap_or_default(),
                            fields: fields
                                .and_then(|f| serde_json::from_str(&f).ok())
                                .unwrap_or_default(),
                        }),
                    })
                })?
                .collect()
        })
        .await
    }
}
