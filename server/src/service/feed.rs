//! The sync feed: records a patient can see, each at its latest change number.
//!
//! Every write goes through [`put`] or [`remove`] inside the writer's transaction. The
//! change number comes from one counter row, so writes are numbered in commit order
//! (SQLite has one writer; on PostgreSQL the counter row's lock serialises them), and a
//! cursor never passes a change that commits later.

use crate::db::{Conn, Dialect, millis};
use crate::error::ServerError;
use crate::params;
use crate::service::page_cache::{FeedVersion, PageCache, PageKey};
use crate::service::sessions::Authenticated;
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use portal_model::records::{FeedRecord, Profile, ProfileRole};
use serde_json::Value;
use std::sync::Arc;

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

/// Creates or replaces a record and gives it the next change number. The record's kind,
/// id and patient come from its type and fields; its `rev` and `updated_at` (and a
/// profile's `role`) are the feed's, added on read, so what the caller put there is
/// not stored. Returns the new revision.
pub fn put<R: FeedRecord>(tx: &Conn, record: &R, now: DateTime<Utc>) -> Result<i64, ServerError> {
    let data = serde_json::to_value(record)
        .map_err(|e| ServerError::internal(format!("encoding a record: {e}")))?;
    let (kind, id, patient_id) = (R::KIND, record.id(), record.profile_id());
    let seq = next_seq(tx)?;
    let json = stored_fields(&data)?;
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

/// A record as the feed would send it, if it exists and is not deleted. A profile reads
/// with the role `self` (the feed sets the role per account).
pub fn get<R: FeedRecord>(tx: &Conn, id: &str) -> Result<Option<R>, ServerError> {
    let row: Option<(Option<String>, i64, String, i64)> = tx.query_opt(
        "SELECT patient_id, rev, data, updated_at FROM records
         WHERE kind = ?1 AND id = ?2 AND deleted = 0",
        params![R::KIND, id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
    )?;
    row.map(|(patient, rev, data, updated_at)| typed(id, patient, rev, &data, updated_at))
        .transpose()
}

/// The columns every typed read of `records` selects, in [`typed`]'s order after the id.
pub const TYPED_COLUMNS: &str = "id, patient_id, rev, data, updated_at";

/// A record from its row: the stored fields plus the ones the feed adds on read.
pub fn typed<R: FeedRecord>(
    id: &str,
    patient: Option<String>,
    rev: i64,
    data: &str,
    updated_at: i64,
) -> Result<R, ServerError> {
    let broken = |e: serde_json::Error| ServerError::internal(format!("stored {}: {e}", R::KIND));
    let mut fields: serde_json::Map<String, Value> = serde_json::from_str(data).map_err(broken)?;
    fields.insert("id".into(), Value::from(id));
    if let Some(patient) = patient {
        fields.insert("profile_id".into(), Value::from(patient));
    }
    fields.insert("rev".into(), Value::from(rev));
    let updated_at = crate::db::from_millis(updated_at)?;
    fields.insert(
        "updated_at".into(),
        Value::from(portal_model::records::time::format(&updated_at)),
    );
    if R::KIND == Profile::KIND {
        fields.insert("role".into(), Value::from(ProfileRole::Patient.as_str()));
    }
    serde_json::from_value(Value::Object(fields)).map_err(broken)
}

/// A record's revision, if it exists and is not deleted.
pub fn rev(tx: &Conn, kind: &str, id: &str) -> Result<Option<i64>, ServerError> {
    tx.query_opt(
        "SELECT rev FROM records WHERE kind = ?1 AND id = ?2 AND deleted = 0",
        params![kind, id],
        |row| row.get(0),
    )
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

/// A place in the feed: the last change number sent, and how far deletes had been
/// purged when this pass through the feed started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
///
/// The page is merged from one ordered arm per patient the account acts for, one for
/// the practice's records and one for lost access, each walking the `(patient_id, seq)`
/// index from the cursor: a page reads about its own size, however many records other
/// accounts have after it. Rows are written into the answer as they are stepped.
///
/// The account's feed version is read first: it alone answers a cursor that is up to
/// date, and a page asked before at the same version comes from
/// [`crate::service::page_cache`].
pub async fn page(
    state: &AppState,
    auth: Authenticated,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<Bytes, ServerError> {
    let from = cursor.as_deref().map(decode_cursor).transpose()?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServerError::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}."
        )));
    }
    let key = PageKey {
        account_id: auth.account_id,
        from,
        limit,
    };
    if state.db.dialect() == Dialect::Postgres {
        if !state.pages.asked_before(&key) {
            // A page asked for the first time (each page of a first sync) is not kept,
            // so it needs no version: its own statement is the whole answer.
            return postgres_page(state, &key.account_id, from, limit).await;
        }
        let version = postgres_version(state, &key.account_id).await?;
        if let Some(body) = answer_from_version(&state.pages, &key, &version)? {
            return Ok(body);
        }
        let body = postgres_page(state, &key.account_id, from, limit).await?;
        // Kept under the version read before the page: see `page_cache` on why that
        // holds.
        state.pages.offer(&key, version, &body);
        return Ok(body);
    }
    let pages = Arc::clone(&state.pages);
    let work = move |conn: &mut Conn| {
        // One snapshot for the version, the account's patients, their records and the
        // purge mark (a read transaction on SQLite costs no round trip).
        let tx = conn.read_transaction()?;
        let mut version = VersionParts::default();
        tx.for_each(VERSION_QUERY, params![key.account_id], |row| {
            version.add(row)
        })?;
        let (version, tops) = version.finish()?;
        if let Some(body) = answer_from_version(&pages, &key, &version)? {
            return Ok(body);
        }
        let body = sqlite_page(&tx, &key, &tops, version.purged_through)?;
        let body = Bytes::from(body);
        pages.offer(&key, version, &body);
        Ok(body)
    };
    // A small page is quicker to read than to hand to another thread.
    if limit <= SHORT_PAGE {
        state.db.read_short(work).await
    } else {
        state.db.read(work).await
    }
}

