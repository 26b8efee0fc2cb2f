//! Applying pulled pages: each page and its cursor in one transaction, so that a page
//! that fails halfway leaves the database as it was.

use super::Cached as _;
use super::Store;
use crate::error::CoreError;
use portal_model::sync::ChangeOp;
#[cfg(test)]
use portal_model::sync::SyncPage;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A page of the feed as it comes over the wire, each record's fields kept as their
/// JSON text: they are stored as they came, without being parsed into values and
/// written out again.
#[derive(Debug, Deserialize)]
pub struct PulledPage {
    pub changes: Vec<PulledChange>,
    pub cursor: String,
    pub has_more: bool,
}

/// One change of a [`PulledPage`] (the fields of `portal_model::sync::Change`).
#[derive(Debug, Deserialize)]
pub struct PulledChange {
    pub kind: String,
    pub id: String,
    #[serde(default)]
    pub profile_id: Option<String>,
    pub op: ChangeOp,
    pub rev: i64,
    #[serde(default)]
    pub data: Option<Box<RawValue>>,
}

#[cfg(test)]
impl TryFrom<SyncPage> for PulledPage {
    type Error = CoreError;

    fn try_from(page: SyncPage) -> Result<Self, CoreError> {
        let changes = page
            .changes
            .into_iter()
            .map(|c| {
                let data = c
                    .data
                    .map(|d| serde_json::value::to_raw_value(&d))
                    .transpose()
                    .map_err(|e| CoreError::Storage(format!("a record's fields: {e}")))?;
                Ok(PulledChange {
                    kind: c.kind,
                    id: c.id,
                    profile_id: c.profile_id,
                    op: c.op,
                    rev: c.rev,
                    data,
                })
            })
            .collect::<Result<_, CoreError>>()?;
        Ok(Self {
            changes,
            cursor: page.cursor,
            has_more: page.has_more,
        })
    }
}

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
        page: PulledPage,
        requested_at_ms: i64,
    ) -> Result<Applied, CoreError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let mut applied = Applied::default();
            let mut search = SearchBatch::default();
            for change in &page.changes {
                apply_change(&tx, change, &mut applied, &mut search)?;
            }
            // Before the outbox lays waiting writes again over the page's records.
            search.write(&tx)?;
            let settled = super::outbox::settle_after_pull(&tx, requested_at_ms, &applied.changed)?;
            applied.changed.extend(settled);
            tx.run(
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
            conn.one("SELECT cursor FROM sync_state WHERE id = 1", [], |row| {
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
            tx.run(
                "DELETE FROM search WHERE rowid IN
                   (SELECT rowid FROM records WHERE local_mutation IS NULL)",
                [],
            )?;
            tx.run("DELETE FROM records WHERE local_mutation IS NULL", [])?;
            tx.run(
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
    change: &PulledChange,
    applied: &mut Applied,
    search: &mut SearchBatch,
) -> Result<(), rusqlite::Error> {
    match change.op {
        ChangeOp::Delete if change.kind == "profile" => {
            // The profile's document bytes go before its records (they are found by them).
            super::blobs::forget_profile(tx, &change.id)?;
            tx.run(
                "DELETE FROM search WHERE rowid IN (SELECT rowid FROM records
                   WHERE profile_id = ?1 OR (kind = 'profile' AND id = ?1))",
                params![change.id],
            )?;
            tx.run(
                "DELETE FROM records WHERE profile_id = ?1 OR (kind = 'profile' AND id = ?1)",
                params![change.id],
            )?;
            search.forget_profile(&change.id);
            applied.purged_profiles.push(change.id.clone());
        }
        ChangeOp::Delete => {
            if change.kind == "document" {
                super::blobs::forget_document(tx, &change.id)?;
            }
            if let Some(rowid) = delete_record(tx, &change.kind, &change.id)? {
                search.forget(rowid);
            }
        }
        ChangeOp::Upsert => {
            write_row(
                tx,
                search,
                &change.kind,
                &change.id,
                change.profile_id.as_deref(),
                change.rev,
                change.data.as_deref().map_or("null", RawValue::get),
                None,
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
    let text = serde_json::to_string(row.data)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut search = SearchBatch::default();
    write_row(
        tx,
        &mut search,
        row.kind,
        row.id,
        row.profile_id,
        row.rev,
        &text,
        row.local_mutation,
    )?;
    search.write(tx)
}

/// Writes a record (its fields as JSON text) with its list columns; its search entry
/// goes into `search`, to be written with the rest of the page's.
#[allow(clippy::too_many_arguments)] // The record's columns, one by one.
fn write_row(
    tx: &Transaction<'_>,
    search: &mut SearchBatch,
    kind: &str,
    id: &str,
    profile_id: Option<&str>,
    rev: i64,
    data: &str,
    local_mutation: Option<&str>,
) -> Result<(), rusqlite::Error> {
    // Fields a record is listed and found by; a record whose fields are not an object
    // is stored all the same, listed at time zero and not searched.
    let fields: IndexFields<'_> = serde_json::from_str(data).unwrap_or_default();
    let (sort_at, parent_id) = fields.index_columns(kind);
    // An update of the row if it exists, else an insert: each writes at most one row
    // and checks its constraints before writing, so neither needs a statement journal
    // (an UPSERT keeps one, copying every page it touches first).
    let values = params![
        kind,
        id,
        profile_id,
        rev,
        sort_at,
        parent_id,
        data,
        local_mutation
    ];
    let updated: Option<i64> = tx
        .prepare_cached(
            "UPDATE records SET profile_id = ?3, rev = ?4, sort_at = ?5, parent_id = ?6,
               data = ?7, local_mutation = ?8
             WHERE kind = ?1 AND id = ?2
             RETURNING rowid",
        )?
        .query_row(values, |r| r.get(0))
        .optional()?;
    let rowid = match updated {
        Some(rowid) => rowid,
        None => {
            tx.prepare_cached(
                "INSERT INTO records
                   (kind, id, profile_id, rev, sort_at, parent_id, data, local_mutation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(values)?;
            tx.last_insert_rowid()
        }
    };
    if SEARCHABLE_KINDS.contains(&kind) {
        search.set(rowid, profile_id, fields.searchable_text(kind));
    }
    Ok(())
}

/// Search entries to replace, by their record's rowid, written together by
/// [`SearchBatch::write`] in two statements. FTS5 writes out what it holds in memory
/// whenever another statement opens a savepoint (every upsert into `records` does), so
/// entries written one per record became one tiny index segment per record, and
/// merging those cost more than the records themselves.
#[derive(Default)]
struct SearchBatch {
    /// In rowid order: FTS5 also writes out what it holds whenever a rowid comes that is
    /// not above the last one, so entries go in ascending order.
    entries: std::collections::BTreeMap<i64, (Option<String>, Option<String>)>,
}

impl SearchBatch {
    /// The entry of the record at `rowid` becomes `text` (none when `None`).
    fn set(&mut self, rowid: i64, profile_id: Option<&str>, text: Option<String>) {
        self.entries
            .insert(rowid, (profile_id.map(str::to_owned), text));
    }

    /// The record at `rowid` was deleted (its stored entry is already gone).
    fn forget(&mut self, rowid: i64) {
        self.entries.remove(&rowid);
    }

    /// A profile was purged with its records and their stored entries.
    fn forget_profile(&mut self, profile_id: &str) {
        self.entries
            .retain(|_, (profile, _)| profile.as_deref() != Some(profile_id));
    }

    /// Replaces the entries: removes each record's old one, inserts the new ones.
    fn write(self, tx: &Transaction<'_>) -> Result<(), rusqlite::Error> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let rowids: Vec<i64> = self.entries.keys().copied().collect();
        let fresh: Vec<(i64, Option<String>, String)> = self
            .entries
            .into_iter()
            .filter_map(|(rowid, (profile, text))| text.map(|text| (rowid, profile, text)))
            .collect();
        tx.run(
            "DELETE FROM search WHERE rowid IN (SELECT value FROM json_each(?1))",
            params![json_text(&rowids)?],
        )?;
        tx.run(
            "INSERT INTO search (rowid, profile_id, text)
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                    json_extract(value, '$[2]')
             FROM json_each(?1)",
            params![json_text(&fresh)?],
        )?;
        Ok(())
    }
}

/// A value as JSON text, for a statement parameter.
fn json_text<T: serde::Serialize>(value: &T) -> Result<String, rusqlite::Error> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Deletes a record and its search entry; returns the rowid it had, if it existed.
pub(super) fn delete_record(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
) -> Result<Option<i64>, rusqlite::Error> {
    let rowid: Option<i64> = tx
        .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2 RETURNING rowid")?
        .query_row(params![kind, id], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = rowid {
        tx.run("DELETE FROM search WHERE rowid = ?1", params![rowid])?;
    }
    Ok(rowid)
}

/// The kinds local search covers.
const SEARCHABLE_KINDS: [&str; 3] = ["message", "thread", "document"];

/// The fields of a record that it is listed and found by, read from its JSON text in
/// one pass (other fields are skipped, strings without escapes are not copied). A field
/// that is not a string reads as absent, without spoiling the others.
#[derive(Debug, Default, Deserialize)]
struct IndexFields<'a> {
    #[serde(borrow, default)]
    starts_at: Text<'a>,
    #[serde(borrow, default)]
    last_message_at: Text<'a>,
    #[serde(borrow, default)]
    sent_at: Text<'a>,
    #[serde(borrow, default)]
    issued_at: Text<'a>,
    #[serde(borrow, default)]
    created_at: Text<'a>,
    #[serde(borrow, default)]
    due_at: Text<'a>,
    #[serde(borrow, default)]
    submitted_at: Text<'a>,
    #[serde(borrow, default)]
    thread_id: Text<'a>,
    #[serde(borrow, default)]
    form_id: Text<'a>,
    #[serde(borrow, default)]
    body: Text<'a>,
    #[serde(borrow, default)]
    subject: Text<'a>,
    #[serde(borrow, default)]
    title: Text<'a>,
}

/// A JSON string, or nothing for any other value.
#[derive(Debug, Default)]
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Text(None))
    }
}

impl IndexFields<'_> {
    /// What local search finds a record by: a message's body, a thread's subject, a
    /// document's title.
    fn searchable_text(&self, kind: &str) -> Option<String> {
        let field = match kind {
            "message" => &self.body,
            "thread" => &self.subject,
            "document" => &self.title,
            _ => return None,
        };
        field.0.as_deref().map(str::to_owned)
    }

    /// The time a record sorts by, and the record it belongs to, per kind.
    fn index_columns(&self, kind: &str) -> (i64, Option<String>) {
        let time = |field: &Text<'_>| {
            field
                .0
                .as_deref()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map_or(0, |t| t.timestamp_millis())
        };
        let text = |field: &Text<'_>| field.0.as_deref().map(str::to_owned);
        match kind {
            "appointment" => (time(&self.starts_at), None),
            "thread" => (time(&self.last_message_at), None),
            "message" => (time(&self.sent_at), text(&self.thread_id)),
            "invoice" => (time(&self.issued_at), None),
            "document" => (time(&self.created_at), None),
            "form" => (time(&self.due_at), None),
            "form_response" => (time(&self.submitted_at), text(&self.form_id)),
            _ => (0, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreKey;
    use portal_model::sync::{Change, ChangeOp, SyncPage};
    use serde_json::json;

    fn upsert(kind: &str, id: &str, profile: &str, data: Value) -> Change {
        Change {
            kind: kind.into(),
            id: id.into(),
            profile_id: Some(profile.into()),
            op: ChangeOp::Upsert,
            rev: 1,
            data: Some(data),
        }
    }

    fn delete(kind: &str, id: &str, profile: &str) -> Change {
        Change {
            op: ChangeOp::Delete,
            data: None,
            ..upsert(kind, id, profile, Value::Null)
        }
    }

    fn page(changes: Vec<Change>, cursor: &str) -> PulledPage {
        SyncPage {
            changes,
            cursor: cursor.into(),
            has_more: false,
        }
        .try_into()
        .unwrap()
    }

    #[test]
    fn index_fields_read_strings_and_pass_over_anything_else() {
        let fields: IndexFields<'_> = serde_json::from_str(
            r#"{"sent_at": "2026-07-01T09:30:00.000Z", "thread_id": 7, "body": "caf\u00e9 \"ok\"",
                "other": {"nested": [1, {"body": "no"}]}, "subject": null, "title": [1]}"#,
        )
        .unwrap();
        assert_eq!(
            fields.index_columns("message"),
            (1_782_898_200_000, None),
            "a thread id that is not text is absent; the time is still read"
        );
        assert_eq!(
            fields.searchable_text("message").as_deref(),
            Some("caf\u{e9} \"ok\"")
        );
        assert_eq!(fields.searchable_text("thread"), None);
        assert_eq!(fields.searchable_text("document"), None);
    }

    /// Search entries are written per page in one batch: a record replaced, deleted or
    /// purged within the same page as its first write keeps the index exact.
    #[tokio::test]
    async fn search_follows_replaced_deleted_and_purged_records_within_a_page() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path(), &StoreKey::generate(), true).unwrap();
        let message = |id: &str, profile: &str, body: &str| {
            upsert(
                "message",
                id,
                profile,
                json!({"thread_id": "t1", "body": body}),
            )
        };
        store
            .apply_page(
                page(
                    vec![
                        message("m1", "p1", "apple banana"),
                        message("m2", "p1", "cherry"),
                        upsert("thread", "t1", "p1", json!({"subject": "visit"})),
                        message("m2", "p1", "damson"),
                        delete("message", "m1", "p1"),
                        message("m3", "p2", "elderberry"),
                        upsert("appointment", "a1", "p1", json!({"location": "fig"})),
                    ],
                    "c1",
                ),
                0,
            )
            .await
            .unwrap();
        let found = |profile: &'static str, words: &'static str| {
            let store = store.clone();
            async move {
                store
                    .search(profile, words, 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
            }
        };
        assert!(found("p1", "apple").await.is_empty(), "deleted in the page");
        assert!(
            found("p1", "cherry").await.is_empty(),
            "replaced in the page"
        );
        assert_eq!(found("p1", "damson").await, ["m2"]);
        assert_eq!(found("p1", "visit").await, ["t1"]);
        assert_eq!(found("p2", "elder").await, ["m3"]);
        assert!(
            found("p1", "fig").await.is_empty(),
            "appointments are not searched"
        );
        // A later page: m3 replaced, then its profile purged, in one page.
        store
            .apply_page(
                page(
                    vec![
                        message("m3", "p2", "grape"),
                        message("m4", "p1", "honeydew"),
                        delete("profile", "p2", "p2"),
                    ],
                    "c2",
                ),
                0,
            )
            .await
            .unwrap();
        assert!(found("p2", "grape").await.is_empty());
        assert!(found("p2", "elder").await.is_empty());
        assert_eq!(found("p1", "honeydew").await, ["m4"]);
        let (entries, integrity) = store
            .call(|conn| {
                let entries: i64 = conn.one("SELECT count(*) FROM search", [], |r| r.get(0))?;
                conn.run("INSERT INTO search (search) VALUES ('integrity-check')", [])?;
                Ok((entries, "ok"))
            })
            .await
            .unwrap();
        assert_eq!((entries, integrity), (3, "ok"), "m2, t1 and m4");
    }
}
