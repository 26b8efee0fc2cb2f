//! The offline copy across the FFI: pulling the feed with progress, and reads served
//! from the device. Record contents cross as JSON text (the protocol's `data`), parsed
//! by the host into its own types.

use crate::error::PortalError;
use crate::{PortalClient, SyncListener};
use std::sync::Arc;

/// One record as the server last sent it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfflineRecord {
    pub kind: String,
    pub id: String,
    pub profile_id: Option<String>,
    pub rev: i64,
    /// The record's fields (PROTOCOL.md, "What `data` holds"), as JSON.
    pub data_json: String,
}

/// A page of a list; pass `next` back for the following page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordPage {
    pub items: Vec<OfflineRecord>,
    pub next: Option<String>,
}

/// The open balance in one currency, in minor units.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Balance {
    pub currency: String,
    pub amount: i64,
}

/// A profile's home-screen numbers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileSummary {
    pub unread_messages: i64,
    pub next_appointment: Option<OfflineRecord>,
    pub balance_due: Vec<Balance>,
}

/// What a pull did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncResult {
    pub pages: u32,
    pub changes: u64,
    pub resynced: bool,
    pub purged_profiles: Vec<String>,
    pub quarantined: bool,
}

fn record(r: portal_core::StoredRecord) -> OfflineRecord {
    OfflineRecord {
        kind: r.kind,
        id: r.id,
        profile_id: r.profile_id,
        rev: r.rev,
        data_json: r.data.json().to_owned(),
    }
}