/// The answer that the account's feed version alone gives: the empty page of a cursor
/// that is up to date, or a page kept at this version.
fn answer_from_version(
    pages: &PageCache,
    key: &PageKey,
    version: &FeedVersion,
) -> Result<Option<Bytes>, ServerError> {
    let after = key.from.map_or(0, |c| c.seq);
    if version.max_seq <= after {
        // Nothing the account can see comes after the cursor.
        let page = PageWriter::new(after, key.limit);
        return page
            .finish(key.from, version.purged_through)
            .map(|body| Some(Bytes::from(body)));
    }
    Ok(pages.get(key, version))
}

/// The page on SQLite, in the caller's read transaction: merged from one ordered arm per
/// patient, one for the practice and one for lost access (see
/// [`crate::db::Conn::merge_each`]). The version read in the same transaction gives the
/// account's patients, the purge mark, and where each arm ends, so an arm with nothing
/// after the cursor is not walked.
fn sqlite_page(
    tx: &Conn,
    key: &PageKey,
    tops: &FeedTops,
    purged_through: i64,
) -> Result<Vec<u8>, ServerError> {
    use crate::db::Value as Sql;
    let after = key.from.map_or(0, |c| c.seq);
    let mut page = PageWriter::new(after, key.limit);
    let take = Sql::Integer(i64::from(key.limit) + 1);
    let mut arms = Vec::with_capacity(tops.patients.len() + 2);
    if tops.practice > after {
        arms.push((SQLITE_PRACTICE_ARM, vec![Sql::Integer(after), take.clone()]));
    }
    if tops.lost > after {
        arms.push((
            SQLITE_LOST_ARM,
            vec![
                Sql::Text(key.account_id.clone()),
                Sql::Integer(after),
                take.clone(),
            ],
        ));
    }
    for (patient, role, top) in &tops.patients {
        if *top > after {
            arms.push((
                SQLITE_PATIENT_ARM,
                vec![
                    Sql::Text(patient.clone()),
                    Sql::Integer(after),
                    take.clone(),
                    Sql::Text(role.clone()),
                ],
            ));
        }
    }
    tx.merge_each(&arms, SEQ_COLUMN, |row| page.push(row))?;
    page.finish(key.from, purged_through)
}

