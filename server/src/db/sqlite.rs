//! The embedded SQLite backend: opening a file (or memory) with the pragmas the server
//! relies on, and running statements through rusqlite's statement cache.

use crate::db::value::{Row, Value};
use crate::error::ServerError;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use std::path::Path;

/// Numbered migrations; index + 1 is the schema version each one brings (kept in
/// `PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_auth.sql"),
    include_str!("../../migrations/sqlite/0003_reset.sql"),
    include_str!("../../migrations/sqlite/0004_groups.sql"),
    include_str!("../../migrations/sqlite/0005_feed.sql"),
    include_str!("../../migrations/sqlite/0006_forms.sql"),
    include_str!("../../migrations/sqlite/0007_documents.sql"),
    include_str!("../../migrations/sqlite/0008_purge.sql"),
    include_str!("../../migrations/sqlite/0009_access.sql"),
    include_str!("../../migrations/sqlite/0010_refresh_order.sql"),
    include_str!("../../migrations/sqlite/0011_upload_names.sql"),
    include_str!("../../migrations/sqlite/0012_feed_walks.sql"),
    include_str!("../../migrations/sqlite/0013_records_immutable.sql"),
    include_str!("../../migrations/sqlite/0014_audit_client.sql"),
    include_str!("../../migrations/sqlite/0015_blob_chunks.sql"),
];

/// How many migrations this build knows (the same for both backends).
pub(crate) const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Opens (creating if needed) a database file, or memory when `path` is `None`, and
/// brings its schema up to date.
pub(crate) fn open(path: Option<&Path>) -> Result<Connection, ServerError> {
    let mut conn = match path {
        Some(path) => Connection::open(path)?,
        None => Connection::open_in_memory()?,
    };
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&mut conn)?;
    keep_plans(&conn)?;
    Ok(conn)
}

/// Statements keep the plan they were prepared with. Otherwise SQLite (built with
/// STAT4) prepares a statement again whenever a parameter it planned with is bound anew,
/// which the server's statements, rebound on every request, would pay each time.
fn keep_plans(conn: &Connection) -> Result<(), ServerError> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Prepared statements kept per connection (the server has more than rusqlite's 16).
const STATEMENT_CACHE: usize = 128;

/// Opens a read-only connection to a database file that [`open`] has brought up to
/// date. In WAL mode it reads a consistent snapshot without waiting for the writer.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, ServerError> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    keep_plans(&conn)?;
    Ok(conn)
}

/// Read-only connections to the database file, lent one per read (see
/// [`crate::db::Db::read`]): reads run beside each other and beside the writer. At most
/// [`Readers::SIZE`] are open; more reads at once wait for a turn.
pub(crate) struct Readers {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<crate::db::Conn>>,
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Readers {
    /// Reads at once: a few more than the machine's cores would only queue in threads.
    const SIZE: usize = 4;

    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: std::sync::Mutex::new(Vec::new()),
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(Self::SIZE)),
        }
    }

    /// Waits for a turn to read.
    pub(crate) async fn permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ServerError> {
        std::sync::Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| ServerError::internal(format!("database readers: {e}")))
    }

    /// An idle reader, or a new one. Call while holding a permit.
    pub(crate) fn take(&self) -> Result<crate::db::Conn, ServerError> {
        let idle = self
            .idle
            .lock()
            .map_err(|_| ServerError::internal("database readers mutex poisoned"))?
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => Ok(crate::db::Conn::sqlite(open_reader(&self.path)?)),
        }
    }

    /// Returns a reader for reuse, unless it was left inside a transaction.
    pub(crate) fn give_back(&self, conn: crate::db::Conn) {
        if conn.reusable()
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push(conn);
        }
    }
}

fn migrate(conn: &mut Connection) -> Result<(), ServerError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Self::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Self::Integer(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Self::Real(x) => ToSqlOutput::Borrowed(ValueRef::Real(*x)),
            Self::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Self::Blob(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
        })
    }
}

pub(crate) fn execute(
    conn: &Connection,
    sql: &str,
    params: &[Value],
) -> Result<usize, ServerError> {
    let mut statement = conn.prepare_cached(sql)?;
    Ok(statement.execute(rusqlite::params_from_iter(params))?)
}

