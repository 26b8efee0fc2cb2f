//! The account's offline copy: one SQLCipher database per account, keyed by a random
//! key kept in the secret store. Pulled pages are applied here; every read is served
//! from here, without waiting for the network.

mod apply;
pub(crate) mod blobs;
mod open;
pub(crate) mod outbox;
pub(crate) mod read;
mod search;

pub use apply::Applied;
pub(crate) use apply::PulledPage;
pub use open::OpenOutcome;
pub(crate) use open::{DB_FILE, StoreKey};
pub use outbox::{OutboxItem, WriteError, WriteState};
pub use read::{ListOrder, Page, RecordData, StoredRecord, Summary};

use crate::error::CoreError;
use rusqlite::{Connection, Transaction};
use search::SearchIndex;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// Statements run through the connection's cache of prepared statements, so a sync
/// that writes thousands of rows parses each statement once.
pub(crate) trait Cached {
    /// Like `Connection::execute`, with the statement prepared once per connection.
    fn run<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<usize, rusqlite::Error>;

    /// Like `Connection::query_row`, with the statement prepared once per connection.
    fn one<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        map: impl FnOnce(&rusqlite::Row<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error>;
}

impl Cached for Connection {
    fn run<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<usize, rusqlite::Error> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn one<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        map: impl FnOnce(&rusqlite::Row<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        self.prepare_cached(sql)?.query_row(params, map)
    }
}

/// An open account database. Cheap to clone; closed when the last clone is dropped
/// (on lock and sign-out).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    dir: PathBuf,
    search: Arc<SearchIndex>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the database in `dir`; see [`OpenOutcome`].
    pub(crate) fn open(
        dir: &Path,
        key: &StoreKey,
        key_is_new: bool,
    ) -> Result<(Self, OpenOutcome), CoreError> {
        let (mut conn, outcome) = open::open(dir, key, key_is_new)?;
        let changed = search::Changed::default();
        search::watch_records(&mut conn, &changed)?;
        let wal_pages = search::WalPages::default();
        search::watch_wal(&mut conn, &wal_pages)?;
        let handed_over: i64 = conn.one(
            "SELECT search_seq FROM sync_state WHERE id = 1",
            [],
            |row| row.get(0),
        )?;
        let search = SearchIndex::start(
            dir,
            &dir.join(DB_FILE),
            key,
            handed_over,
            changed,
            wal_pages,
        )?;
        Ok((
            Self {
                conn: Arc::new(Mutex::new(conn)),
                dir: dir.to_owned(),
                search: Arc::new(search),
            },
            outcome,
        ))
    }

    /// The directory holding this account's files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `work` with the connection on a blocking thread.
    pub(crate) async fn call<T, F>(&self, work: F) -> Result<T, CoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let search = Arc::clone(&self.search);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            let result = work(&mut guard).map_err(CoreError::from);
            // Records are written through `write`, which hands them to search; any
            // written otherwise still reach it (uncounted, so a crash could lose them).
            let stray = search.take_changed();
            debug_assert!(stray.is_empty(), "records written outside Store::write");
            if !stray.is_empty() {
                search.send_changed(None, stray);
            }
            result
        })
        .await
        .map_err(|e| CoreError::Storage(format!("database task: {e}")))?
    }

    /// Runs a short read on this very thread when the runtime can spare it (a
    /// multi-threaded one: `block_in_place` hands this worker's other tasks to the
    /// others), else on a blocking thread like [`Store::call`]. A page read takes about
    /// a tenth of a millisecond; the two thread hops of `spawn_blocking` cost nearly as
    /// much again on a busy two-core machine.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, CoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let here = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if !here {
            return self.call(work).await;
        }
        let conn = Arc::clone(&self.conn);
        tokio::task::block_in_place(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut guard).map_err(CoreError::from)
        })
    }

    /// Runs `work` in one write transaction on the database's thread. The records it
    /// wrote are counted in `sync_state.search_seq` in the same transaction and handed
    /// to the search index once it commits.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, CoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let search = Arc::clone(&self.search);
        self.call(move |conn| Self::counted(conn, &search, work))
            .await
    }

    fn counted<T>(
        conn: &mut Connection,
        search: &SearchIndex,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        {
            let tx = conn.transaction()?;
            let done = work(&tx);
            let changed = search.take_changed();
            let value = done?;
            let seq: Option<i64> = if changed.is_empty() {
                None
            } else {
                Some(tx.one(
                    "UPDATE sync_state SET search_seq = search_seq + 1 WHERE id = 1
                     RETURNING search_seq",
                    [],
                    |row| row.get(0),
                )?)
            };
            tx.commit()?;
            if seq.is_some() {
                search.send_changed(seq, changed);
            }
            Ok(value)
        }
    }

    /// Waits until local search has indexed every record written so far.
    pub(crate) async fn search_settled(&self) -> Result<(), CoreError> {
        self.search.settled().await
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database.
    pub async fn integrity_check(&self) -> Result<String, CoreError> {
        self.call(|conn| conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)))
            .await
    }

    /// The search file's `integrity_check` and FTS5 check: "ok" when sound.
    pub async fn search_integrity_check(&self) -> Result<String, CoreError> {
        self.search.integrity_check().await
    }
}

/// Removes an account's directory and everything in it (sign-out).
pub(crate) fn delete_account_dir(dir: &Path) -> Result<(), CoreError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(open::storage("removing", dir, e)),
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(error: rusqlite::Error) -> Self {
        CoreError::Storage(error.to_string())
    }
}