/// The page on PostgreSQL, in one statement awaited on this task (see
/// `Db::query_postgres`), so one snapshot for the rows and the purge mark.
async fn postgres_page(
    state: &AppState,
    account_id: &str,
    from: Option<Cursor>,
    limit: u32,
) -> Result<Bytes, ServerError> {
    use crate::db::{RowRef, Value as Sql};
    let after = from.map_or(0, |c| c.seq);
    let params = [
        Sql::Text(account_id.to_owned()),
        Sql::Integer(after),
        Sql::Integer(i64::from(limit) + 1),
    ];
    let rows = state
        .db
        .query_postgres(POSTGRES_FEED_QUERY, &params)
        .await?;
    let mut page = PageWriter::new(after, limit);
    for row in &rows {
        if !page.push(&RowRef::Postgres(row))? {
            break;
        }
    }
    let purged_through = match rows.first() {
        Some(row) => RowRef::Postgres(row)
            .int(PURGED_COLUMN)?
            .ok_or_else(|| ServerError::internal("feed row without the purge mark"))?,
        None => {
            // The mark read after the page: it only grows, so a page it allows was
            // allowed at the page's snapshot too.
            let rows = state.db.query_postgres(PURGED_QUERY, &[]).await?;
            let row = rows
                .first()
                .ok_or_else(|| ServerError::internal("the feed counter row is missing"))?;
            RowRef::Postgres(row)
                .int(0)?
                .ok_or_else(|| ServerError::internal("the purge mark is NULL"))?
        }
    };
    page.finish(from, purged_through).map(Bytes::from)
}

/// The version of an account's feed on PostgreSQL (see [`FeedVersion`]), awaited on
/// this task.
async fn postgres_version(state: &AppState, account_id: &str) -> Result<FeedVersion, ServerError> {
    let account = crate::db::Value::Text(account_id.to_owned());
    let rows = state
        .db
        .query_postgres(VERSION_QUERY, std::slice::from_ref(&account))
        .await?;
    let mut version = VersionParts::default();
    for row in &rows {
        version.add(&crate::db::RowRef::Postgres(row))?;
    }
    Ok(version.finish()?.0)
}

/// A feed version as its statement's rows arrive.
#[derive(Default)]
struct VersionParts {
    purged_through: Option<i64>,
    tops: FeedTops,
}

/// Where each part of an account's feed ends, read with its version: each patient with
/// the account's role and the patient's highest change number, the practice's highest
/// and lost access's highest (0 when a part has none).
#[derive(Default)]
struct FeedTops {
    patients: Vec<(String, String, i64)>,
    practice: i64,
    lost: i64,
}

impl VersionParts {
    fn add(&mut self, row: &crate::db::RowRef<'_>) -> Result<(), ServerError> {
        let missing = |what: &str| ServerError::internal(format!("feed version without {what}"));
        let text = |index: usize, what: &str| -> Result<String, ServerError> {
            let bytes = row.text_bytes(index)?.ok_or_else(|| missing(what))?;
            String::from_utf8(bytes.to_vec())
                .map_err(|e| ServerError::internal(format!("feed version {what}: {e}")))
        };
        let part = row.text_bytes(0)?.ok_or_else(|| missing("its part"))?;
        let seq = row.int(3)?;
        match part {
            b"purged" => {
                self.purged_through = Some(seq.ok_or_else(|| missing("the purge mark"))?);
            }
            b"patient" => {
                let patient = text(1, "a patient")?;
                let role = text(2, "a role")?;
                self.tops.patients.push((patient, role, seq.unwrap_or(0)));
            }
            b"practice" => self.tops.practice = seq.unwrap_or(0),
            b"lost" => self.tops.lost = seq.unwrap_or(0),
            _ => return Err(ServerError::internal("feed version with an unknown part")),
        }
        Ok(())
    }

