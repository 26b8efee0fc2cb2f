//! Reads, all from the local database: paged lists by kind and profile, a thread's
//! messages, single records, and the home screen's summary.

use super::Cached as _;
use super::Store;
use crate::error::CoreError;
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

/// A record as the server last sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub kind: String,
    pub id: String,
    pub profile_id: Option<String>,
    pub rev: i64,
    pub data: RecordData,
}

/// A record's fields: the JSON text as stored, parsed only when a field is asked for
/// (a list of 50 is read without parsing 50 objects; the bindings hand the text on as
/// it is).
#[derive(Debug, Clone, Default)]
pub struct RecordData {
    json: String,
    parsed: std::sync::OnceLock<Value>,
}

impl RecordData {
    /// Fields stored as this JSON text (an object, as the store writes them).
    pub fn from_json(json: String) -> Self {
        Self {
            json,
            parsed: std::sync::OnceLock::new(),
        }
    }

    /// The JSON text of the fields.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The fields, parsed on first use (text that is not JSON reads as `null`).
    pub fn value(&self) -> &Value {
        self.parsed
            .get_or_init(|| serde_json::from_str(&self.json).unwrap_or(Value::Null))
    }

    /// One field, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.value().get(key)
    }
}

impl PartialEq for RecordData {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json || self.value() == other.value()
    }
}

impl std::ops::Index<&str> for RecordData {
    type Output = Value;

    /// A field, or `null` when absent (as `serde_json::Value` indexes).
    fn index(&self, key: &str) -> &Value {
        &self.value()[key]
    }
}

/// Which way a list runs, by each kind's own time (start, sent, issued, created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// Latest first (messages, invoices, documents, past appointments).
    NewestFirst,
    /// Earliest first (upcoming appointments, a thread's messages).
    OldestFirst,
}

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<StoredRecord>,
    /// Pass back to get the next page; `None` at the end.
    pub next: Option<String>,
}

/// The numbers a home screen shows for one profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub unread_messages: i64,
    pub next_appointment: Option<StoredRecord>,
    /// Open balance per currency, in minor units, largest first.
    pub balance_due: Vec<(String, i64)>,
    /// Forms not submitted yet (drafts included).
    pub forms_waiting: i64,
    /// Documents not yet downloaded on this device.
    pub documents_unopened: i64,
}

/// Which records a list holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListQuery {
    pub kind: String,
    /// The profile, or (for messages) the thread, the records belong to.
    pub owner: Owner,
    pub order: ListOrder,
    /// Only records at or after (oldest first) / before (newest first) this time.
    pub from_ms: Option<i64>,
    pub limit: u32,
    pub after: Option<String>,
}

