//! Document bytes in chunks of [`CHUNK_BYTES`] (`blob_chunks`), named by the content's
//! SHA-256 (`blobs`). An upload is written chunk by chunk as its body arrives, under a
//! staging key, each chunk in a short transaction of its own, so that neither the
//! server's memory nor the database's write lock holds a whole file while a slow client
//! sends it; once the body is complete and hashed, the filing transaction names the
//! chunks by their SHA-256 (or drops them when the same content is stored already). A
//! download, or a byte range of it, reads only the chunks it sends, a few at a time.

use crate::db::{Conn, Db};
use crate::error::ServerError;
use crate::params;
use bytes::Bytes;
use futures_util::Stream;
use sha2::{Digest, Sha256};

/// The size of a stored chunk (the last one of a file may be shorter).
pub const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks read per turn on a read connection while a download streams (1 MiB).
const CHUNKS_PER_READ: u64 = 4;
/// How long an upload may stay unfinished before housekeeping removes its chunks: far
/// beyond the longest an upload's request may last (ten times the request timeout).
const STAGING_KEPT_MS: i64 = 6 * 3_600_000;

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores bytes already in memory (a superbill the server wrote) in the caller's
/// transaction, unless the same content is stored already; returns their SHA-256.
pub fn put(tx: &Conn, bytes: &[u8]) -> Result<String, ServerError> {
    let sha = sha256_hex(bytes);
    if tx.exists("SELECT 1 FROM blobs WHERE sha256 = ?1", params![&sha])? {
        return Ok(sha);
    }
    tx.execute(
        "INSERT INTO blobs (sha256, size) VALUES (?1, ?2)",
        params![&sha, bytes.len() as i64],
    )?;
    for (seq, chunk) in bytes.chunks(CHUNK_BYTES).enumerate() {
        tx.execute(
            "INSERT INTO blob_chunks (blob_key, seq, bytes) VALUES (?1, ?2, ?3)",
            params![&sha, seq as i64, chunk.to_vec()],
        )?;
    }
    Ok(sha)
}

/// Removes a stored content and its chunks (the caller has checked nothing uses it).
/// Returns 1 if it was there.
pub fn remove(conn: &Conn, sha256: &str) -> Result<usize, ServerError> {
    conn.execute(
        "DELETE FROM blob_chunks WHERE blob_key = ?1",
        params![sha256],
    )?;
    conn.execute("DELETE FROM blobs WHERE sha256 = ?1", params![sha256])
}

/// An upload whose body is arriving: its chunks so far are stored under a staging key.
pub struct Incoming {
    db: Db,
    key: String,
    next_seq: i64,
    pending: Vec<u8>,
    size: u64,
    limit: u64,
    hasher: Sha256,
}

/// An upload's whole body, stored under its staging key until filed by [`file`].
#[derive(Debug)]
pub struct Staged {
    key: String,
    pub sha256: String,
    pub size: u64,
}

/// Why a body could not be taken.
pub enum Refused {
    /// More than the limit given to [`Incoming::start`].
    TooLarge,
    /// The database failed.
    Storage(ServerError),
}

impl From<ServerError> for Refused {
    fn from(error: ServerError) -> Self {
        Self::Storage(error)
    }
}

impl Incoming {
    /// Begins an upload of at most `limit` bytes.
    pub async fn start(db: &Db, now_ms: i64, limit: u64) -> Result<Self, ServerError> {
        let key = format!("staging:{}", crate::crypto::new_id("up"));
        let staging_key = key.clone();
        db.call(move |conn| {
            conn.execute(
                "INSERT INTO blob_staging (staging_key, created_at) VALUES (?1, ?2)",
                params![staging_key, now_ms],
            )
            .map(|_| ())
        })
        .await?;
        Ok(Self {
            db: db.clone(),
            key,
            next_seq: 0,
            pending: Vec::with_capacity(CHUNK_BYTES),
            size: 0,
            limit,
            hasher: Sha256::new(),
        })
    }

    /// Takes the next piece of the body, storing each chunk as it fills.
    pub async fn push(&mut self, mut data: &[u8]) -> Result<(), Refused> {
        self.size += data.len() as u64;
        if self.size > self.limit {
            return Err(Refused::TooLarge);
        }
        self.hasher.update(data);
        while !data.is_empty() {
            let room = CHUNK_BYTES - self.pending.len();
            let (now, later) = data.split_at(room.min(data.len()));
            self.pending.extend_from_slice(now);
            data = later;
            if self.pending.len() == CHUNK_BYTES {
                self.flush().await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), ServerError> {
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK_BYTES));
        let (key, seq) = (self.key.clone(), self.next_seq);
        self.db
            .call(move |conn| {
                conn.execute(
                    "INSERT INTO blob_chunks (blob_key, seq, bytes) VALUES (?1, ?2, ?3)",
                    params![key, seq, chunk],
                )
                .map(|_| ())
            })
            .await?;
        self.next_seq += 1;
        Ok(())
    }

    /// The body is complete: stores its last chunk and names its SHA-256.
    pub async fn finish(mut self) -> Result<Staged, ServerError> {
        if !self.pending.is_empty() {
            self.flush().await?;
        }
        Ok(Staged {
            key: self.key,
            sha256: hex(&self.hasher.finalize()),
            size: self.size,
        })
    }

    /// Gives the upload up (a broken or refused body): its chunks go at once. Should
    /// this fail, housekeeping removes them later.
    pub async fn discard(self) {
        discard_key(&self.db, self.key).await;
    }
}