    /// The version, and where each part ends (patients in order).
    fn finish(mut self) -> Result<(FeedVersion, FeedTops), ServerError> {
        self.tops.patients.sort();
        let tops = self.tops;
        let mut access = String::new();
        let mut max_seq = tops.practice.max(tops.lost);
        for (patient, role, top) in &tops.patients {
            if !access.is_empty() {
                access.push(',');
            }
            access.push_str(patient);
            access.push(':');
            access.push_str(role);
            max_seq = max_seq.max(*top);
        }
        let version = FeedVersion {
            max_seq,
            purged_through: self
                .purged_through
                .ok_or_else(|| ServerError::internal("the feed counter row is missing"))?,
            access,
        };
        Ok((version, tops))
    }
}

/// A page of the feed as it is written: the answer's JSON so far.
struct PageWriter {
    body: Vec<u8>,
    limit: u32,
    written: u32,
    after: i64,
    last: i64,
    has_more: bool,
}

impl PageWriter {
    fn new(after: i64, limit: u32) -> Self {
        let mut body = Vec::with_capacity(256 + limit.min(200) as usize * 400);
        body.extend_from_slice(b"{\"changes\":[");
        Self {
            body,
            limit,
            written: 0,
            after,
            last: after,
            has_more: false,
        }
    }

    /// Appends a row of the feed (oldest first); `false` once the page is full, when
    /// the row only shows that more follow.
    fn push(&mut self, row: &crate::db::RowRef<'_>) -> Result<bool, ServerError> {
        if self.written == self.limit {
            self.has_more = true;
            return Ok(false);
        }
        if self.written > 0 {
            self.body.push(b',');
        }
        self.last = write_change(&mut self.body, &FeedRow::read(row)?)?;
        self.written += 1;
        Ok(true)
    }

    /// Ends the page with its cursor, given the purge mark read in the rows' snapshot
    /// (or after it: the mark only grows, so a page it allows was allowed before).
    fn finish(mut self, from: Option<Cursor>, purged_through: i64) -> Result<Vec<u8>, ServerError> {
        // A pass that started before deletes past its position were purged may have
        // missed them: it cannot be continued safely. A pass that started after the
        // last purge missed nothing (it never saw the purged records).
        let after = self.after;
        let purged_base = from.map_or(purged_through, |c| c.purged_base);
        if after > 0 && after < purged_through && purged_base < purged_through {
            return Err(ServerError::api(
                axum::http::StatusCode::GONE,
                portal_model::ErrorCode::CursorExpired,
                "This sync position is too old: start again without a cursor.",
            ));
        }
        self.body.extend_from_slice(b"],\"cursor\":");
        let cursor = encode_cursor(Cursor {
            seq: self.last,
            purged_base,
        });
        write_json(&mut self.body, &cursor)?;
        self.body.extend_from_slice(if self.has_more {
            b",\"has_more\":true}"
        } else {
            b",\"has_more\":false}"
        });
        Ok(self.body)
    }
}

/// Pages up to this size are read on the request's own task (see
/// [`crate::db::Db::read_short`]); about 0.3 ms on a 2-core machine.
const SHORT_PAGE: u32 = 200;

/// The purge mark: deletes up to this change number have been purged.
const PURGED_QUERY: &str = "SELECT purged_through FROM feed_counter WHERE id = 1";

/// Where the change number is among the feed's columns.
const SEQ_COLUMN: usize = 4;

/// The feed on SQLite is merged from ordered arms (see [`crate::db::Conn::merge_each`]),
/// each walking the `(patient_id, seq)` index from the cursor: the practice's records
/// (?1 the cursor, ?2 the page size)...
const SQLITE_PRACTICE_ARM: &str = "
    SELECT kind, id, patient_id, rev, seq, deleted, data, updated_at, NULL
    FROM records WHERE patient_id IS NULL AND seq > ?1 ORDER BY seq LIMIT ?2";
/// ...each patient's records (?1 the patient, ?2 the cursor, ?3 the page size, ?4 the
/// account's role for the patient)...
const SQLITE_PATIENT_ARM: &str = "
    SELECT kind, id, patient_id, rev, seq, deleted, data, updated_at, ?4
    FROM records WHERE patient_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
/// ...and the profiles the account (?1) lost access to.
const SQLITE_LOST_ARM: &str = "
    SELECT 'profile', patient_id, patient_id, rev, seq, 1, '{}', at, NULL
    FROM access_revocations WHERE account_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";

