//! `message`: one message of a thread.

use super::open_enum::open_enum;
use super::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

open_enum! {
    /// Who wrote a message.
    pub enum SenderKind {
        Patient = "patient",
        Provider = "provider",
    }
}

/// Who wrote a message: the patient (by patient id) or a provider (by provider id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Sender {
    pub kind: SenderKind,
    pub id: String,
}

/// A message in a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Message {
    pub id: String,
    pub profile_id: String,
    /// Set by the feed.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    pub thread_id: String,
    pub sender: Sender,
    pub body: String,
    #[serde(with = "time")]
    pub sent_at: DateTime<Utc>,
    /// Ids of the `document` records attached.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    /// When the patient read it (provider messages only).
    #[serde(default, with = "time::option")]
    pub read_at: Option<DateTime<Utc>>,
}

impl Message {
    /// A provider's message the patient has not read.
    pub fn is_unread(&self) -> bool {
        self.sender.kind == SenderKind::Provider && self.read_at.is_none()
    }
}
