//! Storage: embedded SQLite (one writer behind a mutex, and read-only connections beside
//! it for [`Db::read`] and [`Db::read_short`]) or PostgreSQL (a small pool),
//! behind one connection type, [`Conn`], whose statements are written once in a portable
//! dialect. Work runs on blocking threads through [`Db::call`]; numbered migrations for
//! each backend (`server/migrations/{sqlite,postgres}/`) are applied at open, each in a
//! transaction.

mod conn;
mod dialect;
pub mod pg_tls;
mod postgres;
pub use crate::params;
mod sqlite;
mod value;

pub use conn::{Conn, Tx};
pub use dialect::Dialect;
pub use value::{FromValue, Row, RowRef, ToValue, Value};

use crate::error::ServerError;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
    tokens: Arc<TokenCache>,
    /// Told when work of this process moved the feed (`Db::feed_moved`).
    feed_moved: Arc<tokio::sync::Notify>,
}

enum Backend {
    /// The writer (also used by reads when there are no readers: an in-memory
    /// database), and read-only connections to the same file.
    Sqlite {
        writer: Mutex<Conn>,
        readers: Option<sqlite::Readers>,
    },
    /// A pool for work on blocking threads, and shared connections for short reads
    /// awaited on the request's task ([`Db::query_postgres`]).
    Postgres {
        pool: Box<postgres::Pool>,
        readers: Box<postgres::Readers>,
    },
}