/// The version of an account's (?1) feed (see [`FeedVersion`]), as rows of four
/// columns (part, patient, role, change number): each of its patients with the role and
/// the patient's highest change number (a backward step on the `(patient_id, seq)`
/// index), then the practice's and lost access's highest, then the purge mark. Plain
/// index steps, no aggregates: on PostgreSQL, starting an aggregate's executor costs more
/// than the steps.
const VERSION_QUERY: &str = "
    SELECT 'patient', ap.patient_id, ap.role,
           (SELECT r.seq FROM records r WHERE r.patient_id = ap.patient_id
            ORDER BY r.seq DESC LIMIT 1)
    FROM account_patients ap WHERE ap.account_id = ?1
    UNION ALL
    SELECT 'practice', NULL, NULL,
           (SELECT seq FROM records WHERE patient_id IS NULL ORDER BY seq DESC LIMIT 1)
    UNION ALL
    SELECT 'lost', NULL, NULL,
           (SELECT seq FROM access_revocations WHERE account_id = ?1 ORDER BY seq DESC LIMIT 1)
    UNION ALL
    SELECT 'purged', NULL, NULL, purged_through FROM feed_counter WHERE id = 1";

/// Where the purge mark is among the PostgreSQL feed's columns.
const PURGED_COLUMN: usize = 9;

/// The feed on PostgreSQL, in one statement: each patient of the account (?1) through a
/// lateral, limited index walk from the cursor (?2), then the practice's records and lost
/// access, merged up to the page size (?3); each row also carries the purge mark, read
/// once in the same snapshot.
const POSTGRES_FEED_QUERY: &str = "
    SELECT kind, id, patient_id, rev, seq, deleted, data, updated_at, role,
           (SELECT purged_through FROM feed_counter WHERE id = 1)
    FROM (
        SELECT mine.kind, mine.id, mine.patient_id, mine.rev, mine.seq, mine.deleted,
               mine.data, mine.updated_at, ap.role
        FROM account_patients ap
        CROSS JOIN LATERAL (
            SELECT kind, id, patient_id, rev, seq, deleted, data, updated_at FROM records r
            WHERE r.patient_id = ap.patient_id AND r.seq > ?2
            ORDER BY r.seq LIMIT ?3) AS mine
        WHERE ap.account_id = ?1
        UNION ALL
        (SELECT kind, id, patient_id, rev, seq, deleted, data, updated_at, NULL
         FROM records WHERE patient_id IS NULL AND seq > ?2 ORDER BY seq LIMIT ?3)
        UNION ALL
        (SELECT 'profile', patient_id, patient_id, rev, seq, 1, '{}', at, NULL
         FROM access_revocations WHERE account_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3)
    ) AS feed
    ORDER BY seq LIMIT ?3";

/// Appends a value as JSON.
fn write_json<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), ServerError> {
    serde_json::to_writer(out, value)
        .map_err(|e| ServerError::internal(format!("encoding the sync page: {e}")))
}

/// Appends stored text as a JSON string: between quotes as it is when it is plain
/// ASCII that needs no escaping (kinds, ids and roles), else checked as UTF-8 and
/// escaped by serde_json.
fn write_str(out: &mut Vec<u8>, text: &[u8]) -> Result<(), ServerError> {
    if is_plain(text) {
        out.push(b'"');
        out.extend_from_slice(text);
        out.push(b'"');
        Ok(())
    } else {
        let text = std::str::from_utf8(text)
            .map_err(|e| ServerError::internal(format!("stored text is not UTF-8: {e}")))?;
        write_json(out, text)
    }
}

/// Whether text is printable ASCII without quotes or backslashes, so that it is its own
/// JSON string. Checked 16 bytes at a time without branches inside a block, which the
/// compiler turns into vector compares: ids are most of a page's strings.
fn is_plain(text: &[u8]) -> bool {
    // 1 for a byte that needs escaping or is not ASCII, as integers rather than bools so
    // that a block folds into vector compares.
    let bad = |b: u8| {
        u8::from(b < 0x20) | u8::from(b > 0x7e) | u8::from(b == b'"') | u8::from(b == b'\\')
    };
    let (blocks, rest) = text.as_chunks::<16>();
    for block in blocks {
        if block.iter().fold(0u8, |any, &b| any | bad(b)) != 0 {
            return false;
        }
    }
    rest.iter().all(|&b| bad(b) == 0)
}

