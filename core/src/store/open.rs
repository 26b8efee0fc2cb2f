//! Opening an account's encrypted database: the key, file permissions, pragmas,
//! migrations, and quarantine of a file that the key cannot open.

use crate::error::CoreError;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The database file's name inside the account's directory.
pub(crate) const DB_FILE: &str = "portal.db";

/// The search index's file, beside it (see `search.rs`).
pub(crate) const SEARCH_FILE: &str = "search.db";

/// Numbered migrations; index + 1 is the schema version each one brings.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_records.sql"),
    include_str!("../../migrations/0002_search.sql"),
    include_str!("../../migrations/0003_outbox.sql"),
    include_str!("../../migrations/0004_documents.sql"),
    include_str!("../../migrations/0005_search_by_rowid.sql"),
    include_str!("../../migrations/0006_list_order.sql"),
    include_str!("../../migrations/0007_search_contentless.sql"),
    include_str!("../../migrations/0008_search_file.sql"),
    include_str!("../../migrations/0009_upload_names.sql"),
];

/// A 256-bit SQLCipher key, as 64 hex digits. Never logged.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StoreKey(String);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
}

impl StoreKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A key read back from the secret store; `None` unless it is 64 hex digits.
    pub fn from_stored(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(text.to_ascii_lowercase()))
    }

    /// The text kept in the secret store.
    pub fn as_stored(&self) -> &str {
        &self.0
    }

    /// The key as SQLCipher takes it in `PRAGMA key` and `ATTACH ... KEY` (raw hex).
    pub(super) fn as_sql(&self) -> String {
        format!("x'{}'", self.0)
    }
}

/// What opening found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// A new, empty database.
    Created,
    /// The existing database, opened with its key.
    Opened,
    /// The existing file could not be opened with the key (or the key was lost): it was
    /// moved aside to `moved_to`, untouched, and a new empty database was created.
    Quarantined { moved_to: PathBuf },
}

/// Opens (or creates) the database in `dir` with `key`. `key_is_new` says the key was
/// just made, so an existing file cannot be this key's.
pub(crate) fn open(
    dir: &Path,
    key: &StoreKey,
    key_is_new: bool,
) -> Result<(Connection, OpenOutcome), CoreError> {
    make_private_dir(dir)?;
    let path = dir.join(DB_FILE);
    let existed = path.exists();
    let mut quarantined = None;
    if existed && key_is_new {
        quarantined = Some(quarantine(&path)?);
    } else if existed {
        match connect(&path, key) {
            Ok(conn) => return Ok((conn, OpenOutcome::Opened)),
            Err(error) if is_wrong_key(&error) => {
                quarantined = Some(quarantine(&path)?);
            }
            Err(error) => return Err(error.into()),
        }
    }
    create_private_file(&path)?;
    let conn = connect(&path, key)?;
    let outcome = match quarantined {
        Some(moved_to) => {
            tracing::warn!(
                "the offline copy could not be opened with its key; it was set aside and will be downloaded again"
            );
            OpenOutcome::Quarantined { moved_to }
        }
        None => OpenOutcome::Created,
    };
    Ok((conn, outcome))
}

/// Opens the SQLCipher file at `path` with `key`, proven by a first read, in WAL mode.
pub(super) fn open_keyed(path: &Path, key: &StoreKey) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    // A wrong key is an expected case (quarantine, a search file rebuilt): keep
    // SQLCipher quiet.
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    conn.pragma_update(None, "key", key.as_sql())?;
    // The first read proves the key.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    Ok(conn)
}

fn connect(path: &Path, key: &StoreKey) -> Result<Connection, rusqlite::Error> {
    let mut conn = open_keyed(path, key)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Statements keep the plan they were prepared with: SQLite (built with STAT4)
    // otherwise prepares one again whenever a parameter it planned with is bound anew,
    // which a sync, binding every row's values, would pay per row.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    migrate(&mut conn, MIGRATIONS)?;
    Ok(conn)
}

/// Prepared statements kept per connection (the store runs a few dozen).
const STATEMENT_CACHE: usize = 128;

/// Brings the schema up to date, one migration per transaction.
pub(crate) fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), rusqlite::Error> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in migrations.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

fn is_wrong_key(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::NotADatabase
    )
}

/// Moves the database and its WAL and shared-memory files aside, never over anything.
fn quarantine(path: &Path) -> Result<PathBuf, CoreError> {
    let stamp = chrono::Utc::now().timestamp_millis();
    let mut target = path.with_file_name(format!("{DB_FILE}.quarantined-{stamp}"));
    let mut n = 0;
    while target.exists() {
        n += 1;
        target = path.with_file_name(format!("{DB_FILE}.quarantined-{stamp}-{n}"));
    }
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", target.display()));
            std::fs::rename(&from, &to).map_err(|e| storage("setting aside", &from, e))?;
        }
    }
    Ok(target)
}

pub(crate) fn storage(action: &str, path: &Path, error: std::io::Error) -> CoreError {
    CoreError::Storage(format!("{action} {}: {error}", path.display()))
}

/// Creates `dir` (and its parents) readable by this user only.
fn make_private_dir(dir: &Path) -> Result<(), CoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| storage("creating", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| storage("protecting", dir, e))?;
    }
    Ok(())
}

/// Creates the empty database file readable by this user only; SQLite gives its WAL and
/// shared-memory files the same permissions.
pub(super) fn create_private_file(path: &Path) -> Result<(), CoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| storage("creating", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema as SQLite describes it: every table, index and trigger, sorted.
    fn schema(conn: &Connection) -> Vec<(String, String, Option<String>)> {
        let mut statement = conn
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_database_migrated_step_by_step_equals_a_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::generate();
        // An old database: only the first migration, with a record in it.
        let old_path = dir.path().join("old");
        std::fs::create_dir_all(&old_path).unwrap();
        {
            let conn = Connection::open(old_path.join(DB_FILE)).unwrap();
            conn.pragma_update(None, "key", format!("x'{}'", key.as_stored()))
                .unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO records (kind, id, profile_id, rev, data)
                 VALUES ('message', 'm1', 'p1', 1, '{\"body\":\"knee pain\"}')",
                [],
            )
            .unwrap();
        }
        let (old, outcome) = open(&old_path, &key, false).unwrap();
        assert_eq!(outcome, OpenOutcome::Opened);
        let (fresh, outcome) = open(&dir.path().join("fresh"), &key, true).unwrap();
        assert_eq!(outcome, OpenOutcome::Created);
        assert_eq!(schema(&old), schema(&fresh));
        let version = |c: &Connection| -> i64 {
            c.pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap()
        };
        assert_eq!(version(&old), MIGRATIONS.len() as i64);
        assert_eq!(version(&fresh), MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_stored_key_must_be_64_hex_digits() {
        let key = StoreKey::generate();
        assert_eq!(StoreKey::from_stored(key.as_stored()), Some(key.clone()));
        assert_eq!(StoreKey::from_stored("abc"), None);
        assert_eq!(StoreKey::from_stored(&"zz".repeat(32)), None);
        assert!(!format!("{key:?}").contains(key.as_stored()));
    }
}
