//! The patient's files: stored encrypted with the write that carries them (a document
//! upload, a message's attachments), sent by the outbox before that write (`PUT
//! /v1/uploads/{id}`, idempotent), and freed once the write is sent or discarded.

use super::{Outbox, new_mutation_id};
use crate::error::CoreError;
use crate::store::blobs::StoredUpload;
use crate::store::outbox::PendingWrite;
use crate::store::{OutboxItem, Store};
use reqwest::{Method, header};
use serde_json::{Value, json};
use std::time::Duration;

/// The largest document the server takes (25 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 25 * 1024 * 1024;

/// How long one upload may take, end to end.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// A file to attach to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name it is filed under on the server (for example `insurance card.pdf`;
    /// directories are dropped). An empty name files it as "Attachment".
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Upload ids a write refers to: the file of `upload_document`, a message's attachments.
fn upload_ids(write: &PendingWrite) -> Vec<String> {
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

impl Outbox {
    /// Stores a file (encrypted) and queues an `upload_document` write for it: the
    /// outbox sends the bytes (`PUT /v1/uploads/{upload_id}`) and then the write.
    /// `category` defaults to `upload` on the server. Returns the write.
    pub(crate) async fn upload_document(
        &self,
        profile_id: &str,
        title: &str,
        category: Option<&str>,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<OutboxItem, CoreError> {
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
        to: super::MessageTo,
        body: &str,
        attachments: Vec<Attachment>,
    ) -> Result<OutboxItem, CoreError> {
        let mut args = super::message_args(to, body)?;
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
    ) -> Result<OutboxItem, CoreError> {
        match self.write(kind, profile_id, args).await {
            Ok(item) => Ok(item),
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
        if let Ok((store, _)) = self.ctx.store().await
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
        if !self.ctx.require_unlocked()?.acts_for(profile_id) {
            return Err(CoreError::UnknownProfile);
        }
        let (store, _) = self.ctx.store().await?;
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
                self.ctx.now().timestamp_millis(),
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
            self.ctx
                .send_bytes_request(
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
                    UPLOAD_TIMEOUT,
                )
                .await?;
            store
                .mark_uploaded(&upload_id, self.ctx.now().timestamp_millis())
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
