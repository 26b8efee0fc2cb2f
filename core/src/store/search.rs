//! Local full-text search over message bodies, thread subjects and document titles, in
//! its own database file (`search.db`) written by its own thread.
//!
//! The records database hears of every row of `records` a statement inserts, updates
//! or deletes (SQLite's update hook). [`Store::write`](super::Store::write) hands those
//! rowids to this thread once their transaction commits, and counts the hand-over in
//! `sync_state.search_seq` inside that same transaction. This thread reads each record
//! as it stands, writes its entry, and counts what it has indexed in
//! `search_state.indexed_through`. So indexing runs beside the writing of the next page
//! (on another core) instead of inside it.
//!
//! The search file is derived data. If the two counts differ when the store opens (the
//! process died with rowids not yet indexed, or power was lost), or the file cannot be
//! opened, the index is built again from the records. Searches go through the same
//! queue as the rowids, so a search sees every write committed before it was asked.

use super::Cached as _;
use super::StoredRecord;
use super::apply::searchable_text;
use super::open::{SEARCH_FILE, StoreKey, create_private_file, migrate, open_keyed};
use crate::error::CoreError;
use rusqlite::hooks::{Action, Wal};
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, params};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long the thread gathers changes into one transaction, and up to how many rows.
const GATHER_FOR: Duration = Duration::from_millis(50);
const GATHER_ROWS: usize = 5000;

/// WAL pages of the records database at which this thread checkpoints it (SQLite's own
/// default for a connection).
const CHECKPOINT_AT_PAGES: i64 = 1000;

/// WAL pages at which the records connection checkpoints itself after a commit, should
/// this thread not have done it (it stopped, or falls behind).
const RECORDS_WAL_LIMIT: i64 = 8000;

/// Pages in the records database's WAL after its last commit.
pub(super) type WalPages = Arc<AtomicI64>;

/// Replaces the records connection's automatic checkpoints (SQLite's, after any commit
/// that leaves 1000 pages in the WAL): each commit notes the WAL's length for the search
/// thread, which checkpoints after indexing; the connection itself only past
/// [`RECORDS_WAL_LIMIT`]. A commit thus does not stop to copy the WAL into the file.
pub(super) fn watch_wal(conn: &mut Connection, pages: &WalPages) -> Result<(), rusqlite::Error> {
    let pages = Arc::clone(pages);
    conn.wal_hook(Some(move |wal: &mut Wal, in_wal: std::ffi::c_int| {
        let in_wal = i64::from(in_wal);
        pages.store(in_wal, Ordering::Relaxed);
        // As SQLite's own hook does, the commit stands whatever the checkpoint says
        // (an error here would be reported as the commit's): busy means the search
        // thread is checkpointing right now.
        if in_wal >= RECORDS_WAL_LIMIT
            && let Err(error) = wal.checkpoint_v2(CheckpointMode::PASSIVE)
        {
            tracing::debug!("the records database's own checkpoint did not run: {error}");
        }
        Ok(())
    }))
}

/// Schema of the search file; index + 1 is its version.
const MIGRATIONS: &[&str] = &[include_str!("../../migrations/search/0001_search.sql")];

/// Rows of `records` changed since they were last handed over, in the order they were
/// written: each rowid, with the record's search text when the writer knew it (else
/// the search thread reads the record). Filled by the records connection's update hook
/// and [`SearchIndex::note_text`].
pub(super) type Changed = Arc<Mutex<Vec<Noted>>>;

/// One write of a row of `records`.
#[derive(Debug)]
pub(super) struct Noted {
    rowid: i64,
    /// The write inserted the row: no record had this rowid just before.
    inserted: bool,
    /// The record's search text, when the writer knew it.
    text: Option<String>,
}

/// What the writes of a row since it was last indexed come to.
#[derive(Debug)]
struct Pending {
    /// The row may have an entry already: its first write was not an insert. (An insert
    /// means the rowid had no record; the entry of a record deleted before was removed
    /// when that deletion was indexed, or, if that was lost, by a rebuild.)
    may_have_entry: bool,
    /// The text of its last write, when the writer knew it.
    text: Option<String>,
}