impl Db {
    /// Opens (creating if needed) the SQLite file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let writer = sqlite::open(Some(path))?;
        Ok(Self::sqlite(writer, Some(sqlite::Readers::new(path))))
    }

    /// An in-memory SQLite database, for tests and throwaway demos.
    pub fn open_in_memory() -> Result<Self, ServerError> {
        Ok(Self::sqlite(sqlite::open(None)?, None))
    }

    fn sqlite(conn: rusqlite::Connection, readers: Option<sqlite::Readers>) -> Self {
        Self {
            backend: Arc::new(Backend::Sqlite {
                writer: Mutex::new(Conn::sqlite(conn)),
                readers,
            }),
            tokens: Arc::default(),
            feed_moved: Arc::default(),
        }
    }

    /// Connects to PostgreSQL at `url` (`postgres://user:password@host/db`, with libpq's
    /// `sslmode` and `sslrootcert`: see [`pg_tls`]) and brings the schema up to date.
    pub async fn connect_postgres(url: &str) -> Result<Self, ServerError> {
        let target = pg_tls::parse_url(url).map_err(ServerError::Startup)?;
        Self::connect_postgres_to(target).await
    }

    /// Connects to PostgreSQL as a URL read by [`pg_tls::parse_url`] says, and brings
    /// the schema up to date.
    pub async fn connect_postgres_to(target: pg_tls::PgTarget) -> Result<Self, ServerError> {
        let readers = Box::new(postgres::Readers::new(target.clone()));
        let pool = tokio::task::spawn_blocking(move || postgres::Pool::open(target))
            .await
            .map_err(|e| ServerError::internal(format!("database task: {e}")))?
            .map_err(|e| match e {
                ServerError::Database(text) if text.contains("TLS handshake") => {
                    ServerError::Database(format!(
                        "{text} (the database URL's sslmode and sslrootcert say how the \
                         server's certificate is checked)"
                    ))
                }
                other => other,
            })?;
        let pool = Box::new(pool);
        Ok(Self {
            backend: Arc::new(Backend::Postgres { pool, readers }),
            tokens: Arc::default(),
            feed_moved: Arc::default(),
        })
    }

    /// Which SQL dialect the database speaks.
    pub fn dialect(&self) -> Dialect {
        match *self.backend {
            Backend::Sqlite { .. } => Dialect::Sqlite,
            Backend::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// Told (once per burst) when work of this process moved the feed's change counter:
    /// the change watcher reads the counter then instead of waiting for its next poll.
    pub fn feed_moved(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.feed_moved)
    }

    /// The cache of validated access tokens (see [`TokenCache`]).
    pub fn tokens(&self) -> &TokenCache {
        &self.tokens
    }

    /// Runs `work` with a connection on a blocking thread.
    pub async fn call<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, ServerError> + Send + 'static,
    {
        let backend = Arc::clone(&self.backend);
        let tokens = Arc::clone(&self.tokens);
        let feed_moved = Arc::clone(&self.feed_moved);
        let permit = match &*backend {
            Backend::Sqlite { .. } => None,
            Backend::Postgres { pool, .. } => Some(pool.permit().await?),
        };
        // The request's address and credential, for the audit entries the work records.
        let audit = crate::service::audit::current();
        let work = move |conn: &mut Conn| crate::service::audit::on_thread(audit, || work(conn));
        tokio::task::spawn_blocking(move || {
            let after = |conn: &Conn| {
                if conn.take_sessions_changed() {
                    tokens.invalidate();
                }
                if conn.take_feed_moved() {
                    feed_moved.notify_one();
                }
            };
            let result = match &*backend {
                Backend::Sqlite { writer, .. } => {
                    let mut guard = writer
                        .lock()
                        .map_err(|_| ServerError::internal("database mutex poisoned"))?;
                    let result = work(&mut guard);
                    after(&guard);
                    result
                }
                Backend::Postgres { pool, .. } => {
                    let mut conn = pool.take()?;
                    let result = work(&mut conn);
                    after(&conn);
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

impl Db {
    /// Runs read-only `work` on a blocking thread. On a SQLite file it gets a read-only
    /// connection of its own, so reads neither wait for each other nor for the writer
    /// (WAL); elsewhere it runs as [`Db::call`] does. Work that needs one snapshot across
    /// several statements opens [`Conn::read_transaction`].
    pub async fn read<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, ServerError> + Send + 'static,
    {
        if !matches!(
            &*self.backend,
            Backend::Sqlite {
                readers: Some(_),
                ..
            }
        ) {
            return self.call(work).await;
        }
        let backend = Arc::clone(&self.backend);
        let permit = match &*backend {
            Backend::Sqlite {
                readers: Some(readers),
                ..
            } => readers.permit().await?,
            _ => return Err(ServerError::internal("database readers vanished")),
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let Backend::Sqlite {
                readers: Some(readers),
                ..
            } = &*backend
            else {
                return Err(ServerError::internal("database readers vanished"));
            };
            let mut conn = readers.take()?;
            let result = work(&mut conn);
            readers.give_back(conn);
            result
        })
        .await
        .map_err(|e| ServerError::internal(format!("database task: {e}")))?
    }
}

impl Db {
    /// Runs short read-only `work` (a few indexed rows, a page of a couple of hundred
    /// records: well under a millisecond) on the calling task. On a SQLite file it gets
    /// a read-only connection of its own, as with [`Db::read`], but skips the hand-off
    /// to a blocking thread and back, which costs more than such a read (the readers are
    /// in memory; one waits for the disk only on a cold start). Longer work goes through
    /// [`Db::read`]; on PostgreSQL and in-memory SQLite this is [`Db::read`].
    pub async fn read_short<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, ServerError> + Send + 'static,
    {
        let Backend::Sqlite {
            readers: Some(readers),
            ..
        } = &*self.backend
        else {
            return self.read(work).await;
        };
        let _permit = readers.permit().await?;
        let mut conn = readers.take()?;
        let result = work(&mut conn);
        readers.give_back(conn);
        result
    }
}

impl Db {
    /// On PostgreSQL, runs one read statement on the calling task, awaiting its rows
    /// without a hand-off to a blocking thread (see `postgres::Readers`): for short reads
    /// on the hot path, where the hand-off and a pool turn cost more than the statement.
    /// One statement sees one snapshot. Elsewhere it is an error: the caller checks
    /// [`Db::dialect`] first.
    pub async fn query_postgres(
        &self,
        sql: &'static str,
        params: &[Value],
    ) -> Result<Vec<tokio_postgres::Row>, ServerError> {
        match &*self.backend {
            Backend::Postgres { readers, .. } => readers.query(sql, params).await,
            Backend::Sqlite { .. } => Err(ServerError::internal(
                "a PostgreSQL read was asked of a SQLite database",
            )),
        }
    }
}

/// Sessions whose access token was recently validated, by token hash, so that most
/// authenticated requests skip the database. Entries hold the stored session's times
/// and are checked against them on every use; they are dropped as a whole when any
/// work that changed a session (logout, password reset, refresh rotation or reuse)
/// returns, after its commit (any statement but a `SELECT` that names the `sessions`
/// table marks the work, see `Conn::watch_sessions`), and each lives at most
/// [`TokenCache::TTL`] so that changes made by another server process on the same
/// database also take effect.
#[derive(Default)]
pub struct TokenCache {
    inner: Mutex<TokenCacheInner>,
}

#[derive(Default)]
struct TokenCacheInner {
    /// Moves on every invalidation; an entry read from the database before a change
    /// carries the older number and is never used after it.
    epoch: u64,
    entries: std::collections::HashMap<String, (std::time::Instant, CachedSession)>,
}

/// A live session as stored, when its access token was validated.
#[derive(Debug, Clone)]
pub struct CachedSession {
    pub session_id: String,
    pub account_id: String,
    pub access_expires_at: i64,
    pub created_at: i64,
    pub last_used_at: i64,
}

impl TokenCache {
    /// How long an entry may be used without reading the session again.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(1);
    const MAX_ENTRIES: usize = 10_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, TokenCacheInner> {
        // The map holds no invariant a panic could break: keep using it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current invalidation number: read it *before* reading the session.
    pub fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// The cached session for a token hash, if still fresh.
    pub fn get(&self, hash: &str) -> Option<CachedSession> {
        let mut inner = self.lock();
        let (fresh, session) = match inner.entries.get(hash) {
            Some((at, session)) => (at.elapsed() < Self::TTL, session.clone()),
            None => return None,
        };
        if fresh {
            Some(session)
        } else {
            inner.entries.remove(hash);
            None
        }
    }

    /// Remembers a session read from the database while the epoch was `epoch`;
    /// ignored if sessions changed since.
    pub fn put(&self, hash: String, session: CachedSession, epoch: u64) {
        let mut inner = self.lock();
        if inner.epoch != epoch {
            return;
        }
        if inner.entries.len() >= Self::MAX_ENTRIES {
            inner.entries.clear();
        }
        inner
            .entries
            .insert(hash, (std::time::Instant::now(), session));
    }

    /// Drops every entry.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.epoch = inner.epoch.wrapping_add(1);
        inner.entries.clear();
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
