//! Document bytes inside the encrypted database: downloads kept in chunks as they
//! arrive (so a download resumes where it stopped), and the patient's uploads until the
//! write that refers to them is sent. Nothing here ever touches a loose file.

use super::Cached as _;
use super::Store;
use crate::error::CoreError;
use portal_model::views::DocumentStatus;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// SQLite integers are signed; sizes fit easily (documents are at most 25 MiB).
fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
use sha2::{Digest, Sha256};

/// The largest chunk stored in one row.
pub(crate) const CHUNK_BYTES: usize = 256 * 1024;

fn document_owner(id: &str) -> String {
    format!("document:{id}")
}

fn upload_owner(id: &str) -> String {
    format!("upload:{id}")
}

/// Lower-case hex SHA-256, as the protocol's `sha256` and `ETag` carry it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The status a download row (or none) stands for.
pub(crate) fn document_status(row: Option<&DownloadRow>) -> DocumentStatus {
    match row {
        None => DocumentStatus::NotDownloaded,
        Some(r) if r.available && r.pinned => DocumentStatus::Pinned,
        Some(r) if r.available => DocumentStatus::Available,
        Some(r) => DocumentStatus::Partial {
            received: r.received,
            total: r.size,
        },
    }
}

/// A document's download as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DownloadRow {
    /// The SHA-256 the bytes must match (the record's, when the download started).
    pub sha256: String,
    pub size: u64,
    pub etag: Option<String>,
    pub received: u64,
    /// Every byte arrived and matched `sha256`.
    pub available: bool,
    pub pinned: bool,
}

/// A file the patient uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredUpload {
    pub content_type: String,
    /// The file's name, if it has one.
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
    /// The server already has the bytes.
    pub uploaded: bool,
}

/// A file to keep for upload.
pub(crate) struct NewUpload {
    pub content_type: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// Appends `bytes` to `owner`'s chunks, in rows of at most [`CHUNK_BYTES`].
fn append_chunks(tx: &Transaction<'_>, owner: &str, bytes: &[u8]) -> Result<(), rusqlite::Error> {
    let first: i64 = tx.one(
        "SELECT coalesce(max(chunk) + 1, 0) FROM blobs WHERE owner = ?1",
        params![owner],
        |row| row.get(0),
    )?;
    for (chunk, piece) in (first..).zip(bytes.chunks(CHUNK_BYTES)) {
        tx.run(
            "INSERT INTO blobs (owner, chunk, bytes) VALUES (?1, ?2, ?3)",
            params![owner, chunk, piece],
        )?;
    }
    Ok(())
}

/// Every chunk of `owner`, in order, handed to `each`.
fn each_chunk(
    conn: &Connection,
    owner: &str,
    mut each: impl FnMut(&[u8]),
) -> Result<(), rusqlite::Error> {
    let mut statement = conn.prepare("SELECT bytes FROM blobs WHERE owner = ?1 ORDER BY chunk")?;
    let mut rows = statement.query(params![owner])?;
    while let Some(row) = rows.next()? {
        let bytes: Vec<u8> = row.get(0)?;
        each(&bytes);
    }
    Ok(())
}

/// Removes a document's bytes and download (a pulled delete, or unpinning).
pub(super) fn forget_document(tx: &Transaction<'_>, id: &str) -> Result<(), rusqlite::Error> {
    tx.run(
        "DELETE FROM blobs WHERE owner = ?1",
        params![document_owner(id)],
    )?;
    tx.run("DELETE FROM downloads WHERE document_id = ?1", params![id])?;
    Ok(())
}

/// Removes the bytes of every document and upload of a purged profile.
pub(super) fn forget_profile(
    tx: &Transaction<'_>,
    profile_id: &str,
) -> Result<(), rusqlite::Error> {
    tx.run(
        "DELETE FROM blobs WHERE owner IN (
           SELECT 'document:' || document_id FROM downloads WHERE profile_id = ?1
           UNION ALL
           SELECT 'document:' || id FROM records WHERE kind = 'document' AND profile_id = ?1
           UNION ALL
           SELECT 'upload:' || upload_id FROM uploads WHERE profile_id = ?1)",
        params![profile_id],
    )?;
    tx.run(
        "DELETE FROM downloads WHERE profile_id = ?1 OR document_id IN (
           SELECT id FROM records WHERE kind = 'document' AND profile_id = ?1)",
        params![profile_id],
    )?;
    tx.run(
        "DELETE FROM uploads WHERE profile_id = ?1",
        params![profile_id],
    )?;
    Ok(())
}

