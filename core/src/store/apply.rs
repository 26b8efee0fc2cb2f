//! Applying pulled pages: each page and its cursor in one transaction, so that a page
//! that fails halfway leaves the database as it was.

use super::Store;
use crate::error::CoreError;
use portal_model::sync::{Change, ChangeOp, SyncPage};
use rusqlite::{Transaction, params};
use serde_json::Value;

/// What a page changed, for fine-grained notifications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// `(kind, id)` of every record upserted or deleted, in feed order.
    pub changed: Vec<(String, String)>,
    /// Profiles purged because the account lost access to them.
    pub purged_profiles: Vec<String>,
}

impl Store {
    /// Applies `page` and stores its cursor, in one transaction. `requested_at_ms` is
    /// when the page was asked for: writes the server had accepted by then are in the
    /// feed, so their local stand-ins go. Writes still waiting are laid again over
    /// the records the page replaced.
    pub async fn apply_page(
        &self,
        page: SyncPage,
        requested_at_ms: i64,
    ) -> Result<Applied, CoreError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let mut applied = Applied::default();
            for change in &page.changes {
                apply_change(&tx, change, &mut applied)?;
            }
            let settled = super::outbox::settle_after_pull(&tx, requested_at_ms, &applied.changed)?;
            applied.changed.extend(settled);
            tx.execute(
                "UPDATE sync_state SET cursor = ?1, synced_at = ?2 WHERE id = 1",
                params![page.cursor, chrono::Utc::now().timestamp_millis()],
            )?;
            tx.commit()?;
            Ok(applied)
        })
        .await
    }

    /// The cursor to pull from next; `None` before the first page.
    pub async fn cursor(&self) -> Result<Option<String>, CoreError> {
        self.call(|conn| {
            conn.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |row| {
                row.get(0)
            })
        })
        .await
    }

    /// Forgets every record and the cursor, for a full resync (`cursor_expired`).
    pub async fn reset(&self) -> Result<(), CoreError> {
        self.call(|conn| {
            let tx = conn.transaction()?;
            // Records made on this device stay: their writes are still to be sent.
            tx.execute(
                "DELETE FROM search WHERE rowid IN
                   (SELECT rowid FROM records WHERE local_mutation IS NULL)",
                [],
            )?;
            tx.execute("DELETE FROM records WHERE local_mutation IS NULL", [])?;
            tx.execute(
                "UPDATE sync_state SET cursor = NULL, synced_at = NULL WHERE id = 1",
                [],
            )?;
            tx.commit()
        })
        .await
    }
}

fn apply_change(
    tx: &Transaction<'_>,
    change: &Change,
    applied: &mut Applied,
) -> Result<(), rusqlite::Error> {
    match change.op {
        ChangeOp::Delete if change.kind == "profile" => {
            // The profile's document bytes go before its records (they are found by them).
            super::blobs::forget_profile(tx, &change.id)?;
            tx.execute(
                "DELETE FROM search WHERE rowid IN (SELECT rowid FROM records
                   WHERE profile_id = ?1 OR (kind = 'profile' AND id = ?1))",
                params![change.id],
            )?;
            tx.execute(
                "DELETE FROM records WHERE profile_id = ?1 OR (kind = 'profile' AND id = ?1)",
                params![change.id],
            )?;
            applied.purged_profiles.push(change.id.clone());
        }
        ChangeOp::Delete => {
            if change.kind == "document" {
                super::blobs::forget_document(tx, &change.id)?;
            }
            delete_record(tx, &change.kind, &change.id)?;
        }
        ChangeOp::Upsert => {
            let data = change.data.clone().unwrap_or(Value::Null);
            write_record(
                tx,
                &RecordRow {
                    kind: &change.kind,
                    id: &change.id,
                    profile_id: change.profile_id.as_deref(),
                    rev: change.rev,
                    data: &data,
                    local_mutation: None,
                },
            )?;
        }
    }
    applied
        .changed
        .push((change.kind.clone(), change.id.clone()));
    Ok(())
}

/// A record to write, from the server or made on this device.
pub(super) struct RecordRow<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub profile_id: Option<&'a str>,
    pub rev: i64,
    pub data: &'a Value,
    /// The mutation that made it on this device, if it is not the server's yet.
    pub local_mutation: Option<&'a str>,
}

/// Writes a record with its list columns and its search entry.
pub(super) fn write_record(
    tx: &Transaction<'_>,
    row: &RecordRow<'_>,
) -> Result<(), rusqlite::Error> {
    let (sort_at, parent_id) = index_columns(row.kind, row.data);
    let text = serde_json::to_string(row.data)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    tx.execute(
        "INSERT INTO records (kind, id, profile_id, rev, sort_at, parent_id, data, local_mutation)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (kind, id) DO UPDATE SET profile_id = excluded.profile_id,
           rev = excluded.rev, sort_at = excluded.sort_at, parent_id = excluded.parent_id,
           data = excluded.data, local_mutation = excluded.local_mutation",
        params![
            row.kind,
            row.id,
            row.profile_id,
            row.rev,
            sort_at,
            parent_id,
            text,
            row.local_mutation
        ],
    )?;
    if SEARCHABLE_KINDS.contains(&row.kind) {
        let rowid: i64 = tx.query_row(
            "SELECT rowid FROM records WHERE kind = ?1 AND id = ?2",
            params![row.kind, row.id],
            |r| r.get(0),
        )?;
        tx.execute("DELETE FROM search WHERE rowid = ?1", params![rowid])?;
        if let Some(searchable) = searchable_text(row.kind, row.data) {
            tx.execute(
                "INSERT INTO search (rowid, profile_id, text) VALUES (?1, ?2, ?3)",
                params![rowid, row.profile_id, searchable],
            )?;
        }
    }
    Ok(())
}

/// Deletes a record and its search entry.
pub(super) fn delete_record(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
) -> Result<(), rusqlite::Error> {
    tx.execute(
        "DELETE FROM search WHERE rowid =
           (SELECT rowid FROM records WHERE kind = ?1 AND id = ?2)",
        params![kind, id],
    )?;
    tx.execute(
        "DELETE FROM records WHERE kind = ?1 AND id = ?2",
        params![kind, id],
    )?;
    Ok(())
}

/// The kinds local search covers.
const SEARCHABLE_KINDS: [&str; 3] = ["message", "thread", "document"];

/// What local search finds a record by: a message's body, a thread's subject, a
/// document's title.
fn searchable_text(kind: &str, data: &Value) -> Option<String> {
    let field = match kind {
        "message" => "body",
        "thread" => "subject",
        "document" => "title",
        _ => return None,
    };
    data.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// The time a record sorts by, and the record it belongs to, per kind.
fn index_columns(kind: &str, data: &Value) -> (i64, Option<String>) {
    let time = |field: &str| {
        data.get(field)
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map_or(0, |t| t.timestamp_millis())
    };
    let text = |field: &str| data.get(field).and_then(Value::as_str).map(str::to_owned);
    match kind {
        "appointment" => (time("starts_at"), None),
        "thread" => (time("last_message_at"), None),
        "message" => (time("sent_at"), text("thread_id")),
        "invoice" => (time("issued_at"), None),
        "document" => (time("created_at"), None),
        "form" => (time("due_at"), None),
        "form_response" => (time("submitted_at"), text("form_id")),
        _ => (0, None),
    }
}
