//! The PostgreSQL backend: tokio-postgres connections used from the blocking threads that
//! run database work (each driven by the thread that waits on it), a small pool of them,
//! shared connections for short reads awaited on request tasks, and migrations with a
//! schema-version table.
//!
//! Connections use TLS as the URL's `sslmode` says (see [`crate::db::pg_tls`]).

use crate::db::conn::Conn;
use crate::db::dialect::numbered_placeholders;
use crate::db::pg_tls::PgTarget;
use crate::db::value::{Row, Value};
use crate::error::ServerError;
use bytes::BytesMut;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, Statement};

/// Numbered migrations, the same steps as SQLite's in PostgreSQL's types.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_auth.sql"),
    include_str!("../../migrations/postgres/0003_reset.sql"),
    include_str!("../../migrations/postgres/0004_groups.sql"),
    include_str!("../../migrations/postgres/0005_feed.sql"),
    include_str!("../../migrations/postgres/0006_forms.sql"),
    include_str!("../../migrations/postgres/0007_documents.sql"),
    include_str!("../../migrations/postgres/0008_purge.sql"),
    include_str!("../../migrations/postgres/0009_access.sql"),
    include_str!("../../migrations/postgres/0010_refresh_order.sql"),
    include_str!("../../migrations/postgres/0011_upload_names.sql"),
    include_str!("../../migrations/postgres/0012_feed_walks.sql"),
    include_str!("../../migrations/postgres/0013_records_immutable.sql"),
    include_str!("../../migrations/postgres/0014_audit_client.sql"),
    include_str!("../../migrations/postgres/0015_blob_chunks.sql"),
];

// Both backends step through the same numbered migrations.
const _: () = assert!(MIGRATIONS.len() == crate::db::SCHEMA_VERSION);

/// How many connections one server process keeps at most.
const POOL_SIZE: usize = 4;

/// A PostgreSQL error as the server reports it: the SQLSTATE and message only, since
/// the detail may quote stored values (an email in a duplicate key, say).
pub(crate) fn error(e: &tokio_postgres::Error) -> ServerError {
    match e.as_db_error() {
        Some(db) => {
            ServerError::Database(format!("postgres {}: {}", db.code().code(), db.message()))
        }
        None => {
            // The driver's own words name only its step ("error performing TLS
            // handshake"); the causes say why (an unknown certificate authority, say).
            let mut text = format!("postgres: {e}");
            let mut cause = StdError::source(e);
            while let Some(inner) = cause {
                text.push_str(&format!(": {inner}"));
                cause = inner.source();
            }
            ServerError::Database(text)
        }
    }
}

/// The connection's I/O, polled while a call waits (see [`PgConn::run`]).
type Driver = std::pin::Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + Send>>;