/// Folds writes, in order, into what each row comes to.
fn fold(pending: &mut BTreeMap<i64, Pending>, writes: Vec<Noted>) {
    for write in writes {
        match pending.entry(write.rowid) {
            Entry::Occupied(mut row) => row.get_mut().text = write.text,
            Entry::Vacant(row) => {
                row.insert(Pending {
                    may_have_entry: !write.inserted,
                    text: write.text,
                });
            }
        }
    }
}

/// Installs the hook that notes every row of `records` written through `conn`.
pub(super) fn watch_records(
    conn: &mut Connection,
    changed: &Changed,
) -> Result<(), rusqlite::Error> {
    let changed = Arc::clone(changed);
    conn.update_hook(Some(move |action, db: &str, table: &str, rowid: i64| {
        if db == "main" && table == "records" {
            changed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Noted {
                    rowid,
                    inserted: action == Action::SQLITE_INSERT,
                    text: None,
                });
        }
    }))
}

enum Job {
    /// Records changed; `seq` is the hand-over's count in `sync_state.search_seq`
    /// (`None` for rows written outside a counted transaction).
    Changed { seq: Option<i64>, rows: Vec<Noted> },
    Search {
        expression: String,
        profile_id: String,
        limit: i64,
        reply: oneshot::Sender<Result<Vec<StoredRecord>, CoreError>>,
    },
    /// Answers once everything handed over before it is indexed.
    Settled(oneshot::Sender<()>),
    /// Checks the search file: SQLite's `integrity_check`, then FTS5's own.
    Check(oneshot::Sender<Result<String, CoreError>>),
}

/// The search thread and the queue to it. The thread ends, and the file closes, when
/// this is dropped (with the last clone of the store).
pub(crate) struct SearchIndex {
    jobs: Mutex<Option<Sender<Job>>>,
    changed: Changed,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Starts the thread for the search file in `dir`, beside the records database at
    /// `records`. `expected_seq` is `sync_state.search_seq` as the store opened.
    pub(super) fn start(
        dir: &Path,
        records: &Path,
        key: &StoreKey,
        expected_seq: i64,
        changed: Changed,
        wal_pages: WalPages,
    ) -> Result<Self, CoreError> {
        let (sender, receiver) = channel();
        let target = Target {
            path: dir.join(SEARCH_FILE),
            records: records.to_owned(),
            key: key.clone(),
            expected_seq,
            wal_pages,
        };
        let thread = std::thread::Builder::new()
            .name("portal-search".into())
            .spawn(move || run(target, receiver))
            .map_err(|e| CoreError::Storage(format!("starting the search thread: {e}")))?;
        Ok(Self {
            jobs: Mutex::new(Some(sender)),
            changed,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The row just written at `rowid` (the last one noted) is found by `text`: the
    /// search thread need not read it back. A later write of the row notes it again.
    pub(super) fn note_text(&self, rowid: i64, text: String) {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(last) = changed.last_mut()
            && last.rowid == rowid
        {
            last.text = Some(text);
        }
    }

    /// Takes the rows noted since the last call.
    pub(super) fn take_changed(&self) -> Vec<Noted> {
        std::mem::take(&mut *self.changed.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Hands `rowids` to the thread, after the transaction that counted them (`seq`)
    /// committed. If the thread is gone, the counts stay apart and the index is built
    /// again when the store next opens.
    pub(super) fn send_changed(&self, seq: Option<i64>, rows: Vec<Noted>) {
        self.send(Job::Changed { seq, rows });
    }

    /// Records of `profile_id` matching the FTS5 `expression`, best first.
    pub(super) async fn search(
        &self,
        expression: String,
        profile_id: String,
        limit: i64,
    ) -> Result<Vec<StoredRecord>, CoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Search {
            expression,
            profile_id,
            limit,
            reply,
        });
        answer
            .await
            .map_err(|_| CoreError::Storage("the search index stopped".into()))?
    }

    /// Waits until everything handed over so far is indexed.
    pub(super) async fn settled(&self) -> Result<(), CoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Settled(reply));
        answer
            .await
            .map_err(|_| CoreError::Storage("the search index stopped".into()))
    }

    /// The search file's soundness: "ok", or what SQLite or FTS5 found wrong.
    pub(super) async fn integrity_check(&self) -> Result<String, CoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Check(reply));
        answer
            .await
            .map_err(|_| CoreError::Storage("the search index stopped".into()))?
    }

    fn send(&self, job: Job) {
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        let sent = jobs.as_ref().map(|jobs| jobs.send(job).is_ok());
        if sent != Some(true) {
            tracing::warn!("the search index has stopped; it will be rebuilt on next open");
        }
    }
}

