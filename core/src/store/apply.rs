//! Applying pulled pages: each page and its cursor in one transaction, so that a page
//! that fails halfway leaves the database as it was.

use super::Cached as _;
use super::Store;
use super::search::SearchIndex;
use crate::error::CoreError;
use portal_model::sync::ChangeOp;
#[cfg(test)]
use portal_model::sync::SyncPage;
use rusqlite::{Transaction, params};
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
    /// The record's list and search columns, once read ([`PulledPage::read_columns`]).
    #[serde(skip)]
    columns: Option<IndexColumns>,
}

impl PulledPage {
    /// Reads the columns each record is listed and found by from its fields. The sync
    /// does this while the page before is being written, so that the database's
    /// thread only writes; a page applied without it reads them as it writes.
    pub fn read_columns(&mut self) {
        for change in &mut self.changes {
            if let (ChangeOp::Upsert, Some(data)) = (change.op, &change.data) {
                change.columns = Some(IndexColumns::of(&change.kind, data.get()));
            }
        }
    }
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
                    columns: None,
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
        let search = std::sync::Arc::clone(&self.search);
        self.write(move |tx| {
            let mut applied = Applied::default();
            #[cfg_attr(not(feature = "failpoints"), allow(unused_variables))]
            for (index, change) in page.changes.iter().enumerate() {
                #[cfg(feature = "failpoints")]
                if crate::failpoints::apply_fails_at(index) {
                    return Err(rusqlite::Error::ToSqlConversionFailure(
                        "failpoint: the page's apply fails here".into(),
                    ));
                }
                apply_change(tx, change, &mut applied, &search)?;
            }
            let settled = super::outbox::settle_after_pull(tx, requested_at_ms, &applied.changed)?;
            applied.changed.extend(settled);
            tx.run(
                "UPDATE sync_state SET cursor = ?1, synced_at = ?2 WHERE id = 1",
                params![page.cursor, chrono::Utc::now().timestamp_millis()],
            )?;
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
        self.write(|tx| {
            // Records made on this device stay: their writes are still to be sent.
            tx.run("DELETE FROM records WHERE local_mutation IS NULL", [])?;
            tx.run(
                "UPDATE sync_state SET cursor = NULL, synced_at = NULL WHERE id = 1",
                [],
            )?;
            Ok(())
        })
        .await
    }
}

fn apply_change(
    tx: &Transaction<'_>,
    change: &PulledChange,
    applied: &mut Applied,
    search: &SearchIndex,
) -> Result<(), rusqlite::Error> {
    match change.op {
        ChangeOp::Delete if change.kind == "profile" => {
            // The profile's document bytes go before its records (they are found by them).
            super::blobs::forget_profile(tx, &change.id)?;
            tx.run(
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
            let data = change.data.as_deref().map_or("null", RawValue::get);
            let read;
            let columns = match &change.columns {
                Some(columns) => columns,
                None => {
                    read = IndexColumns::of(&change.kind, data);
                    &read
                }
            };
            let inserted = write_row(
                tx,
                &change.kind,
                &change.id,
                change.profile_id.as_deref(),
                change.rev,
                data,
                columns,
                None,
            )?;
            // The text was read with the other columns, while the page before was
            // being written: the search thread need not read the record back.
            if let (Some(rowid), Some(text)) = (inserted, &columns.search_text) {
                search.note_text(rowid, text.clone());
            }
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

/// Writes a record with its list columns.
pub(super) fn write_record(
    tx: &Transaction<'_>,
    row: &RecordRow<'_>,
) -> Result<(), rusqlite::Error> {
    let text = serde_json::to_string(row.data)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    write_row(
        tx,
        row.kind,
        row.id,
        row.profile_id,
        row.rev,
        &text,
        &IndexColumns::of(row.kind, &text),
        row.local_mutation,
    )
    .map(drop)
}

/// Writes a record (its fields as JSON text) with its list columns; the rowid it was
/// inserted at, if it is new.
#[allow(clippy::too_many_arguments)] // The record's columns, one by one.
fn write_row(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
    profile_id: Option<&str>,
    rev: i64,
    data: &str,
    columns: &IndexColumns,
    local_mutation: Option<&str>,
) -> Result<Option<i64>, rusqlite::Error> {
    let IndexColumns {
        sort_at, parent_id, ..
    } = columns;
    // An insert unless the row exists, else an update: each writes at most one row
    // and checks its constraints before writing, so neither needs a statement journal
    // (an UPSERT that updates keeps one, copying every page it touches first). Most
    // records a sync writes are new, so the insert comes first.
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
    let inserted = tx
        .prepare_cached(
            "INSERT INTO records
               (kind, id, profile_id, rev, sort_at, parent_id, data, local_mutation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (kind, id) DO NOTHING",
        )?
        .execute(values)?;
    if inserted == 1 {
        return Ok(Some(tx.last_insert_rowid()));
    }
    tx.prepare_cached(
        "UPDATE records SET profile_id = ?3, rev = ?4, sort_at = ?5, parent_id = ?6,
           data = ?7, local_mutation = ?8
         WHERE kind = ?1 AND id = ?2",
    )?
    .execute(values)?;
    Ok(None)
}

/// The columns a record is listed and found by, read from its fields.
#[derive(Debug, Default)]
struct IndexColumns {
    /// The record's own time in Unix milliseconds; 0 if none.
    sort_at: i64,
    /// The record it belongs to (a message's thread, a response's form).
    parent_id: Option<String>,
    /// What local search finds it by (searched kinds only).
    search_text: Option<String>,
}

impl IndexColumns {
    /// A record whose fields are not an object is stored all the same, listed at time
    /// zero and not searched.
    fn of(kind: &str, data: &str) -> Self {
        let fields: IndexFields<'_> = serde_json::from_str(data).unwrap_or_default();
        let (sort_at, parent_id) = fields.index_columns(kind);
        Self {
            sort_at,
            parent_id,
            search_text: fields.searchable_text(kind),
        }
    }
}

/// What local search finds a record by (see [`IndexFields::searchable_text`]); `None`
/// for kinds it does not cover and for fields that are not text.
pub(super) fn searchable_text(kind: &str, data: &str) -> Option<String> {
    serde_json::from_str::<IndexFields<'_>>(data)
        .ok()?
        .searchable_text(kind)
}

/// Deletes a record (search hears of it through the update hook).
pub(super) fn delete_record(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
) -> Result<(), rusqlite::Error> {
    tx.run(
        "DELETE FROM records WHERE kind = ?1 AND id = ?2",
        params![kind, id],
    )?;
    Ok(())
}

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

    /// A record replaced, deleted or purged within the same page as its first write
    /// leaves the search index exact.
    #[tokio::test]
    async fn search_follows_replaced_deleted_and_purged_records_within_a_page() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::generate();
        let (store, _) = Store::open(dir.path(), &key, true).unwrap();
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
        store.search_settled().await.unwrap();
        assert_eq!(
            super::super::search::checked_entries(dir.path(), &key),
            3,
            "m2, t1 and m4"
        );
    }
}
