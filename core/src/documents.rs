//! Documents on the device: downloading a document's bytes into the encrypted database
//! with progress and resume (`Range` + `If-Range`), checked against the record's
//! SHA-256 before they count; pinning for offline use; exporting a plaintext copy where
//! the host asks; and the patient's own uploads, sent by the outbox before the write
//! that refers to them.

use crate::client::PortalClient;
use crate::error::CoreError;
use crate::http::{Failure, network};
use crate::outbox::new_mutation_id;
use crate::store::Store;
use crate::store::blobs::{CHUNK_BYTES, DownloadRow, StoredUpload, sha256_hex};
use crate::store::outbox::PendingWrite;
use portal_model::{ApiErrorBody, ErrorCode};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest document the server takes (25 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 25 * 1024 * 1024;

/// How long one request for document bytes may take, end to end.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Where a document's bytes are on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    /// No bytes here.
    NotDownloaded,
    /// Part of it arrived; the next download continues from `received`.
    Partial { received: u64, total: u64 },
    /// All of it, checked against its SHA-256.
    Available,
    /// Available, and kept for offline use until unpinned.
    Pinned,
}

/// How far a download is, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadProgress {
    pub received: u64,
    pub total: u64,
}

/// A file to attach to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name it is filed under on the server (for example `insurance card.pdf`;
    /// directories are dropped). An empty name files it as "Attachment".
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What the record says the bytes must be.
struct Expected {
    profile_id: Option<String>,
    sha256: String,
    size: u64,
}