impl Drop for SearchIndex {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has done what is queued.
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::warn!("the search thread panicked");
        }
    }
}

/// Where the thread's index lives and what it indexes.
struct Target {
    path: PathBuf,
    records: PathBuf,
    key: StoreKey,
    expected_seq: i64,
    wal_pages: WalPages,
}

/// The thread: jobs in order; consecutive changes are written in one transaction.
fn run(target: Target, jobs: Receiver<Job>) {
    let mut index = Index::open(&target);
    let mut waiting: VecDeque<Job> = VecDeque::new();
    loop {
        let job = match waiting.pop_front() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        match job {
            Job::Changed { seq, rows } => {
                let mut last_seq = seq;
                let mut all = BTreeMap::new();
                fold(&mut all, rows);
                // What comes within a moment goes into the same transaction, up to a
                // few pages: FTS5 writes one index segment per transaction, so fewer,
                // larger ones mean less merging later. A search, or a wait for search
                // to settle, ends the gathering at once.
                let until = Instant::now() + GATHER_FOR;
                while all.len() < GATHER_ROWS {
                    let left = until.saturating_duration_since(Instant::now());
                    match jobs.recv_timeout(left) {
                        Ok(Job::Changed { seq, rows }) => {
                            last_seq = seq.or(last_seq);
                            fold(&mut all, rows);
                        }
                        Ok(other) => {
                            waiting.push_back(other);
                            break;
                        }
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                    }
                }
                match index.as_mut() {
                    Ok(index) => {
                        index.index(last_seq, all);
                        index.checkpoint_records(&target.wal_pages);
                    }
                    Err(_) => index = Index::open(&target),
                }
            }
            Job::Search {
                expression,
                profile_id,
                limit,
                reply,
            } => {
                let found = match index.as_mut() {
                    Ok(index) => index.search(&expression, &profile_id, limit),
                    Err(error) => Err(CoreError::Storage(format!(
                        "local search is not available: {error}"
                    ))),
                };
                let _ = reply.send(found);
            }
            Job::Settled(reply) => {
                let _ = reply.send(());
            }
            Job::Check(reply) => {
                let verdict = match index.as_ref() {
                    Ok(index) => index.integrity_check(),
                    Err(error) => Err(CoreError::Storage(format!(
                        "local search is not available: {error}"
                    ))),
                };
                let _ = reply.send(verdict);
            }
        }
    }
}

/// The open search file, with the records database attached as `store`.
struct Index {
    conn: Connection,
    /// The index may miss records: build it again before the next write.
    stale: bool,
}

impl Index {
    /// SQLite's `integrity_check` of the file, then FTS5's check of the index against
    /// itself: "ok", or the first thing found wrong.
    fn integrity_check(&self) -> Result<String, CoreError> {
        let sqlite: String = self
            .conn
            .query_row("PRAGMA main.integrity_check", [], |row| row.get(0))?;
        if sqlite != "ok" {
            return Ok(sqlite);
        }
        match self
            .conn
            .execute("INSERT INTO search (search) VALUES ('integrity-check')", [])
        {
            Ok(_) => Ok("ok".to_owned()),
            Err(error) => Ok(format!("search index: {error}")),
        }
    }

