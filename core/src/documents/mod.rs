//! Documents on the device, as apps use them: `client.documents()`. Downloading a
//! document's bytes into the encrypted database with progress and resume (`Range` +
//! `If-Range`), checked against the record's SHA-256 before they count; pinning for
//! offline use; exporting a plaintext copy where the host asks (`export`); and uploads,
//! which the outbox sends before the write that refers to them.

mod export;

use crate::error::CoreError;
use crate::http::network;
use crate::notices::ChangeNotice;
use crate::outbox::Outbox;
use crate::session::Context;
use crate::store::blobs::document_status;
use crate::store::blobs::{CHUNK_BYTES, DownloadRow, sha256_hex};
use crate::store::{OutboxItem, Store};
pub use portal_model::views::{DocumentStatus, DownloadProgress};
use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long one request for document bytes may take, end to end.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// What the record says the bytes must be.
struct Expected {
    profile_id: Option<String>,
    sha256: String,
    size: u64,
}

/// The quoted ETag of an answer, if any.
fn etag_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The first byte of a `206` answer's `Content-Range: bytes a-b/n`.
fn range_start(response: &reqwest::Response) -> Option<u64> {
    let value = response
        .headers()
        .get(header::CONTENT_RANGE)?
        .to_str()
        .ok()?;
    let spec = value.trim().strip_prefix("bytes ")?;
    spec.split_once('-')?.0.trim().parse().ok()
}

/// Downloads, pins, exports and uploads of one client's documents.
#[derive(Clone)]
pub struct Documents {
    ctx: Arc<Context>,
}

impl Documents {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// What the document's record says its bytes are.
    async fn expected(&self, store: &Store, id: &str) -> Result<Expected, CoreError> {
        let record = store
            .get("document", id)
            .await?
            .ok_or(CoreError::UnknownDocument)?;
        let sha256 = record
            .data
            .get("sha256")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .ok_or(CoreError::UnknownDocument)?;
        let size = record
            .data
            .get("size")
            .and_then(Value::as_u64)
            .ok_or(CoreError::UnknownDocument)?;
        Ok(Expected {
            profile_id: record.profile_id,
            sha256,
            size,
        })
    }

    /// Where a document's bytes are on this device.
    pub async fn status(&self, id: &str) -> Result<DocumentStatus, CoreError> {
        let (store, _) = self.ctx.store().await?;
        Ok(document_status(store.download(id).await?.as_ref()))
    }

