//! Storage: embedded SQLite (one connection behind a mutex) or PostgreSQL (a small pool),
//! behind one connection type, [`Conn`], whose statements are written once in a portable
//! dialect. Work runs on blocking threads through [`Db::call`]; numbered migrations for
//! each backend (`server/migrations/{sqlite,postgres}/`) are applied at open, each in a
//! transaction.

mod conn;
mod dialect;
mod postgres;
pub use crate::params;
mod sqlite;
mod value;

pub use conn::{Conn, Tx};
pub use dialect::Dialect;
pub use value::{FromValue, Row, ToValue, Value};

use crate::error::ServerError;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
}

enum Backend {
    Sqlite(Mutex<Conn>),
    Postgres(postgres::Pool),
}

impl Db {
    /// Opens (creating if needed) the SQLite file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        Ok(Self::sqlite(sqlite::open(Some(path))?))
    }

    /// An in-memory SQLite database, for tests and throwaway demos.
    pub fn open_in_memory() -> Result<Self, ServerError> {
        Ok(Self::sqlite(sqlite::open(None)?))
    }

    fn sqlite(conn: rusqlite::Connection) -> Self {
        Self {
            backend: Arc::new(Backend::Sqlite(Mutex::new(Conn::sqlite(conn)))),
        }
    }

    /// Connects to PostgreSQL at `url` (`postgres://user:password@host/db`) and brings
    /// the schema up to date.
    pub async fn connect_postgres(url: &str) -> Result<Self, ServerError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| ServerError::Startup(format!("the PostgreSQL URL is not valid: {e}")))?;
        let handle = tokio::runtime::Handle::current();
        let pool = tokio::task::spawn_blocking(move || postgres::Pool::open(config, handle))
            .await
            .map_err(|e| ServerError::internal(format!("database task: {e}")))??;
        Ok(Self {
            backend: Arc::new(Backend::Postgres(pool)),
        })
    }

    /// Which SQL dialect the database speaks.
    pub fn dialect(&self) -> Dialect {
        match *self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `work` with a connection on a blocking thread.
    pub async fn call<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, ServerError> + Send + 'static,
    {
        let backend = Arc::clone(&self.backend);
        let permit = match &*backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(pool) => Some(pool.permit().await?),
        };
        tokio::task::spawn_blocking(move || {
            let result = match &*backend {
                Backend::Sqlite(conn) => {
                    let mut guard = conn
                        .lock()
                        .map_err(|_| ServerError::internal("database mutex poisoned"))?;
                    work(&mut guard)
                }
                Backend::Postgres(pool) => {
                    let mut conn = pool.take()?;
                    let result = work(&mut conn);
                    pool.give_back(conn);
                    result
                }
            };
            drop(permit);
            result
        })
        .await
        .map_err(|e| ServerError::internal(format!("database task: {e}")))?
    }
}

/// How many numbered migrations this build applies (the same on both backends).
pub const SCHEMA_VERSION: usize = sqlite::SCHEMA_VERSION;

/// Milliseconds since the Unix epoch: how times are stored.
pub fn millis(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

/// The inverse of [`millis`].
pub fn from_millis(ms: i64) -> Result<chrono::DateTime<chrono::Utc>, ServerError> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| ServerError::internal(format!("stored time out of range: {ms}")))
}

impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Database(format!("sqlite: {e}"))
    }
}