impl Store {
    /// Removes the bytes of documents no longer in the copy (after a full resync, the
    /// deletes that were purged from the server's feed are never seen one by one).
    pub(crate) async fn forget_orphan_downloads(&self) -> Result<(), CoreError> {
        self.call(|conn| {
            let tx = conn.transaction()?;
            tx.run(
                "DELETE FROM blobs WHERE owner IN (
                   SELECT 'document:' || document_id FROM downloads WHERE document_id NOT IN (
                     SELECT id FROM records WHERE kind = 'document'))",
                [],
            )?;
            tx.run(
                "DELETE FROM downloads WHERE document_id NOT IN (
                   SELECT id FROM records WHERE kind = 'document')",
                [],
            )?;
            tx.commit()
        })
        .await
    }

    /// A document's download, if one was started.
    pub(crate) async fn download(&self, id: &str) -> Result<Option<DownloadRow>, CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.one(
                "SELECT sha256, size, etag, received, state, pinned FROM downloads
                 WHERE document_id = ?1",
                params![id],
                |row| {
                    Ok(DownloadRow {
                        sha256: row.get(0)?,
                        size: row.get::<_, i64>(1)?.max(0).unsigned_abs(),
                        etag: row.get(2)?,
                        received: row.get::<_, i64>(3)?.max(0).unsigned_abs(),
                        available: row.get::<_, String>(4)? == "available",
                        pinned: row.get(5)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    /// Starts a document's download afresh (any bytes kept before are dropped).
    pub(crate) async fn start_download(
        &self,
        id: &str,
        profile_id: Option<String>,
        sha256: &str,
        size: u64,
        pinned: bool,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        let (id, sha256) = (id.to_owned(), sha256.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction()?;
            forget_document(&tx, &id)?;
            tx.run(
                "INSERT INTO downloads (document_id, profile_id, sha256, size, state, pinned,
                   updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'partial', ?5, ?6)",
                params![id, profile_id, sha256, int(size), pinned, now_ms],
            )?;
            tx.commit()
        })
        .await
    }

    /// Drops the bytes received so far (the server's content changed): the download
    /// starts again from byte 0.
    pub(crate) async fn restart_download(&self, id: &str) -> Result<(), CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.run(
                "DELETE FROM blobs WHERE owner = ?1",
                params![document_owner(&id)],
            )?;
            tx.run(
                "UPDATE downloads SET received = 0, etag = NULL, state = 'partial'
                 WHERE document_id = ?1",
                params![id],
            )?;
            tx.commit()
        })
        .await
    }

    /// Keeps `bytes` that arrived at offset `at`, with the answer's ETag. False when the
    /// download is no longer at `at` (another download of it ran meanwhile, or it was
    /// removed): nothing is written.
    pub(crate) async fn append_download(
        &self,
        id: &str,
        at: u64,
        etag: Option<String>,
        bytes: Vec<u8>,
        now_ms: i64,
    ) -> Result<bool, CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let moved = tx.run(
                "UPDATE downloads SET received = received + ?3, etag = ?4, updated_at = ?5
                 WHERE document_id = ?1 AND received = ?2 AND state = 'partial'",
                params![id, int(at), bytes.len() as i64, etag, now_ms],
            )?;
            if moved == 0 {
                return Ok(false);
            }
            append_chunks(&tx, &document_owner(&id), &bytes)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    /// Checks the bytes kept against the download's SHA-256: when they match, the
    /// document is available; otherwise they are dropped. Returns whether they matched.
    pub(crate) async fn finish_download(&self, id: &str) -> Result<bool, CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let expected: String = tx.one(
                "SELECT sha256 FROM downloads WHERE document_id = ?1",
                params![id],
                |row| row.get(0),
            )?;
            let mut hasher = Sha256::new();
            each_chunk(&tx, &document_owner(&id), |bytes| hasher.update(bytes))?;
            let matched = hex(&hasher.finalize()) == expected;
            if matched {
                tx.run(
                    "UPDATE downloads SET state = 'available' WHERE document_id = ?1",
                    params![id],
                )?;
            } else {
                forget_document(&tx, &id)?;
            }
            tx.commit()?;
            Ok(matched)
        })
        .await
    }

    /// Marks a downloaded document as kept for offline use, or not.
    pub(crate) async fn set_pinned(&self, id: &str, pinned: bool) -> Result<(), CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.run(
                "UPDATE downloads SET pinned = ?2 WHERE document_id = ?1",
                params![id, pinned],
            )
            .map(drop)
        })
        .await
    }

    /// Frees a document's bytes.
    pub(crate) async fn forget_download(&self, id: &str) -> Result<(), CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            forget_document(&tx, &id)?;
            tx.commit()
        })
        .await
    }

    /// A downloaded document's bytes, in order.
    pub(crate) async fn document_bytes(&self, id: &str) -> Result<Vec<u8>, CoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let mut out = Vec::new();
            each_chunk(conn, &document_owner(&id), |bytes| {
                out.extend_from_slice(bytes);
            })?;
            Ok(out)
        })
        .await
    }

    /// Keeps an upload's bytes (and its file name) until the write that refers to it
    /// is sent.
    pub(crate) async fn put_upload(
        &self,
        upload_id: &str,
        profile_id: &str,
        file: NewUpload,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        let (upload_id, profile_id) = (upload_id.to_owned(), profile_id.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.run(
                "INSERT INTO uploads (upload_id, profile_id, content_type, size, sha256,
                   created_at, file_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    upload_id,
                    profile_id,
                    file.content_type,
                    file.bytes.len() as i64,
                    sha256_hex(&file.bytes),
                    now_ms,
                    file.file_name
                ],
            )?;
            let bytes = file.bytes;
            append_chunks(&tx, &upload_owner(&upload_id), &bytes)?;
            tx.commit()
        })
        .await
    }

    /// An upload kept on this device, if any.
    pub(crate) async fn upload(&self, upload_id: &str) -> Result<Option<StoredUpload>, CoreError> {
        let upload_id = upload_id.to_owned();
        self.call(move |conn| {
            let row: Option<(String, Option<i64>, Option<String>)> = conn
                .query_row(
                    "SELECT content_type, uploaded_at, file_name FROM uploads
                     WHERE upload_id = ?1",
                    params![upload_id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let Some((content_type, uploaded_at, file_name)) = row else {
                return Ok(None);
            };
            let mut bytes = Vec::new();
            each_chunk(conn, &upload_owner(&upload_id), |chunk| {
                bytes.extend_from_slice(chunk);
            })?;
            Ok(Some(StoredUpload {
                content_type,
                file_name,
                bytes,
                uploaded: uploaded_at.is_some(),
            }))
        })
        .await
    }

    /// The server has an upload's bytes.
    pub(crate) async fn mark_uploaded(
        &self,
        upload_id: &str,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        let upload_id = upload_id.to_owned();
        self.call(move |conn| {
            conn.run(
                "UPDATE uploads SET uploaded_at = ?2 WHERE upload_id = ?1",
                params![upload_id, now_ms],
            )
            .map(drop)
        })
        .await
    }

    /// Drops uploads and their bytes (their write was sent, or discarded).
    pub(crate) async fn forget_uploads(&self, upload_ids: Vec<String>) -> Result<(), CoreError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            for id in &upload_ids {
                tx.run(
                    "DELETE FROM blobs WHERE owner = ?1",
                    params![upload_owner(id)],
                )?;
                tx.run("DELETE FROM uploads WHERE upload_id = ?1", params![id])?;
            }
            tx.commit()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