fn page(p: portal_core::Page) -> RecordPage {
    RecordPage {
        items: p.items.into_iter().map(record).collect(),
        next: p.next,
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PortalClient {
    /// Pulls the sync feed into the device's encrypted copy; `listener` hears after
    /// each page (for a first-sync progress bar).
    pub async fn sync_now(
        &self,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncResult, PortalError> {
        let report = self
            .inner
            .sync()
            .sync_now(|progress| {
                if let Some(listener) = &listener {
                    listener.on_page(progress.pages, progress.changes, progress.has_more);
                }
            })
            .await?;
        Ok(SyncResult {
            pages: report.pages,
            changes: report.changes,
            resynced: report.resynced,
            purged_profiles: report.purged_profiles,
            quarantined: report.quarantined,
        })
    }

    /// A page of a profile's records of `kind` (appointment, thread, invoice, document,
    /// form...), newest or oldest first, from the device.
    pub async fn list_records(
        &self,
        kind: String,
        profile_id: String,
        newest_first: bool,
        limit: u32,
        after: Option<String>,
    ) -> Result<RecordPage, PortalError> {
        let order = if newest_first {
            portal_core::ListOrder::NewestFirst
        } else {
            portal_core::ListOrder::OldestFirst
        };
        Ok(page(
            self.inner
                .records()
                .list(&kind, &profile_id, order, limit, after)
                .await?,
        ))
    }

    /// Upcoming (earliest first) or past (latest first) appointments, from the device.
    pub async fn appointments(
        &self,
        profile_id: String,
        upcoming: bool,
        limit: u32,
        after: Option<String>,
    ) -> Result<RecordPage, PortalError> {
        Ok(page(
            self.inner
                .records()
                .raw_appointments(&profile_id, upcoming, limit, after)
                .await?,
        ))
    }

    /// A thread's messages, oldest first, from the device.
    pub async fn messages(
        &self,
        thread_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<RecordPage, PortalError> {
        Ok(page(
            self.inner
                .records()
                .raw_messages(&thread_id, limit, after)
                .await?,
        ))
    }

    /// Messages, threads and documents of a profile matching what the person typed
    /// (word prefixes, accents ignored), searched on the device.
    pub async fn search(
        &self,
        profile_id: String,
        query: String,
        limit: u32,
    ) -> Result<Vec<OfflineRecord>, PortalError> {
        Ok(self
            .inner
            .records()
            .search(&profile_id, &query, limit)
            .await?
            .into_iter()
            .map(record)
            .collect())
    }

    /// One record, from the device.
    pub async fn record(
        &self,
        kind: String,
        id: String,
    ) -> Result<Option<OfflineRecord>, PortalError> {
        Ok(self.inner.records().record(&kind, &id).await?.map(record))
    }

    /// Unread messages, next appointment and balance due for a profile.
    pub async fn summary(&self, profile_id: String) -> Result<ProfileSummary, PortalError> {
        let summary = self.inner.records().summary(&profile_id).await?;
        Ok(ProfileSummary {
            unread_messages: summary.unread_messages,
            next_appointment: summary.next_appointment.map(record),
            balance_due: summary
                .balance_due
                .into_iter()
                .map(|(currency, amount)| Balance { currency, amount })
                .collect(),
        })
    }
}

/// Where a document's bytes are on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentState {
    NotDownloaded,
    /// Part of it arrived; the next download continues from `received`.
    Partial {
        received: u64,
        total: u64,
    },
    /// All of it, checked against its SHA-256.
    Available,
    /// Available and kept for offline use until unpinned.
    Pinned,
}

impl From<portal_core::DocumentStatus> for DocumentState {
    fn from(status: portal_core::DocumentStatus) -> Self {
        match status {
            portal_core::DocumentStatus::NotDownloaded => Self::NotDownloaded,
            portal_core::DocumentStatus::Partial { received, total } => {
                Self::Partial { received, total }
            }
            portal_core::DocumentStatus::Available => Self::Available,
            portal_core::DocumentStatus::Pinned => Self::Pinned,
        }
    }
}

/// Hears a document download's progress (implemented by the host).
#[uniffi::export(with_foreign)]
pub trait DownloadListener: Send + Sync {
    /// After each stored chunk (256 KiB) and at the end: bytes so far and in all.
    fn on_progress(&self, received: u64, total: u64);
}

fn hear(listener: Option<Arc<dyn DownloadListener>>) -> impl FnMut(portal_core::DownloadProgress) {
    move |progress| {
        if let Some(listener) = &listener {
            listener.on_progress(progress.received, progress.total);
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PortalClient {
    /// Where a document's bytes are on the device.
    pub async fn document_status(&self, document_id: String) -> Result<DocumentState, PortalError> {
        Ok(self.inner.documents().status(&document_id).await?.into())
    }

    /// Downloads a document into the device's encrypted copy, resuming an earlier
    /// partial download; fails with `DocumentCorrupt` when the bytes do not match the
    /// record's SHA-256 (they are discarded) and with `Network` when the connection
    /// drops (what arrived is kept: call again).
    pub async fn download_document(
        &self,
        document_id: String,
        listener: Option<Arc<dyn DownloadListener>>,
    ) -> Result<DocumentState, PortalError> {
        Ok(self
            .inner
            .documents()
            .download(&document_id, hear(listener))
            .await?
            .into())
    }

    /// Downloads a document (as `download_document`) and keeps it for offline use.
    pub async fn pin_document(
        &self,
        document_id: String,
        listener: Option<Arc<dyn DownloadListener>>,
    ) -> Result<DocumentState, PortalError> {
        Ok(self
            .inner
            .documents()
            .pin(&document_id, hear(listener))
            .await?
            .into())
    }

    /// Frees a document's bytes on the device.
    pub async fn unpin_document(&self, document_id: String) -> Result<(), PortalError> {
        Ok(self.inner.documents().unpin(&document_id).await?)
    }

    /// Writes a plaintext copy of a document to `destination_path` (a path the app
    /// chose, e.g. in its share or export folder), 0600 where the OS allows, checked
    /// against its SHA-256; downloads it first if needed. Returns the bytes written.
    pub async fn export_document(
        &self,
        document_id: String,
        destination_path: String,
    ) -> Result<u64, PortalError> {
        Ok(self
            .inner
            .documents()
            .export(&document_id, std::path::Path::new(&destination_path))
            .await?)
    }

    /// Keeps a file (encrypted) and queues its upload as a document of the profile;
    /// the outbox sends the bytes, then the `upload_document` write. Returns the
    /// write as the outbox holds it.
    pub async fn upload_document(
        &self,
        profile_id: String,
        title: String,
        category: Option<String>,
        content_type: String,
        bytes: Vec<u8>,
    ) -> Result<crate::writes::OutboxItem, PortalError> {
        Ok(self
            .inner
            .documents()
            .upload(
                &profile_id,
                &title,
                category.as_deref(),
                &content_type,
                bytes,
            )
            .await?
            .into())
    }
}