async fn discard_key(db: &Db, key: String) {
    let result = db
        .call(move |conn| {
            let tx = conn.transaction()?;
            drop_staging(&tx, &key)?;
            tx.commit()
        })
        .await;
    if let Err(error) = result {
        tracing::warn!(%error, "an unfinished upload's chunks stay until housekeeping");
    }
}

fn drop_staging(conn: &Conn, key: &str) -> Result<(), ServerError> {
    conn.execute("DELETE FROM blob_chunks WHERE blob_key = ?1", params![key])?;
    conn.execute(
        "DELETE FROM blob_staging WHERE staging_key = ?1",
        params![key],
    )?;
    Ok(())
}

impl Staged {
    /// Gives a complete upload up (refused after it arrived: a conflict, a quota).
    pub async fn discard(self, db: &Db) {
        discard_key(db, self.key).await;
    }
}

/// In the caller's transaction: makes a staged upload the stored bytes of its SHA-256,
/// or drops its chunks when that content is stored already.
pub fn file(tx: &Conn, staged: &Staged) -> Result<(), ServerError> {
    if tx.exists(
        "SELECT 1 FROM blobs WHERE sha256 = ?1",
        params![&staged.sha256],
    )? {
        return drop_staging(tx, &staged.key);
    }
    tx.execute(
        "INSERT INTO blobs (sha256, size) VALUES (?1, ?2)",
        params![&staged.sha256, staged.size as i64],
    )?;
    tx.execute(
        "UPDATE blob_chunks SET blob_key = ?1 WHERE blob_key = ?2",
        params![&staged.sha256, &staged.key],
    )?;
    tx.execute(
        "DELETE FROM blob_staging WHERE staging_key = ?1",
        params![&staged.key],
    )?;
    Ok(())
}

/// In the caller's transaction: drops a staged upload (refused in the filing
/// transaction, which then commits).
pub fn unstage(tx: &Conn, staged: &Staged) -> Result<(), ServerError> {
    drop_staging(tx, &staged.key)
}

/// Removes uploads left unfinished (a dropped connection, a killed process) for longer
/// than any request may last. Returns how many.
pub fn purge_staging(conn: &Conn, now_ms: i64) -> Result<usize, ServerError> {
    let stale: Vec<String> = conn.query_all(
        "SELECT staging_key FROM blob_staging WHERE created_at < ?1",
        params![now_ms - STAGING_KEPT_MS],
        |row| row.get(0),
    )?;
    for key in &stale {
        drop_staging(conn, key)?;
    }
    Ok(stale.len())
}

/// The chunks `first..=last` that hold bytes `start..=end`, and where in the first
/// chunk the range starts.
fn chunk_span(start: u64, end: u64) -> (u64, u64, usize) {
    let chunk = CHUNK_BYTES as u64;
    (start / chunk, end / chunk, (start % chunk) as usize)
}

/// Bytes `start..=end` of a stored content, read a few chunks at a time on read
/// connections as the client takes them. A chunk found missing ends the stream with
/// an error (the answer breaks off rather than sending wrong bytes).
pub fn read_range(
    db: Db,
    sha256: String,
    start: u64,
    end: u64,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (first, last, skip) = chunk_span(start, end);
    let state = Some((db, sha256, first, skip, end - start + 1));
    futures_util::stream::unfold(state, move |state| async move {
        let (db, sha256, next, skip, left) = state?;
        if left == 0 || next > last {
            return None;
        }
        let upto = (next + CHUNKS_PER_READ - 1).min(last);
        let key = sha256.clone();
        let read = db
            .read(move |conn| {
                conn.query_all(
                    "SELECT seq, bytes FROM blob_chunks WHERE blob_key = ?1 AND seq BETWEEN ?2 AND ?3
                     ORDER BY seq",
                    params![key, next as i64, upto as i64],
                    |row| Ok((row.get::<i64>(0)?, row.get::<Vec<u8>>(1)?)),
                )
            })
            .await;
        let rows = match read {
            Ok(rows) => rows,
            Err(error) => return Some((Err(std::io::Error::other(error.to_string())), None)),
        };
        let complete = rows.len() as u64 == upto - next + 1
            && rows
                .iter()
                .enumerate()
                .all(|(i, (seq, _))| *seq == (next + i as u64) as i64);
        if !complete {
            tracing::error!(sha256 = %sha256, "a stored document is missing chunks");
            return Some((
                Err(std::io::Error::other("a stored document is missing chunks")),
                None,
            ));
        }
        let mut out = Vec::with_capacity(((upto - next + 1) as usize) * CHUNK_BYTES);
        for (_, bytes) in rows {
            out.extend_from_slice(&bytes);
        }
        let from = skip.min(out.len());
        let take = (left as usize).min(out.len() - from);
        let piece = Bytes::from(out).slice(from..from + take);
        let left = left - take as u64;
        Some((Ok(piece), Some((db, sha256, upto + 1, 0, left))))
    })
}

#[cfg(test)]
mod tests {
    use super::{CHUNK_BYTES, chunk_span};

    #[test]
    fn a_range_needs_only_the_chunks_it_covers() {
        let c = CHUNK_BYTES as u64;
        assert_eq!(chunk_span(0, 9), (0, 0, 0));
        assert_eq!(chunk_span(c - 1, c), (0, 1, CHUNK_BYTES - 1));
        assert_eq!(chunk_span(3 * c + 5, 3 * c + 10), (3, 3, 5));
        assert_eq!(chunk_span(0, 100 * c - 1), (0, 99, 0));
    }
}