fn status_of(row: Option<&DownloadRow>) -> DocumentStatus {
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

/// Upload ids a write refers to: the file of `upload_document`, a message's attachments.
pub(crate) fn upload_ids(write: &PendingWrite) -> Vec<String> {
    match write.kind.as_str() {
        "upload_document" => write
            .args
            .get("upload_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        "send_message" => write
            .args
            .get("attachment_ids")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

impl PortalClient {
    /// Sends a request for bytes as the signed-in account, refreshing once if the
    /// access token is stale. Answers that are not 2xx (nor 304/416, which callers
    /// read) become errors.
    async fn send_bytes_request(
        &self,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
        method: Method,
        path: &str,
    ) -> Result<reqwest::Response, CoreError> {
        let account_id = self.require_unlocked()?.account.id;
        let mut refreshed = false;
        loop {
            let tokens = self
                .vault
                .tokens(&account_id)
                .await?
                .ok_or(CoreError::NotSignedIn)?;
            let request =
                build(
                    self.api
                        .raw(method.clone(), path, &tokens.access_token, TRANSFER_TIMEOUT),
                );
            let response = request.send().await.map_err(network)?;
            let status = response.status();
            if status.is_success() || status == StatusCode::RANGE_NOT_SATISFIABLE {
                return Ok(response);
            }
            let bytes = response.bytes().await.map_err(network)?;
            let body = serde_json::from_slice::<ApiErrorBody>(&bytes).ok();
            if !refreshed && body.as_ref().map(|b| b.error.code) == Some(ErrorCode::SessionExpired)
            {
                refreshed = true;
                self.refresh(&account_id, Some(&tokens.access_token))
                    .await?;
                continue;
            }
            return Err(Failure { status, body }.into_error());
        }
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
    pub async fn document_status(&self, id: &str) -> Result<DocumentStatus, CoreError> {
        let (store, _) = self.store().await?;
        Ok(status_of(store.download(id).await?.as_ref()))
    }

    /// Downloads a document's bytes into the encrypted database, continuing where an
    /// earlier download stopped. `progress` hears the bytes so far and the total. The
    /// bytes count only once they match the record's SHA-256; a mismatch throws them
    /// away and fails with [`CoreError::DocumentCorrupt`]. A dropped connection keeps
    /// what arrived and fails with [`CoreError::Network`]: call again to resume.
    pub async fn download_document(
        &self,
        id: &str,
        progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DocumentStatus, CoreError> {
        self.fetch_document(id, false, progress).await
    }

    /// Downloads a document (as [`PortalClient::download_document`]) and keeps it for
    /// offline use until [`PortalClient::unpin_document`].
    pub async fn pin_document(
        &self,
        id: &str,
        progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DocumentStatus, CoreError> {
        self.fetch_document(id, true, progress).await
    }

    /// Frees a document's bytes on this device (pinned or not, whole or partial).
    pub async fn unpin_document(&self, id: &str) -> Result<(), CoreError> {
        let (store, _) = self.store().await?;
        store.forget_download(id).await
    }

    async fn fetch_document(
        &self,
        id: &str,
        pin: bool,
        mut progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DocumentStatus, CoreError> {
        let (store, _) = self.store().await?;
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
                return Ok(status_of(store.download(id).await?.as_ref()));
            }
            Some(row) => {
                if pin && !row.pinned {
                    store.set_pinned(id, true).await?;
                }
                row
            }
            None => {
                let now = self.now().timestamp_millis();
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
        Ok(status_of(store.download(id).await?.as_ref()))
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
            .send_bytes_request(
                |request| match &resume {
                    Some(etag) => request
                        .header(header::RANGE, format!("bytes={received}-"))
                        .header(header::IF_RANGE, etag.as_str()),
                    None => request,
                },
                Method::GET,
                &path,
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
        let now = self.now().timestamp_millis();
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
    pub async fn export_document(&self, id: &str, destination: &Path) -> Result<u64, CoreError> {
        let (store, _) = self.store().await?;
        let expected = self.expected(&store, id).await?;
        let ready = store
            .download(id)
            .await?
            .is_some_and(|r| r.available && r.sha256 == expected.sha256);
        if !ready {
            self.fetch_document(id, false, |_| {}).await?;
        }
        let bytes = store.document_bytes(id).await?;
        if sha256_hex(&bytes) != expected.sha256 {
            store.forget_download(id).await?;
            return Err(CoreError::DocumentCorrupt);
        }
        let destination = destination.to_owned();
        tokio::task::spawn_blocking(move || write_private_copy(&destination, &bytes))
            .await
            .map_err(|e| CoreError::Storage(format!("file task: {e}")))?
    }

    /// Stores a file (encrypted) and queues an `upload_document` write for it: the
    /// outbox sends the bytes (`PUT /v1/uploads/{upload_id}`) and then the write.
    /// `category` defaults to `upload` on the server. Returns the write's id.
    pub async fn upload_document(
        &self,
        profile_id: &str,
        title: &str,
        category: Option<&str>,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<String, CoreError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(CoreError::InvalidInput(
                "a document needs a title".to_owned(),
            ));
        }
        let upload_id = self
            .keep_upload(
                profile_id,
                &Attachment {
                    name: title.to_owned(),
                    content_type: content_type.to_owned(),
                    bytes,
                },
            )
            .await?;
        let mut args = json!({"upload_id": upload_id, "title": title});
        if let Some(category) = category {
            args["category"] = json!(category);
        }
        self.queue_with_uploads("upload_document", profile_id, args, vec![upload_id])
            .await
    }

    /// Sends a message with files attached: each file is stored (encrypted), uploaded
    /// by the outbox first, then the message refers to them by `attachment_ids`.
    pub async fn send_message_with_attachments(
        &self,
        profile_id: &str,
        to: crate::outbox::MessageTo,
        body: &str,
        attachments: Vec<Attachment>,
    ) -> Result<String, CoreError> {
        let mut args = crate::outbox::message_args(to, body)?;
        let mut ids = Vec::new();
        for attachment in &attachments {
            match self.keep_upload(profile_id, attachment).await {
                Ok(id) => ids.push(id),
                Err(error) => {
                    self.drop_uploads(ids).await;
                    return Err(error);
                }
            }
        }
        args["attachment_ids"] = json!(ids);
        self.queue_with_uploads("send_message", profile_id, args, ids)
            .await
    }

    /// Queues a write whose uploads are already stored; on failure they go.
    async fn queue_with_uploads(
        &self,
        kind: &str,
        profile_id: &str,
        args: Value,
        upload_ids: Vec<String>,
    ) -> Result<String, CoreError> {
        match self.write(kind, profile_id, args).await {
            Ok(id) => Ok(id),
            Err(error) => {
                self.drop_uploads(upload_ids).await;
                Err(error)
            }
        }
    }

    /// Best-effort cleanup of uploads whose write was never queued.
    async fn drop_uploads(&self, upload_ids: Vec<String>) {
        if upload_ids.is_empty() {
            return;
        }
        if let Ok((store, _)) = self.store().await
            && let Err(error) = store.forget_uploads(upload_ids).await
        {
            tracing::warn!(code = error.code(), "an unused upload could not be removed");
        }
    }

    /// Checks and stores one file to upload; returns its new upload id.
    async fn keep_upload(
        &self,
        profile_id: &str,
        attachment: &Attachment,
    ) -> Result<String, CoreError> {
        if attachment.bytes.is_empty() || attachment.bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(CoreError::InvalidInput(format!(
                "a file must be 1 byte to {} MiB",
                MAX_DOCUMENT_BYTES >> 20
            )));
        }
        let content_type = attachment.content_type.trim();
        if content_type.is_empty() || !content_type.contains('/') {
            return Err(CoreError::InvalidInput(
                "a file needs a content type such as application/pdf".to_owned(),
            ));
        }
        let signed_in = self.require_unlocked()?;
        if !signed_in
            .profiles
            .iter()
            .any(|p| p.patient_id == profile_id)
        {
            return Err(CoreError::UnknownProfile);
        }
        let (store, _) = self.store().await?;
        let upload_id = new_mutation_id();
        store
            .put_upload(
                &upload_id,
                profile_id,
                crate::store::blobs::NewUpload {
                    content_type: content_type.to_owned(),
                    file_name: Some(attachment.name.trim())
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned),
                    bytes: attachment.bytes.clone(),
                },
                self.now().timestamp_millis(),
            )
            .await?;
        Ok(upload_id)
    }

    /// The outbox's step before sending a write: the files it refers to go first, each
    /// `PUT` under its own upload id (a repeat is answered 200, so a retry is safe).
    pub(crate) async fn send_uploads(
        &self,
        store: &Store,
        write: &PendingWrite,
    ) -> Result<(), CoreError> {
        for upload_id in upload_ids(write) {
            let Some(upload) = store.upload(&upload_id).await? else {
                // Not made on this device (or already gone): the server decides.
                continue;
            };
            if upload.uploaded {
                continue;
            }
            let path = format!("/v1/uploads/{upload_id}");
            let StoredUpload {
                content_type,
                file_name,
                bytes,
                ..
            } = upload;
            let disposition = file_name.as_deref().map(content_disposition);
            self.send_bytes_request(
                |request| {
                    let request = request
                        .header(header::CONTENT_TYPE, content_type.as_str())
                        .body(bytes.clone());
                    match &disposition {
                        Some(value) => request.header(header::CONTENT_DISPOSITION, value),
                        None => request,
                    }
                },
                Method::PUT,
                &path,
            )
            .await?;
            store
                .mark_uploaded(&upload_id, self.now().timestamp_millis())
                .await?;
            tracing::info!("a file was uploaded");
        }
        Ok(())
    }

    /// After a write was sent or discarded, the files it carried are no longer needed.
    pub(crate) async fn release_uploads(&self, store: &Store, write: &PendingWrite) {
        let ids = upload_ids(write);
        if ids.is_empty() {
            return;
        }
        if let Err(error) = store.forget_uploads(ids).await {
            tracing::warn!(code = error.code(), "a sent upload could not be removed");
        }
    }
}

/// A `Content-Disposition` header naming a file (RFC 6266 and 8187): the name in UTF-8,
/// percent-encoded, so any name survives the trip.
fn content_disposition(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename*=UTF-8''{encoded}")
}

/// Writes `bytes` to a private temporary file beside `destination`, then renames it
/// into place; the temporary file is removed on any failure.
fn write_private_copy(destination: &Path, bytes: &[u8]) -> Result<u64, CoreError> {
    use std::io::Write;
    let parent = destination
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = destination
        .file_name()
        .ok_or_else(|| CoreError::InvalidInput("the destination needs a file name".to_owned()))?;
    let temp: PathBuf = parent.join(format!(
        ".{}.{}.part",
        name.to_string_lossy(),
        new_mutation_id()
    ));
    let storage = |action: &str, e: std::io::Error| {
        CoreError::Storage(format!("{action} the exported copy: {e}"))
    };
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp).map_err(|e| storage("creating", e))?;
        file.write_all(bytes).map_err(|e| storage("writing", e))?;
        file.sync_all().map_err(|e| storage("writing", e))?;
        drop(file);
        std::fs::rename(&temp, destination).map_err(|e| storage("placing", e))?;
        Ok(bytes.len() as u64)
    })();
    if result.is_err() {
        // Nothing half-written stays behind (the file may not exist: ignore that).
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_travel_percent_encoded_in_utf_8() {
        assert_eq!(
            content_disposition("card.pdf"),
            "attachment; filename*=UTF-8''card.pdf"
        );
        assert_eq!(
            content_disposition("résumé (1)/\"x\".png"),
            "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29%2F%22x%22.png"
        );
    }

    #[test]
    fn an_export_that_fails_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let missing = dir.path().join("no-such-dir").join("copy.pdf");
        assert!(write_private_copy(&missing, b"%PDF").is_err());
        let ok = dir.path().join("copy.pdf");
        assert_eq!(write_private_copy(&ok, b"%PDF").ok(), Some(4));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("copy.pdf")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&ok).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
    }

    #[test]
    fn writes_name_their_uploads() {
        let write = |kind: &str, args: Value| PendingWrite {
            id: "m".into(),
            kind: kind.into(),
            profile_id: "p".into(),
            args,
        };
        assert_eq!(
            upload_ids(&write("upload_document", json!({"upload_id": "u1"}))),
            vec!["u1"]
        );
        assert_eq!(
            upload_ids(&write(
                "send_message",
                json!({"attachment_ids": ["a", "b"]})
            )),
            vec!["a", "b"]
        );
        assert!(upload_ids(&write("mark_read", json!({}))).is_empty());
    }
}