/// Appends a stored time (Unix milliseconds) as a JSON string in RFC 3339 with
/// milliseconds and `Z`, as chrono writes it, without going through its formatter.
fn write_time(out: &mut Vec<u8>, millis: i64) -> Result<(), ServerError> {
    use chrono::{Datelike, Timelike};
    let at = crate::db::from_millis(millis)?;
    let year = at.year();
    if !(0..=9999).contains(&year) {
        let text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        return write_json(out, &text);
    }
    let mut text = *b"\"0000-00-00T00:00:00.000Z\"";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (0..width).rev() {
            text[at + i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(1, 4, year.unsigned_abs());
    put(6, 2, at.month());
    put(9, 2, at.day());
    put(12, 2, at.hour());
    put(15, 2, at.minute());
    put(18, 2, at.second());
    put(21, 3, at.timestamp_subsec_millis());
    out.extend_from_slice(&text);
    Ok(())
}

/// Keys the feed adds to a record's stored fields on read; [`put`] never stores them.
const ADDED_KEYS: [&str; 5] = ["id", "profile_id", "rev", "updated_at", "role"];

/// A record's fields as stored: a JSON object without the keys the feed adds on read,
/// so that the feed can append those to its text as it is.
fn stored_fields(data: &Value) -> Result<String, ServerError> {
    let Value::Object(fields) = data else {
        return Err(ServerError::internal(
            "a record's data must be a JSON object",
        ));
    };
    let mut fields = fields.clone();
    for key in ADDED_KEYS {
        fields.remove(key);
    }
    serde_json::to_string(&fields)
        .map_err(|e| ServerError::internal(format!("encoding a record: {e}")))
}

/// One row of the feed query, borrowed.
struct FeedRow<'a> {
    kind: &'a [u8],
    id: &'a [u8],
    patient_id: Option<&'a [u8]>,
    rev: i64,
    seq: i64,
    deleted: bool,
    /// The stored fields' JSON text, copied into the page as it is.
    data: &'a [u8],
    updated_at: i64,
    role: Option<&'a [u8]>,
}

impl<'a> FeedRow<'a> {
    fn read(row: &'a crate::db::RowRef<'a>) -> Result<Self, ServerError> {
        let missing = |column: &str| ServerError::internal(format!("feed row without {column}"));
        let int = |index: usize, column: &str| row.int(index)?.ok_or_else(|| missing(column));
        Ok(Self {
            kind: row.text_bytes(0)?.ok_or_else(|| missing("kind"))?,
            id: row.text_bytes(1)?.ok_or_else(|| missing("id"))?,
            patient_id: row.text_bytes(2)?,
            rev: int(3, "rev")?,
            seq: int(4, "seq")?,
            deleted: int(5, "deleted")? != 0,
            data: row.text_bytes(6)?.ok_or_else(|| missing("data"))?,
            updated_at: int(7, "updated_at")?,
            role: row.text_bytes(8)?,
        })
    }
}

/// Appends one row of the feed query as a `Change`, and returns its change number.
fn write_change(out: &mut Vec<u8>, row: &FeedRow<'_>) -> Result<i64, ServerError> {
    out.extend_from_slice(b"{\"kind\":");
    write_str(out, row.kind)?;
    out.extend_from_slice(b",\"id\":");
    write_str(out, row.id)?;
    if let Some(patient) = row.patient_id {
        out.extend_from_slice(b",\"profile_id\":");
        write_str(out, patient)?;
    }
    out.extend_from_slice(if row.deleted {
        b",\"op\":\"delete\",\"rev\":"
    } else {
        b",\"op\":\"upsert\",\"rev\":"
    });
    write_json(out, &row.rev)?;
    if !row.deleted {
        // A profile's role depends on who is asking.
        let role = (row.kind == b"profile").then(|| row.role.unwrap_or_default());
        // The stored fields are an object without the added keys (see `stored_fields`):
        // its text is copied up to its closing brace and the added fields follow.
        let inner = row
            .data
            .trim_ascii()
            .strip_prefix(b"{")
            .and_then(|f| f.strip_suffix(b"}"))
            .ok_or_else(|| ServerError::internal("a stored record is not a JSON object"))?;
        out.extend_from_slice(b",\"data\":{");
        out.extend_from_slice(inner);
        if !inner.trim_ascii().is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"id\":");
        write_str(out, row.id)?;
        if let Some(patient) = row.patient_id {
            out.extend_from_slice(b",\"profile_id\":");
            write_str(out, patient)?;
        }
        out.extend_from_slice(b",\"rev\":");
        write_json(out, &row.rev)?;
        out.extend_from_slice(b",\"updated_at\":");
        write_time(out, row.updated_at)?;
        if let Some(role) = role {
            out.extend_from_slice(b",\"role\":");
            write_str(out, role)?;
        }
        out.push(b'}');
    }
    out.push(b'}');
    Ok(row.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(
        data: &'a str,
        kind: &'a str,
        patient: Option<&'a str>,
        deleted: bool,
    ) -> FeedRow<'a> {
        FeedRow {
            kind: kind.as_bytes(),
            id: b"rec_1",
            patient_id: patient.map(str::as_bytes),
            rev: 3,
            seq: 42,
            deleted,
            data: data.as_bytes(),
            updated_at: 1_785_000_000_000,
            role: (kind == "profile").then_some(b"guardian".as_slice()),
        }
    }

    fn change(data: &str, kind: &str, patient: Option<&str>, deleted: bool) -> Value {
        let mut out = Vec::new();
        assert_eq!(
            write_change(&mut out, &row(data, kind, patient, deleted)).unwrap(),
            42
        );
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn changes_splice_the_stored_fields() {
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
        // A profile gets the asking account's role.
        assert_eq!(
            change(r#"{"a":1}"#, "profile", Some("pat_1"), false),
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
        for broken in [r#"{"a":"#, "[1]", ""] {
            let broken = row(broken, "message", None, false);
            assert!(write_change(&mut Vec::new(), &broken).is_err());
        }
    }

    #[test]
    fn times_and_strings_are_written_as_serde_and_chrono_would() {
        for millis in [
            0,
            1,
            999,
            1_785_000_000_123,
            253_402_300_799_999,
            -1,
            -62_198_755_200_000,
        ] {
            let mut out = Vec::new();
            write_time(&mut out, millis).unwrap();
            let expected = crate::db::from_millis(millis)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            assert_eq!(out, serde_json::to_vec(&expected).unwrap(), "{millis}");
        }
        for text in [
            "msg_1",
            "",
            "quote \" and \\ and \n",
            "caf\u{e9} \u{1f600}",
            "\u{7f}",
            "0123456789abcdef0123456789abcdef",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, text.as_bytes()).unwrap();
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text}");
        }
        // Every position of a character that needs escaping, in the 16-byte blocks and
        // in the remainder after them.
        for special in ['"', '\\', '\n', '\u{1f}', '\u{7f}', '\u{e9}'] {
            for at in 0..40 {
                let mut text: String = "a".repeat(40);
                text.replace_range(at..=at, &special.to_string());
                let mut out = Vec::new();
                write_str(&mut out, text.as_bytes()).unwrap();
                assert_eq!(out, serde_json::to_vec(&text).unwrap(), "{text:?}");
            }
        }
        assert!(write_str(&mut Vec::new(), b"caf\xe9").is_err());
    }

    #[test]
    fn stored_fields_leave_out_the_keys_added_on_read() {
        let data = serde_json::json!({"rev": 99, "role": "x", "id": "y", "profile_id": "z",
            "updated_at": "t", "a": {"id": 1}});
        let stored: Value = serde_json::from_str(&stored_fields(&data).unwrap()).unwrap();
        assert_eq!(stored, serde_json::json!({"a": {"id": 1}}));
        assert!(stored_fields(&serde_json::json!([1])).is_err());
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
