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
    Ok(conn)
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
