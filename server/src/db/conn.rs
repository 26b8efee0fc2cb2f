//! One database connection, whichever the backend, and its transactions.
//!
//! Statements are written once, in the portable dialect both backends understand, with
//! `?1`-style placeholders (rewritten to `$1` for PostgreSQL). Where the dialects must
//! differ, [`Dialect`] says how.

use crate::db::dialect::Dialect;
use crate::db::postgres::PgConn;
use crate::db::value::{Row, RowRef, Value};
use crate::error::ServerError;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};

/// A connection to the database, lent to the work given to [`crate::db::Db::call`].
pub struct Conn {
    backend: Backend,
    /// Set by work that changed a session, so that [`crate::db::Db::call`] drops the
    /// cached access tokens once that work (and its transaction) is over.
    sessions_changed: AtomicBool,
    /// Set by work that moved the feed's change counter (see [`Conn::take_feed_moved`]).
    feed_moved: AtomicBool,
}

enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

impl Conn {
    pub(crate) fn sqlite(conn: rusqlite::Connection) -> Self {
        Self {
            backend: Backend::Sqlite(conn),
            sessions_changed: AtomicBool::new(false),
            feed_moved: AtomicBool::new(false),
        }
    }

    pub(crate) fn postgres(conn: PgConn) -> Self {
        Self {
            backend: Backend::Postgres(Box::new(conn)),
            sessions_changed: AtomicBool::new(false),
            feed_moved: AtomicBool::new(false),
        }
    }