/// One connection. Its methods block, so they run only on blocking threads: each call
/// drives the connection's I/O on the calling thread, through a single-threaded runtime
/// of the connection's own, so a statement's round trip needs no other thread to wake
/// (as the synchronous `postgres` crate does it).
pub(crate) struct PgConn {
    /// Always `Some` until dropped (taken in `Drop`).
    runtime: Option<tokio::runtime::Runtime>,
    client: Client,
    driver: RefCell<Driver>,
    /// Prepared statements by their portable SQL.
    statements: RefCell<HashMap<String, Statement>>,
    broken: Cell<bool>,
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // The last handle to the database may go on an async task: a runtime dropped
        // there would block on its shutdown, which tokio forbids.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl PgConn {
    /// Connects, on a blocking thread.
    fn connect(target: &PgTarget) -> Result<Self, ServerError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| {
                ServerError::internal(format!("a PostgreSQL connection's runtime: {e}"))
            })?;
        let (client, connection) = runtime
            .block_on(target.config.connect(target.tls.clone()))
            .map_err(|e| error(&e))?;
        Ok(Self {
            runtime: Some(runtime),
            client,
            driver: RefCell::new(Box::pin(connection)),
            statements: RefCell::new(HashMap::new()),
            broken: Cell::new(false),
        })
    }

    /// Waits for `request` while driving the connection; a connection that ends meanwhile
    /// is an error, and the connection is not reused.
    fn run<T>(
        &self,
        request: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, ServerError> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| ServerError::internal("a PostgreSQL connection without its runtime"))?;
        let mut driver = self
            .driver
            .try_borrow_mut()
            .map_err(|_| ServerError::internal("a PostgreSQL connection used twice at once"))?;
        let result = runtime.block_on(async {
            tokio::select! {
                biased;
                answer = request => answer.map_err(|e| error(&e)),
                ended = driver.as_mut() => Err(match ended {
                    Ok(()) => ServerError::Database("postgres: the connection closed".into()),
                    Err(e) => error(&e),
                }),
            }
        });
        if result.is_err() && self.client.is_closed() {
            self.broken.set(true);
        }
        result
    }

    fn statement(&self, sql: &str) -> Result<Statement, ServerError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.run(self.client.prepare(&numbered_placeholders(sql)))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(crate) fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, ServerError> {
        let statement = self.statement(sql)?;
        let changed = self.run(self.client.execute(&statement, &refs(params)))?;
        usize::try_from(changed).map_err(|e| ServerError::internal(format!("row count: {e}")))
    }

    pub(crate) fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, ServerError> {
        let statement = self.statement(sql)?;
        let rows = self.run(self.client.query(&statement, &refs(params)))?;
        rows.iter().map(row).collect()
    }

    pub(crate) fn for_each(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&crate::db::RowRef<'_>) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        let statement = self.statement(sql)?;
        let rows = self.run(self.client.query(&statement, &refs(params)))?;
        for row in &rows {
            each(&crate::db::RowRef::Postgres(row))?;
        }
        Ok(())
    }

    pub(crate) fn batch(&self, sql: &str) -> Result<(), ServerError> {
        self.run(self.client.batch_execute(sql))
    }

    pub(crate) fn mark_broken(&self) {
        self.broken.set(true);
    }

    pub(crate) fn reusable(&self) -> bool {
        !self.broken.get() && !self.client.is_closed()
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

fn row(row: &tokio_postgres::Row) -> Result<Row, ServerError> {
    let read = |e: tokio_postgres::Error| ServerError::internal(format!("reading a row: {e}"));
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(index)
                .map_err(read)?
                .map(Value::Integer)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(index)
                .map_err(read)?
                .map(|n| Value::Integer(n.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(index)
                .map_err(read)?
                .map(|n| Value::Integer(n.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(index)
                .map_err(read)?
                .map(|b| Value::Integer(b.into()))
        } else if *ty == Type::FLOAT8 {
            row.try_get::<_, Option<f64>>(index)
                .map_err(read)?
                .map(Value::Real)
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(index)
                .map_err(read)?
                .map(Value::Blob)
        } else if [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME].contains(ty) {
            row.try_get::<_, Option<String>>(index)
                .map_err(read)?
                .map(Value::Text)
        } else {
            return Err(ServerError::internal(format!(
                "column {} has a type the server does not read: {ty}",
                column.name()
            )));
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row::new(values))
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Self::Null => Ok(IsNull::Yes),
            Self::Integer(n) => {
                if *ty == Type::INT8 {
                    n.to_sql(ty, out)
                } else if *ty == Type::INT4 {
                    i32::try_from(*n)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(*n)?.to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (*n != 0).to_sql(ty, out)
                } else {
                    Err(format!("an integer cannot be sent as {ty}").into())
                }
            }
            Self::Real(x) => x.to_sql(ty, out),
            Self::Text(text) => text.as_str().to_sql(ty, out),
            Self::Blob(bytes) => bytes.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`, which knows the variant.
        true
    }

    to_sql_checked!();
}

/// A few connections shared by the blocking threads that run database work.
pub(crate) struct Pool {
    target: PgTarget,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    /// Checks the URL and connects once (migrating the schema), so that a wrong URL or
    /// password stops the server at start. Must run on a blocking thread.
    pub(crate) fn open(target: PgTarget) -> Result<Self, ServerError> {
        let pool = Self {
            target,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(POOL_SIZE)),
        };
        let mut conn = pool.take()?;
        migrate(&mut conn)?;
        pool.give_back(conn);
        Ok(pool)
    }

    /// Waits for a turn to use a connection.
    pub(crate) async fn permit(&self) -> Result<OwnedSemaphorePermit, ServerError> {
        Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| ServerError::internal(format!("database pool: {e}")))
    }

    /// An idle connection, or a new one. Blocks; call while holding a permit.
    pub(crate) fn take(&self) -> Result<Conn, ServerError> {
        let idle = self
            .idle
            .lock()
            .map_err(|_| ServerError::internal("database pool mutex poisoned"))?
            .pop();
        match idle {
            Some(conn) if conn.reusable() => Ok(conn),
            _ => Ok(Conn::postgres(PgConn::connect(&self.target)?)),
        }
    }

    /// Returns a connection for reuse, unless it broke.
    pub(crate) fn give_back(&self, conn: Conn) {
        if conn.reusable()
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push(conn);
        }
    }
}

/// Applies the migrations not applied yet, each in its own transaction, recording the
/// version in `schema_version`. Concurrent starts wait on an advisory lock per schema.
fn migrate(conn: &mut Conn) -> Result<(), ServerError> {
    loop {
        conn.batch(
            "BEGIN;
             SET LOCAL client_min_messages = warning;
             SELECT pg_advisory_xact_lock(hashtext('portal-migrate:' || current_schema()));
             CREATE TABLE IF NOT EXISTS schema_version (
                 id      BIGINT PRIMARY KEY CHECK (id = 1),
                 version BIGINT NOT NULL
             );
             INSERT INTO schema_version (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING;",
        )?;
        let applied = conn
            .query_one(
                "SELECT version FROM schema_version WHERE id = 1",
                &[],
                |row| row.get::<i64>(0),
            )
            .and_then(|v| {
                usize::try_from(v).map_err(|e| ServerError::internal(format!("version: {e}")))
            });
        let step = match applied {
            Ok(applied) if applied >= MIGRATIONS.len() => {
                conn.batch("COMMIT")?;
                return Ok(());
            }
            Ok(applied) => applied,
            Err(e) => {
                conn.batch("ROLLBACK")?;
                return Err(e);
            }
        };
        let result = conn.batch(MIGRATIONS[step]).and_then(|()| {
            conn.execute(
                "UPDATE schema_version SET version = ?1 WHERE id = 1",
                &[Value::Integer(step as i64 + 1)],
            )
        });
        match result {
            Ok(_) => {
                conn.batch("COMMIT")?;
                tracing::info!(version = step + 1, "applied database migration");
            }
            Err(e) => {
                conn.batch("ROLLBACK")?;
                return Err(e);
            }
        }
    }
}

/// How many connections serve [`Readers`]. Each carries many reads at once
/// (tokio-postgres pipelines them); with two, a backend that paused (a checkpoint, say)
/// held up half the reads, and the page's p99 at half its peak rate reached 14-18 ms in
/// two runs of five, against 4 ms with four.
const READER_CONNECTIONS: usize = 4;

/// A reader slot, locked. It holds no invariant a panic could break: keep using it.
fn lock(slot: &Mutex<Option<Arc<Reader>>>) -> std::sync::MutexGuard<'_, Option<Arc<Reader>>> {
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Connections for short reads awaited on the request's own task (the sync page), with
/// no hand-off to a blocking thread: concurrent statements on one connection are
/// pipelined, so a reader is never taken, only shared. Statements are prepared once per
/// connection. A connection that closed (PostgreSQL restarted, the network dropped) is
/// replaced on its next use, and a statement that failed because of it runs once more
/// on the new connection: these are reads, so repeating one is harmless.
pub(crate) struct Readers {
    target: PgTarget,
    slots: Vec<Mutex<Option<Arc<Reader>>>>,
    next: std::sync::atomic::AtomicUsize,
}

struct Reader {
    client: Client,
    statements: Mutex<HashMap<&'static str, Statement>>,
}

impl Readers {
    pub(crate) fn new(target: PgTarget) -> Self {
        Self {
            target,
            slots: (0..READER_CONNECTIONS).map(|_| Mutex::new(None)).collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Runs one read statement (portable SQL, see [`numbered_placeholders`]) and returns
    /// its rows.
    pub(crate) async fn query(
        &self,
        sql: &'static str,
        params: &[Value],
    ) -> Result<Vec<tokio_postgres::Row>, ServerError> {
        let slot = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.slots.len();
        let reader = self.reader(slot).await?;
        match reader.query(sql, params).await {
            Err(e) if e.is_closed() || reader.client.is_closed() => {
                tracing::warn!(error = %error(&e), "a PostgreSQL read connection closed; reconnecting");
                let reader = self.reader(slot).await?;
                reader.query(sql, params).await.map_err(|e| error(&e))
            }
            other => other.map_err(|e| error(&e)),
        }
    }

    /// The slot's open connection, connecting a new one if it has none or it closed.
    async fn reader(&self, slot: usize) -> Result<Arc<Reader>, ServerError> {
        let Some(cell) = self.slots.get(slot) else {
            return Err(ServerError::internal("no such database read slot"));
        };
        if let Some(reader) = lock(cell).as_ref()
            && !reader.client.is_closed()
        {
            return Ok(Arc::clone(reader));
        }
        let (client, connection) = self
            .target
            .config
            .connect(self.target.tls.clone())
            .await
            .map_err(|e| error(&e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %error(&e), "a PostgreSQL read connection ended");
            }
        });
        let reader = Arc::new(Reader {
            client,
            statements: Mutex::new(HashMap::new()),
        });
        *lock(cell) = Some(Arc::clone(&reader));
        Ok(reader)
    }
}

impl Reader {
    async fn query(
        &self,
        sql: &'static str,
        params: &[Value],
    ) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
        let cached = self
            .statements
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(sql)
            .cloned();
        let statement = match cached {
            Some(statement) => statement,
            None => {
                let statement = self.client.prepare(&numbered_placeholders(sql)).await?;
                self.statements
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(sql, statement.clone());
                statement
            }
        };
        self.client.query(&statement, &refs(params)).await
    }
}