/// Calls `each` with every row of a query, borrowed, in order.
pub(crate) fn for_each(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    each: &mut dyn FnMut(&crate::db::RowRef<'_>) -> Result<(), ServerError>,
) -> Result<(), ServerError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(params))?;
    while let Some(row) = rows.next()? {
        each(&crate::db::RowRef::Sqlite(row))?;
    }
    Ok(())
}

/// Steps several queries side by side, each ordered by the integer column `key`, and
/// calls `each` with their rows merged in that order until it returns `false` or every
/// query has ended. Each query reads only as far as the merge consumes it.
pub(crate) fn merge_each(
    conn: &Connection,
    arms: &[(&str, Vec<Value>)],
    key: usize,
    each: &mut dyn FnMut(&crate::db::RowRef<'_>) -> Result<bool, ServerError>,
) -> Result<(), ServerError> {
    use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
    let mut statements = arms
        .iter()
        .map(|(sql, _)| conn.prepare_cached(sql))
        .collect::<Result<Vec<_>, _>>()?;
    let mut cursors = Vec::with_capacity(arms.len());
    for (statement, (_, params)) in statements.iter_mut().zip(arms) {
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        rows.advance()?;
        cursors.push(rows);
    }
    loop {
        let mut next: Option<(usize, i64)> = None;
        for (index, rows) in cursors.iter().enumerate() {
            if let Some(row) = rows.get() {
                let at: i64 = row.get(key)?;
                if next.is_none_or(|(_, best)| at < best) {
                    next = Some((index, at));
                }
            }
        }
        let Some((index, _)) = next else {
            return Ok(());
        };
        let rows = &mut cursors[index];
        if let Some(row) = rows.get()
            && !each(&crate::db::RowRef::Sqlite(row))?
        {
            return Ok(());
        }
        rows.advance()?;
    }
}

pub(crate) fn query(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    max: Option<usize>,
) -> Result<Vec<Row>, ServerError> {
    let mut statement = conn.prepare_cached(sql)?;
    let columns = statement.column_count();
    let mut rows = statement.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns);
        for index in 0..columns {
            values.push(match row.get_ref(index)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::Integer(n),
                ValueRef::Real(x) => Value::Real(x),
                ValueRef::Text(bytes) => Value::Text(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|e| ServerError::internal(format!("stored text: {e}")))?,
                ),
                ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
            });
        }
        out.push(Row::new(values));
        if max.is_some_and(|max| out.len() >= max) {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use rusqlite::Connection;

    /// Migration 15 cuts each stored file into 256 KiB chunks and drops the whole-file
    /// column: every byte of a file stored before it is still there, in order.
    #[test]
    fn stored_files_move_into_chunks_whole() {
        let conn = Connection::open_in_memory().expect("in memory");
        // Migration 15 (index 14) and those before it.
        let chunks = 14;
        for sql in &MIGRATIONS[..chunks] {
            conn.execute_batch(sql).expect("an earlier migration");
        }
        assert!(MIGRATIONS[chunks].contains("CREATE TABLE blob_chunks"));
        let bytes: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        for (sha, content) in [("a", bytes.clone()), ("b", vec![7u8; 262_144])] {
            conn.execute(
                "INSERT INTO blobs (sha256, size, bytes) VALUES (?1, ?2, ?3)",
                rusqlite::params![sha, content.len() as i64, content],
            )
            .expect("a file stored the old way");
        }
        conn.execute_batch(MIGRATIONS[chunks])
            .expect("migration 15");
        let read = |sha: &str| -> Vec<(i64, Vec<u8>)> {
            let mut statement = conn
                .prepare("SELECT seq, bytes FROM blob_chunks WHERE blob_key = ?1 ORDER BY seq")
                .expect("prepared");
            statement
                .query_map([sha], |row| Ok((row.get(0)?, row.get(1)?)))
                .expect("rows")
                .collect::<Result<_, _>>()
                .expect("read")
        };
        let a = read("a");
        assert_eq!(
            a.iter().map(|(seq, c)| (*seq, c.len())).collect::<Vec<_>>(),
            vec![(0, 262_144), (1, 262_144), (2, 75_712)]
        );
        assert_eq!(
            a.into_iter().flat_map(|(_, c)| c).collect::<Vec<_>>(),
            bytes
        );
        assert_eq!(read("b").len(), 1, "an exact chunk is one chunk");
        let columns: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('blobs') WHERE name = 'bytes'",
                [],
                |row| row.get(0),
            )
            .expect("table info");
        assert_eq!(columns, 0);
    }
}
