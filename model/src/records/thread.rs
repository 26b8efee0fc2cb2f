//! `thread`: a conversation between a patient and providers of their care team.

use super::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A conversation with the care team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
// A name of its own across the FFI (no clash with the platforms' own `Thread`).
#[cfg_attr(feature = "uniffi", uniffi(name = "MessageThread"))]
pub struct Thread {
    pub id: String,
    pub profile_id: String,
    /// Set by the feed.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    pub subject: String,
    pub provider_ids: Vec<String>,
    /// None while the thread has no message.
    #[serde(default, with = "time::option")]
    pub last_message_at: Option<DateTime<Utc>>,
    /// Provider messages not read yet.
    #[serde(default)]
    pub unread_count: i64,
}
