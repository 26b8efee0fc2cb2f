//! `provider`: a clinician of the practice (practice-wide: no profile).

use super::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A provider of the practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Provider {
    pub id: String,
    /// Set by the feed.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    pub name: String,
    /// Such as "Family physician".
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub photo_url: Option<String>,
}
