//! The PostgreSQL backend: tokio-postgres connections used from the blocking threads that
//! run database work (each call waits on the runtime's handle), a small pool of them, and
//! migrations with a schema-version table.
//!
//! TLS is off: the server expects PostgreSQL on loopback or a private network
//! (`sslmode=require` is refused at connect time).

use crate::db::conn::Conn;
use crate::db::dialect::numbered_placeholders;
use crate::db::value::{Row, Value};
use crate::error::ServerError;
use bytes::BytesMut;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use tokio::runtime::Handle;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, Config, NoTls, Statement};

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
        None => ServerError::Database(format!("postgres: {e}")),
    }
}

/// One connection. Its methods block, so they run only on blocking threads.
pub(crate) struct PgConn {
    client: Client,
    handle: Handle,
    /// Prepared statements by their portable SQL.
    statements: RefCell<HashMap<String, Statement>>,
    broken: Cell<bool>,
}

impl PgConn {
    /// Connects; the connection's I/O runs as a task on `handle`'s runtime.
    fn connect(config: &Config, handle: &Handle) -> Result<Self, ServerError> {
        let (client, connection) = handle
            .block_on(config.connect(NoTls))
            .map_err(|e| error(&e))?;
        handle.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %error(&e), "a PostgreSQL connection ended");
            }
        });
        Ok(Self {
            client,
            handle: handle.clone(),
            statements: RefCell::new(HashMap::new()),
            broken: Cell::new(false),
        })
    }

    fn statement(&self, sql: &str) -> Result<Statement, ServerError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .handle
            .block_on(self.client.prepare(&numbered_placeholders(sql)))
            .map_err(|e| error(&e))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(crate) fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, ServerError> {
        let statement = self.statement(sql)?;
        let changed = self
            .handle
            .block_on(self.client.execute(&statement, &refs(params)))
            .map_err(|e| error(&e))?;
        usize::try_from(changed).map_err(|e| ServerError::internal(format!("row count: {e}")))
    }

    pub(crate) fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, ServerError> {
        let statement = self.statement(sql)?;
        let rows = self
            .handle
            .block_on(self.client.query(&statement, &refs(params)))
            .map_err(|e| error(&e))?;
        rows.iter().map(row).collect()
    }

    pub(crate) fn for_each(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&crate::db::RowRef<'_>) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        let statement = self.statement(sql)?;
        let rows = self
            .handle
            .block_on(self.client.query(&statement, &refs(params)))
            .map_err(|e| error(&e))?;
        for row in &rows {
            each(&crate::db::RowRef::Postgres(row))?;
        }
        Ok(())
    }

    pub(crate) fn batch(&self, sql: &str) -> Result<(), ServerError> {
        self.handle
            .block_on(self.client.batch_execute(sql))
            .map_err(|e| error(&e))
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
    config: Config,
    handle: Handle,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    /// Checks the URL and connects once (migrating the schema), so that a wrong URL or
    /// password stops the server at start. Must run on a blocking thread.
    pub(crate) fn open(config: Config, handle: Handle) -> Result<Self, ServerError> {
        let pool = Self {
            config,
            handle,
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
            _ => Ok(Conn::postgres(PgConn::connect(&self.config, &self.handle)?)),
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