    /// Downloads a document's bytes into the encrypted database, continuing where an
    /// earlier download stopped. `progress` hears the bytes so far and the total. The
    /// bytes count only once they match the record's SHA-256; a mismatch throws them
    /// away and fails with [`CoreError::DocumentCorrupt`]. A dropped connection keeps
    /// what arrived and fails with [`CoreError::Network`]: call again to resume.
    pub async fn download(
        &self,
        id: &str,
        progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DocumentStatus, CoreError> {
        let result = self.fetch_document(id, false, progress).await;
        self.offline_state_changed(id);
        result
    }

    /// Tells the watches of documents (their lists show where the bytes are, the home
    /// counts the unopened ones) that a document's bytes came, went, or were kept.
    fn offline_state_changed(&self, id: &str) {
        self.ctx.notify(ChangeNotice::Records {
            kind: "document".to_owned(),
            ids: vec![id.to_owned()],
        });
    }

    /// Downloads a document (as [`Documents::download`]) and keeps it for
    /// offline use until [`Documents::unpin`].
    pub async fn pin(
        &self,
        id: &str,
        progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DocumentStatus, CoreError> {
        let result = self.fetch_document(id, true, progress).await;
        self.offline_state_changed(id);
        result
    }

    /// Frees a document's bytes on this device (pinned or not, whole or partial).
    pub async fn unpin(&self, id: &str) -> Result<(), CoreError> {
        let (store, _) = self.ctx.store().await?;
        store.forget_download(id).await?;
        self.offline_state_changed(id);
        Ok(())
    }

    async fn fetch_document(
        &self,
        id: &str,
        pin: bool,
        mut progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DocumentStatus, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let expected = self.expected(&store, id).await?;
        let mut row = store.download(id).await?;
        // Bytes of another version of the document are no use.
        if row.as_ref().is_some_and(|r| r.sha256 != expected.sha256) {
            store.forget_download(id).await?;
            row = None;
        }
        let row = match row {
            Some(row) if row.available => {
                if pin && !row.pinned {
                    store.set_pinned(id, true).await?;
                }
                progress(DownloadProgress {
                    received: row.size,
                    total: row.size,
                });
                return Ok(document_status(store.download(id).await?.as_ref()));
            }
            Some(row) => {
                if pin && !row.pinned {
                    store.set_pinned(id, true).await?;
                }
                row
            }
            None => {
                let now = self.ctx.now().timestamp_millis();
                store
                    .start_download(
                        id,
                        expected.profile_id.clone(),
                        &expected.sha256,
                        expected.size,
                        pin,
                        now,
                    )
                    .await?;
                DownloadRow {
                    sha256: expected.sha256.clone(),
                    size: expected.size,
                    etag: None,
                    received: 0,
                    available: false,
                    pinned: pin,
                }
            }
        };
        self.transfer(&store, id, row, &mut progress).await?;
        if !store.finish_download(id).await? {
            tracing::warn!("a downloaded document did not match its checksum; it was discarded");
            return Err(CoreError::DocumentCorrupt);
        }
        Ok(document_status(store.download(id).await?.as_ref()))
    }

    /// Fetches the bytes still missing and keeps them, chunk by chunk.
    async fn transfer(
        &self,
        store: &Store,
        id: &str,
        row: DownloadRow,
        progress: &mut (impl FnMut(DownloadProgress) + Send),
    ) -> Result<(), CoreError> {
        let path = format!("/v1/documents/{id}/content");
        let total = row.size;
        let mut received = row.received;
        progress(DownloadProgress { received, total });
        if received >= total && total > 0 {
            return Ok(());
        }
        let resume = row.etag.clone().filter(|_| received > 0);
        let response = self
            .ctx
            .send_bytes_request(
                |request| match &resume {
                    Some(etag) => request
                        .header(header::RANGE, format!("bytes={received}-"))
                        .header(header::IF_RANGE, etag.as_str()),
                    None => request,
                },
                Method::GET,
                &path,
                TRANSFER_TIMEOUT,
            )
            .await?;
        let etag = etag_of(&response);
        match response.status() {
            StatusCode::PARTIAL_CONTENT if range_start(&response) == Some(received) => {}
            StatusCode::OK | StatusCode::PARTIAL_CONTENT => {
                // The whole document (its content changed, or the range was not honoured).
                if received > 0 {
                    tracing::info!("a document changed on the server: its download starts over");
                    store.restart_download(id).await?;
                    received = 0;
                    progress(DownloadProgress { received, total });
                }
                if response.status() == StatusCode::PARTIAL_CONTENT {
                    return Err(CoreError::UnexpectedResponse { status: 206 });
                }
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                // Nothing past what we hold: the check of the whole decides.
                return Ok(());
            }
            other => {
                return Err(CoreError::UnexpectedResponse {
                    status: other.as_u16(),
                });
            }
        }
        let mut response = response;
        let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
        loop {
            let next = response.chunk().await;
            let piece = match next {
                Ok(Some(piece)) => piece,
                Ok(None) => break,
                Err(error) => {
                    // Keep what arrived, so the next call resumes after it.
                    self.keep(store, id, &mut received, &etag, &mut buffer)
                        .await?;
                    progress(DownloadProgress { received, total });
                    return Err(network(error));
                }
            };
            if received + (buffer.len() + piece.len()) as u64 > total {
                // More than the record says: the check below will fail; stop reading.
                buffer.extend_from_slice(&piece);
                break;
            }
            buffer.extend_from_slice(&piece);
            if buffer.len() >= CHUNK_BYTES {
                self.keep(store, id, &mut received, &etag, &mut buffer)
                    .await?;
                progress(DownloadProgress { received, total });
            }
        }
        self.keep(store, id, &mut received, &etag, &mut buffer)
            .await?;
        progress(DownloadProgress { received, total });
        Ok(())
    }

    /// Writes the buffered bytes at `received`; fails if another download of the same
    /// document moved on meanwhile.
    async fn keep(
        &self,
        store: &Store,
        id: &str,
        received: &mut u64,
        etag: &Option<String>,
        buffer: &mut Vec<u8>,
    ) -> Result<(), CoreError> {
        if buffer.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::replace(buffer, Vec::with_capacity(CHUNK_BYTES));
        let len = bytes.len() as u64;
        let now = self.ctx.now().timestamp_millis();
        if !store
            .append_download(id, *received, etag.clone(), bytes, now)
            .await?
        {
            return Err(CoreError::Storage(
                "the document's download changed while it ran; try again".to_owned(),
            ));
        }
        *received += len;
        Ok(())
    }

    /// Writes a plaintext copy of a document to `destination` (a path the host chose),
    /// readable by this user only where the OS allows. The bytes are downloaded first if
    /// they are not here, and checked against the record's SHA-256 again. On failure
    /// nothing is left behind. Returns the number of bytes written.
    pub async fn export(&self, id: &str, destination: &Path) -> Result<u64, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let expected = self.expected(&store, id).await?;
        let ready = store
            .download(id)
            .await?
            .is_some_and(|r| r.available && r.sha256 == expected.sha256);
        if !ready {
            let fetched = self.fetch_document(id, false, |_| {}).await;
            self.offline_state_changed(id);
            fetched?;
        }
        let bytes = store.document_bytes(id).await?;
        if sha256_hex(&bytes) != expected.sha256 {
            store.forget_download(id).await?;
            return Err(CoreError::DocumentCorrupt);
        }
        let destination = destination.to_owned();
        tokio::task::spawn_blocking(move || export::write_private_copy(&destination, &bytes))
            .await
            .map_err(|e| CoreError::Storage(format!("file task: {e}")))?
    }

    /// Stores a file (encrypted) and queues an `upload_document` write for it: the
    /// outbox sends the bytes (`PUT /v1/uploads/{upload_id}`) and then the write.
    /// `category` defaults to `upload` on the server. Returns the write, as the outbox
    /// holds it (`client.outbox().watch_item` follows it).
    pub async fn upload(
        &self,
        profile_id: &str,
        title: &str,
        category: Option<&str>,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<OutboxItem, CoreError> {
        Outbox::new(self.ctx.clone())
            .upload_document(profile_id, title, category, content_type, bytes)
            .await
    }
}