    /// Notes a statement that may write the `sessions` table (anything but a `SELECT`
    /// that names it): the work changed, revoked or rotated a session, so cached access
    /// tokens are dropped when it returns. Watching the statements, rather than asking
    /// each writer to say so, keeps every present and future path covered.
    fn watch_sessions(&self, sql: &str) {
        // The feed moved: this process's change watcher need not wait for its next poll.
        if sql.contains("UPDATE feed_counter SET seq") {
            self.feed_moved.store(true, Ordering::SeqCst);
        }
        if sql.contains("sessions")
            && !sql
                .trim_start()
                .get(..6)
                .is_some_and(|w| w.eq_ignore_ascii_case("select"))
            && sql
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|word| word.eq_ignore_ascii_case("sessions"))
        {
            self.sessions_changed.store(true, Ordering::SeqCst);
        }
    }

    /// Whether the feed's change counter moved since the last call (and clears the note).
    pub(crate) fn take_feed_moved(&self) -> bool {
        self.feed_moved.swap(false, Ordering::SeqCst)
    }

    /// Whether a session changed since the last call (and clears the note).
    pub(crate) fn take_sessions_changed(&self) -> bool {
        self.sessions_changed.swap(false, Ordering::SeqCst)
    }

    /// Which SQL dialect this connection speaks.
    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs a statement and returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, ServerError> {
        self.watch_sessions(sql);
        match &self.backend {
            Backend::Sqlite(conn) => crate::db::sqlite::execute(conn, sql, params),
            Backend::Postgres(conn) => conn.execute(sql, params),
        }
    }

    /// Every row of a query, as read.
    pub fn query_rows(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, ServerError> {
        self.rows(sql, params, None)
    }

    /// Every row of a query, each mapped by `map`.
    pub fn query_all<T>(
        &self,
        sql: &str,
        params: &[Value],
        map: impl FnMut(&Row) -> Result<T, ServerError>,
    ) -> Result<Vec<T>, ServerError> {
        self.rows(sql, params, None)?.iter().map(map).collect()
    }

    /// Calls `each` with every row of a query in order, borrowed from the backend (no
    /// copy of the row's text), for reads whose rows are used once.
    pub fn for_each(
        &self,
        sql: &str,
        params: &[Value],
        mut each: impl FnMut(&RowRef<'_>) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        self.watch_sessions(sql);
        match &self.backend {
            Backend::Sqlite(conn) => crate::db::sqlite::for_each(conn, sql, params, &mut each),
            Backend::Postgres(conn) => conn.for_each(sql, params, &mut each),
        }
    }

    /// Steps several queries side by side, each ordered by the integer column `key`,
    /// and calls `each` with their rows merged in that order until it returns `false`
    /// or all have ended. SQLite only: on PostgreSQL one statement does this better.
    pub fn merge_each(
        &self,
        arms: &[(&str, Vec<Value>)],
        key: usize,
        mut each: impl FnMut(&RowRef<'_>) -> Result<bool, ServerError>,
    ) -> Result<(), ServerError> {
        match &self.backend {
            Backend::Sqlite(conn) => crate::db::sqlite::merge_each(conn, arms, key, &mut each),
            Backend::Postgres(_) => Err(ServerError::internal(
                "merging queries is not available on PostgreSQL",
            )),
        }
    }

    /// The first row of a query mapped by `map`, or `None` when there is none.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Value],
        map: impl FnOnce(&Row) -> Result<T, ServerError>,
    ) -> Result<Option<T>, ServerError> {
        self.rows(sql, params, Some(1))?
            .first()
            .map(map)
            .transpose()
    }

    /// The first row of a query mapped by `map`; no row at all is an internal error.
    pub fn query_one<T>(
        &self,
        sql: &str,
        params: &[Value],
        map: impl FnOnce(&Row) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        self.query_opt(sql, params, map)?
            .ok_or_else(|| ServerError::internal("a query expected to find a row found none"))
    }

    /// True when the query finds at least one row.
    pub fn exists(&self, sql: &str, params: &[Value]) -> Result<bool, ServerError> {
        Ok(!self.rows(sql, params, Some(1))?.is_empty())
    }

    fn rows(
        &self,
        sql: &str,
        params: &[Value],
        max: Option<usize>,
    ) -> Result<Vec<Row>, ServerError> {
        self.watch_sessions(sql);
        match &self.backend {
            Backend::Sqlite(conn) => crate::db::sqlite::query(conn, sql, params, max),
            Backend::Postgres(conn) => conn.query(sql, params),
        }
    }

    /// Runs several statements without parameters (migrations).
    pub(crate) fn batch(&self, sql: &str) -> Result<(), ServerError> {
        match &self.backend {
            // One statement (BEGIN, COMMIT, ROLLBACK) is prepared once and kept.
            Backend::Sqlite(conn) if !sql.contains(';') => {
                crate::db::sqlite::execute(conn, sql, &[]).map(drop)
            }
            Backend::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Backend::Postgres(conn) => conn.batch(sql),
        }
    }

    /// Starts a transaction; it commits only through [`Tx::commit`] and rolls back when
    /// dropped. Transactions are serialised, on SQLite by its write lock and on
    /// PostgreSQL by the feed counter's row lock, so rules that check, then write, hold
    /// on both backends and the feed's change numbers follow commit order.
    pub fn transaction(&mut self) -> Result<Tx<'_>, ServerError> {
        let begin = self.dialect().begin();
        self.begin(begin)
    }

    /// Starts a read-only transaction: its statements all see one snapshot of the
    /// database, and it takes no lock that writers wait for. It ends (rolling back,
    /// which for a read changes nothing) when dropped.
    pub fn read_transaction(&mut self) -> Result<Tx<'_>, ServerError> {
        let begin = self.dialect().begin_read();
        self.begin(begin)
    }

    fn begin(&mut self, begin: &str) -> Result<Tx<'_>, ServerError> {
        if let Err(error) = self.batch(begin) {
            // A PostgreSQL BEGIN that failed half-way may leave a transaction open.
            if let Backend::Postgres(conn) = &self.backend {
                conn.mark_broken();
            }
            return Err(error);
        }
        Ok(Tx {
            conn: self,
            open: true,
        })
    }

    /// False once the connection is broken or was left inside a transaction.
    pub(crate) fn reusable(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(conn) => conn.is_autocommit(),
            Backend::Postgres(conn) => conn.reusable(),
        }
    }

    fn rollback(&self) {
        if let Err(error) = self.batch("ROLLBACK") {
            tracing::warn!(%error, "rolling back a transaction failed");
            if let Backend::Postgres(conn) = &self.backend {
                conn.mark_broken();
            }
        }
    }
}

/// An open transaction. It reads and writes like the [`Conn`] it borrows.
pub struct Tx<'c> {
    conn: &'c mut Conn,
    open: bool,
}

impl Tx<'_> {
    /// Makes the transaction's changes permanent.
    pub fn commit(mut self) -> Result<(), ServerError> {
        self.open = false;
        let committed = self.conn.batch("COMMIT");
        if committed.is_err() {
            self.conn.rollback();
        }
        committed
    }
}

impl Deref for Tx<'_> {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.conn.rollback();
        }
    }
}
