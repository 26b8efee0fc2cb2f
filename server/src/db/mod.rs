//! The embedded SQLite store: one connection behind a mutex, used from blocking threads,
//! with numbered migrations applied in a transaction at open.

use crate::error::ServerError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Numbered migrations; index + 1 is the schema version each one brings.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_auth.sql"),
    include_str!("../migrations/sqlite/0003_reset.sql"),
    include_str!("../migrations/sqlite/0004_groups.sql"),
    include_str!("../migrations/sqlite/0005_feed.sql"),
    include_str!("../migrations/sqlite/0006_forms.sql"),
    include_str!("../migrations/sqlite/0007_documents.sql"),
    include_str!("../migrations/sqlite/0008_purge.sql"),
];

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    /// An in-memory database, for tests and throwaway demos.
    pub fn open_in_memory() -> Result<Self, ServerError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, ServerError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ServerError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| ServerError::internal("database mutex poisoned"))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| ServerError::internal(format!("database task: {e}")))?
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

/// Milliseconds since the Unix epoch: how times are stored.
pub fn millis(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

/// The inverse of [`millis`].
pub fn from_millis(ms: i64) -> Result<chrono::DateTime<chrono::Utc>, ServerError> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| ServerError::internal(format!("stored time out of range: {ms}")))
}