    fn open(target: &Target) -> Result<Self, CoreError> {
        let conn = match connect(target) {
            Ok(conn) => conn,
            Err(error) => {
                // Derived data: a file this key cannot read, or a damaged one, is
                // replaced and built again from the records.
                tracing::warn!("the search index could not be opened ({error}); rebuilding it");
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{}{suffix}", target.path.display()));
                    if let Err(e) = std::fs::remove_file(&file)
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        return Err(super::open::storage("removing", &file, e));
                    }
                }
                connect(target).map_err(CoreError::from)?
            }
        };
        let indexed: i64 = conn.one(
            "SELECT indexed_through FROM search_state WHERE id = 1",
            [],
            |row| row.get(0),
        )?;
        let mut index = Self {
            conn,
            stale: indexed != target.expected_seq,
        };
        if index.stale {
            index.rebuild();
        }
        Ok(index)
    }

    /// Replaces the entries of `rows`: with the text given, or else with what their
    /// records say now; counts `seq` as indexed.
    fn index(&mut self, seq: Option<i64>, rows: BTreeMap<i64, Pending>) {
        if self.stale {
            self.rebuild();
            return;
        }
        let replaced: Vec<i64> = rows
            .iter()
            .filter(|(_, p)| p.may_have_entry)
            .map(|(&rowid, _)| rowid)
            .collect();
        let written = (|| {
            let tx = self.conn.transaction()?;
            let mut fresh = Vec::new();
            {
                let mut read =
                    tx.prepare_cached("SELECT kind, data FROM store.records WHERE rowid = ?1")?;
                for (rowid, Pending { text, .. }) in rows {
                    if let Some(text) = text {
                        fresh.push((rowid, text));
                        continue;
                    }
                    let mut found = read.query(params![rowid])?;
                    if let Some(row) = found.next()? {
                        let kind: String = row.get(0)?;
                        let data: String = row.get(1)?;
                        if let Some(text) = searchable_text(&kind, &data) {
                            fresh.push((rowid, text));
                        }
                    }
                }
            }
            if !replaced.is_empty() {
                tx.run(
                    "DELETE FROM search WHERE rowid IN (SELECT value FROM json_each(?1))",
                    params![json_text(&replaced)?],
                )?;
            }
            insert_all(&tx, &fresh)?;
            if let Some(seq) = seq {
                tx.run(
                    "UPDATE search_state SET indexed_through = ?1 WHERE id = 1",
                    params![seq],
                )?;
            }
            tx.commit()
        })();
        if let Err(error) = written {
            tracing::warn!("search indexing failed ({error}); rebuilding the index");
            self.stale = true;
            self.rebuild();
        }
    }

    /// Copies the records database's committed pages from its WAL into the file once
    /// the WAL holds [`CHECKPOINT_AT_PAGES`] (see [`watch_wal`]). Passive: it never
    /// waits for the writer.
    fn checkpoint_records(&self, wal_pages: &AtomicI64) {
        if wal_pages.load(Ordering::Relaxed) < CHECKPOINT_AT_PAGES {
            return;
        }
        if let Err(error) = self
            .conn
            .query_row("PRAGMA store.wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        {
            tracing::warn!("checkpointing the records database failed: {error}");
        }
    }

    /// Builds the index again from every record, as of one snapshot of the records.
    fn rebuild(&mut self) {
        let built = (|| {
            let tx = self.conn.transaction()?;
            tx.run("INSERT INTO search (search) VALUES ('delete-all')", [])?;
            // Read first: the snapshot of `store` starts here, so the count read with
            // the records is the one they match.
            let seq: i64 = tx.one(
                "SELECT search_seq FROM store.sync_state WHERE id = 1",
                [],
                |row| row.get(0),
            )?;
            let mut fresh = Vec::new();
            {
                let mut read = tx.prepare(
                    "SELECT rowid, kind, data FROM store.records
                     WHERE kind IN ('message', 'thread', 'document') ORDER BY rowid",
                )?;
                let mut rows = read.query([])?;
                while let Some(row) = rows.next()? {
                    let kind: String = row.get(1)?;
                    let data: String = row.get(2)?;
                    if let Some(text) = searchable_text(&kind, &data) {
                        fresh.push((row.get(0)?, text));
                    }
                    if fresh.len() == 1000 {
                        insert_all(&tx, &fresh)?;
                        fresh.clear();
                    }
                }
            }
            insert_all(&tx, &fresh)?;
            tx.run(
                "UPDATE search_state SET indexed_through = ?1 WHERE id = 1",
                params![seq],
            )?;
            tx.commit()
        })();
        match built {
            Ok(()) => self.stale = false,
            Err(error) => tracing::warn!("rebuilding the search index failed: {error}"),
        }
    }

    fn search(
        &mut self,
        expression: &str,
        profile_id: &str,
        limit: i64,
    ) -> Result<Vec<StoredRecord>, CoreError> {
        if self.stale {
            self.rebuild();
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT r.kind, r.id, r.profile_id, r.rev, r.data
             FROM search s JOIN store.records r ON r.rowid = s.rowid
             WHERE search MATCH ?1 AND r.profile_id = ?2
             ORDER BY rank LIMIT ?3",
        )?;
        let found = statement
            .query_map(params![expression, profile_id, limit], super::read::record)?
            .collect::<Result<_, _>>()?;
        Ok(found)
    }
}

