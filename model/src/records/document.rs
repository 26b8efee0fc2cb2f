//! `document`: a file shared with the patient (or sent by the patient).

use super::open_enum::open_enum;
use super::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

open_enum! {
    /// What a document is.
    pub enum DocumentCategory {
        /// Shared by the practice.
        Shared = "shared",
        Superbill = "superbill",
        Invoice = "invoice",
        /// Sent by the patient (uploads and message attachments).
        Upload = "upload",
        /// A filled-in form.
        FormPdf = "form_pdf",
    }
}

/// A document of a profile; its bytes come from `GET /v1/documents/{id}/content`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Document {
    pub id: String,
    pub profile_id: String,
    /// Set by the feed.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    pub title: String,
    pub category: DocumentCategory,
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes (also the download's `ETag`).
    pub sha256: String,
    #[serde(with = "time")]
    pub created_at: DateTime<Utc>,
}