impl ListQuery {
    /// A page of `kind` under `owner`, in `order`, with no time bound.
    pub fn new(
        kind: &str,
        owner: Owner,
        order: ListOrder,
        limit: u32,
        after: Option<String>,
    ) -> Self {
        Self {
            kind: kind.to_owned(),
            owner,
            order,
            from_ms: None,
            limit,
            after,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    Profile(String),
    Parent(String),
}

pub(super) fn record(row: &Row<'_>) -> Result<StoredRecord, rusqlite::Error> {
    Ok(StoredRecord {
        kind: row.get(0)?,
        id: row.get(1)?,
        profile_id: row.get(2)?,
        rev: row.get(3)?,
        data: RecordData::from_json(row.get(4)?),
    })
}

/// A page token: the last item's time and id.
fn encode_after(sort_at: i64, id: &str) -> String {
    format!("{sort_at}:{id}")
}

fn decode_after(token: &str) -> Option<(i64, String)> {
    let (at, id) = token.split_once(':')?;
    Some((at.parse().ok()?, id.to_owned()))
}

impl Store {
    /// One record by kind and id.
    pub async fn get(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, CoreError> {
        let (kind, id) = (kind.to_owned(), id.to_owned());
        self.call(move |conn| {
            conn.one(
                "SELECT kind, id, profile_id, rev, data FROM records WHERE kind = ?1 AND id = ?2",
                params![kind, id],
                record,
            )
            .optional()
        })
        .await
    }

    /// A page of a list (keyset-paged by time and id, so pages stay fast deep down).
    pub(crate) async fn list(&self, query: ListQuery) -> Result<Page, CoreError> {
        self.list_with(query, |page| page).await
    }

    /// A page of a list, handed to `finish` on the database's thread (a typed read
    /// decodes it there, while its rows are still in that core's cache).
    pub(crate) async fn list_with<R, F>(&self, query: ListQuery, finish: F) -> Result<R, CoreError>
    where
        R: Send + 'static,
        F: FnOnce(Page) -> R + Send + 'static,
    {
        if let Some(token) = &query.after
            && decode_after(token).is_none()
        {
            return Err(CoreError::Storage(
                "that page token is not one this app gave out".to_owned(),
            ));
        }
        self.read(move |conn| list_page(conn, &query).map(finish))
            .await
    }

    /// Messages, threads and documents of a profile matching `query` (words, each
    /// matched as a prefix, accents ignored), best matches first.
    pub(crate) async fn search(
        &self,
        profile_id: &str,
        query: &str,
        limit: u32,
    ) -> Result<Vec<StoredRecord>, CoreError> {
        let Some(expression) = fts_expression(query) else {
            return Ok(Vec::new());
        };
        self.search
            .search(
                expression,
                profile_id.to_owned(),
                i64::from(limit.clamp(1, 200)),
            )
            .await
    }

    /// Unread messages, the next appointment and the balance due, for one profile.
    pub(crate) async fn summary(
        &self,
        profile_id: &str,
        now_ms: i64,
    ) -> Result<Summary, CoreError> {
        let profile_id = profile_id.to_owned();
        self.call(move |conn| {
            let unread_messages: i64 = conn.one(
                "SELECT COALESCE(SUM(json_extract(data, '$.unread_count')), 0) FROM records
                 WHERE kind = 'thread' AND profile_id = ?1",
                params![profile_id],
                |row| row.get(0),
            )?;
            let next_appointment = conn
                .query_row(
                    "SELECT kind, id, profile_id, rev, data FROM records
                     WHERE kind = 'appointment' AND profile_id = ?1 AND sort_at >= ?2
                       AND json_extract(data, '$.status') IN ('scheduled', 'confirmed')
                     ORDER BY sort_at, id LIMIT 1",
                    params![profile_id, now_ms],
                    record,
                )
                .optional()?;
            let mut statement = conn.prepare_cached(
                "SELECT json_extract(data, '$.currency') AS currency,
                        SUM(json_extract(data, '$.balance')) AS due
                 FROM records
                 WHERE kind = 'invoice' AND profile_id = ?1
                   AND json_extract(data, '$.status') = 'open'
                 GROUP BY currency HAVING due > 0 ORDER BY due DESC",
            )?;
            let balance_due = statement
                .query_map(params![profile_id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let forms_waiting: i64 = conn.one(
                "SELECT COUNT(*) FROM records f
                 WHERE f.kind = 'form' AND f.profile_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM records r
                                   WHERE r.kind = 'form_response' AND r.parent_id = f.id
                                     AND json_extract(r.data, '$.status') = 'submitted')",
                params![profile_id],
                |row| row.get(0),
            )?;
            let documents_unopened: i64 = conn.one(
                "SELECT COUNT(*) FROM records d
                 WHERE d.kind = 'document' AND d.profile_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM downloads w
                                   WHERE w.document_id = d.id AND w.state = 'available')",
                params![profile_id],
                |row| row.get(0),
            )?;
            Ok(Summary {
                unread_messages,
                next_appointment,
                balance_due,
                forms_waiting,
                documents_unopened,
            })
        })
        .await
    }
}

/// Turns what a person typed into an FTS5 expression: each word a quoted prefix term,
/// so no input is ever parsed as FTS5 syntax. `None` when nothing is left to search.
fn fts_expression(query: &str) -> Option<String> {
    let terms: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The page `query` asks for (see [`Store::list`]).
fn list_page(conn: &mut rusqlite::Connection, query: &ListQuery) -> Result<Page, rusqlite::Error> {
    let (owner_column, owner) = match &query.owner {
        Owner::Profile(id) => ("profile_id", id.clone()),
        Owner::Parent(id) => ("parent_id", id.clone()),
    };
    let (cmp, dir) = match query.order {
        ListOrder::OldestFirst => (">", "ASC"),
        ListOrder::NewestFirst => ("<", "DESC"),
    };
    let from_cmp = match query.order {
        ListOrder::OldestFirst => ">=",
        ListOrder::NewestFirst => "<",
    };
    let (after_at, after_id) = query
        .after
        .as_deref()
        .and_then(decode_after)
        .map_or((None, None), |(at, id)| (Some(at), Some(id)));
    let sql = format!(
        "SELECT kind, id, profile_id, rev, data, sort_at FROM records
         WHERE kind = ?1 AND {owner_column} = ?2
           AND (?3 IS NULL OR sort_at {from_cmp} ?3)
           AND (?4 IS NULL OR (sort_at, id) {cmp} (?4, ?5))
         ORDER BY sort_at {dir}, id {dir}
         LIMIT ?6"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let limit = i64::from(query.limit.clamp(1, 500));
    let mut last = None;
    let items = statement
        .query_map(
            params![
                query.kind,
                owner,
                query.from_ms,
                after_at,
                after_id,
                limit + 1
            ],
            |row| Ok((record(row)?, row.get::<_, i64>(5)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let has_more = items.len() as i64 > limit;
    let mut page = Vec::with_capacity(items.len());
    for (item, sort_at) in items.into_iter().take(limit as usize) {
        last = Some(encode_after(sort_at, &item.id));
        page.push(item);
    }
    Ok(Page {
        items: page,
        next: if has_more { last } else { None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_words_become_quoted_prefix_terms_and_syntax_is_inert() {
        assert_eq!(
            fts_expression("knee pain").as_deref(),
            Some("\"knee\"* \"pain\"*")
        );
        assert_eq!(
            fts_expression("NEAR(a b) OR \"x").as_deref(),
            Some("\"NEAR\"* \"a\"* \"b\"* \"OR\"* \"x\"*")
        );
        assert_eq!(fts_expression("  -- * "), None);
    }

    #[test]
    fn page_tokens_round_trip_and_refuse_garbage() {
        let token = encode_after(1_700_000_000_000, "msg_1:2");
        assert_eq!(
            decode_after(&token),
            Some((1_700_000_000_000, "msg_1:2".to_owned()))
        );
        assert_eq!(decode_after("nonsense"), None);
        assert_eq!(decode_after("x:id"), None);
    }
}