/// Inserts entries in rowid order in one statement: FTS5 writes out what it holds in
/// memory whenever a rowid comes that is not above the last one.
fn insert_all(conn: &Connection, entries: &[(i64, String)]) -> Result<(), rusqlite::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    conn.run(
        "INSERT INTO search (rowid, text)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)",
        params![json_text(&entries)?],
    )?;
    Ok(())
}

/// A value as JSON text, for a statement parameter.
fn json_text<T: serde::Serialize>(value: &T) -> Result<String, rusqlite::Error> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Opens (creating if needed) the search file with the store's key, brings its schema
/// up to date and attaches the records database.
fn connect(target: &Target) -> Result<Connection, rusqlite::Error> {
    if !target.path.exists() {
        create_private_file(&target.path)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    }
    let mut conn = open_keyed(&target.path, &target.key)?;
    // A write lost to a power cut leaves `indexed_through` behind the records' count,
    // which rebuilds the index: it need not wait for the disk.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&mut conn, MIGRATIONS)?;
    conn.execute(
        "ATTACH DATABASE ?1 AS store KEY ?2",
        params![target.records.to_string_lossy(), target.key.as_sql()],
    )?;
    Ok(conn)
}

/// Runs FTS5's integrity check on the search file in `dir` and counts its entries.
#[cfg(test)]
pub(super) fn checked_entries(dir: &Path, key: &StoreKey) -> i64 {
    let conn = open_keyed(&dir.join(SEARCH_FILE), key).unwrap();
    conn.execute("INSERT INTO search (search) VALUES ('integrity-check')", [])
        .unwrap();
    conn.query_row("SELECT count(*) FROM search", [], |r| r.get(0))
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::super::open::{DB_FILE, MIGRATIONS};
    use super::*;

    fn raw(dir: &Path, file: &str, key: &StoreKey) -> Connection {
        open_keyed(&dir.join(file), key).unwrap()
    }

    async fn found(store: &Store, words: &str) -> Vec<String> {
        store
            .search("p1", words, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    }

    fn insert_message(conn: &Connection, id: &str, body: &str) {
        conn.execute(
            "INSERT INTO records (kind, id, profile_id, rev, data)
             VALUES ('message', ?1, 'p1', 1, json_object('body', ?2))",
            params![id, body],
        )
        .unwrap();
    }

    /// The process died after the records committed and before their entries did: the
    /// counts differ on the next open, and the index is built again.
    #[tokio::test]
    async fn records_not_yet_indexed_when_the_process_died_are_indexed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::generate();
        let (store, _) = Store::open(dir.path(), &key, true).unwrap();
        store
            .write(|tx| {
                insert_message(tx, "m1", "knee pain");
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(found(&store, "knee").await, ["m1"]);
        drop(store);
        // What a transaction of `Store::write` commits, without the hand-over.
        let conn = raw(dir.path(), DB_FILE, &key);
        insert_message(&conn, "m2", "knee brace");
        conn.execute("DELETE FROM records WHERE id = 'm1'", [])
            .unwrap();
        conn.execute(
            "UPDATE sync_state SET search_seq = search_seq + 1 WHERE id = 1",
            [],
        )
        .unwrap();
        drop(conn);
        let (store, _) = Store::open(dir.path(), &key, false).unwrap();
        assert_eq!(found(&store, "knee").await, ["m2"]);
        store.search_settled().await.unwrap();
        drop(store);
        assert_eq!(checked_entries(dir.path(), &key), 1);
    }

    /// SQLite gives a new row the rowid of the last one if that was deleted: the new
    /// record's entry replaces the old one's, whether the two writes are indexed
    /// together or apart.
    #[tokio::test]
    async fn a_reused_rowid_carries_only_the_new_record() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::generate();
        let (store, _) = Store::open(dir.path(), &key, true).unwrap();
        let rowid_of = |id: &'static str| {
            let store = store.clone();
            async move {
                store
                    .call(move |conn| {
                        conn.query_row("SELECT rowid FROM records WHERE id = ?1", [id], |r| {
                            r.get::<_, i64>(0)
                        })
                    })
                    .await
                    .unwrap()
            }
        };
        for (round, (old, new, settle_between)) in [("m1", "m2", true), ("m3", "m4", false)]
            .into_iter()
            .enumerate()
        {
            store
                .write(move |tx| {
                    insert_message(tx, old, &format!("{old} ointment"));
                    Ok(())
                })
                .await
                .unwrap();
            let first = rowid_of(old).await;
            if settle_between {
                store.search_settled().await.unwrap();
            }
            store
                .write(move |tx| {
                    tx.execute("DELETE FROM records WHERE id = ?1", [old])?;
                    Ok(())
                })
                .await
                .unwrap();
            store
                .write(move |tx| {
                    insert_message(tx, new, &format!("{new} bandage"));
                    Ok(())
                })
                .await
                .unwrap();
            assert_eq!(rowid_of(new).await, first, "the rowid was reused");
            assert!(found(&store, old).await.is_empty());
            assert_eq!(found(&store, new).await, [new]);
            store.search_settled().await.unwrap();
            assert_eq!(checked_entries(dir.path(), &key), round as i64 + 1);
        }
    }

    /// A search file that is missing, damaged or not this key's is replaced and built
    /// from the records.
    #[tokio::test]
    async fn a_missing_or_unreadable_search_file_is_built_again() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::generate();
        let (store, _) = Store::open(dir.path(), &key, true).unwrap();
        store
            .write(|tx| {
                insert_message(tx, "m1", "physiotherapy plan");
                Ok(())
            })
            .await
            .unwrap();
        drop(store);
        let file = dir.path().join(SEARCH_FILE);
        std::fs::remove_file(&file).unwrap();
        let (store, _) = Store::open(dir.path(), &key, false).unwrap();
        assert_eq!(found(&store, "physio").await, ["m1"]);
        drop(store);
        std::fs::write(
            &file,
            b"not a database at all, but long enough to look like one",
        )
        .unwrap();
        let (store, _) = Store::open(dir.path(), &key, false).unwrap();
        assert_eq!(found(&store, "plan").await, ["m1"]);
    }

    /// A database from before the search file (version 1, a record in it) is migrated
    /// and its record found.
    #[tokio::test]
    async fn an_old_database_is_searchable_after_migrating() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::generate();
        {
            std::fs::create_dir_all(dir.path()).unwrap();
            let conn = raw(dir.path(), DB_FILE, &key);
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            insert_message(&conn, "m1", "café au lait");
        }
        let (store, _) = Store::open(dir.path(), &key, false).unwrap();
        assert_eq!(found(&store, "cafe").await, ["m1"]);
    }
}
