//! `appointment`: a visit with a provider, which the patient can confirm or cancel.

use super::open_enum::open_enum;
use super::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

open_enum! {
    /// How an appointment takes place.
    pub enum AppointmentKind {
        InPerson = "in_person",
        /// Needs an https `telehealth_url`.
        Telehealth = "telehealth",
    }
}

open_enum! {
    /// Where an appointment stands.
    pub enum AppointmentStatus {
        Scheduled = "scheduled",
        Confirmed = "confirmed",
        Cancelled = "cancelled",
        Completed = "completed",
        NoShow = "no_show",
    }
}

impl AppointmentStatus {
    /// Still ahead and not cancelled: the patient can confirm or cancel it (until its
    /// deadlines).
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Scheduled | Self::Confirmed)
    }
}

/// An appointment of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Appointment {
    pub id: String,
    pub profile_id: String,
    /// Set by the feed: grows with every change of the record.
    pub rev: i64,
    /// Set by the feed: the time of the last change.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    pub provider_id: String,
    #[serde(with = "time")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "time")]
    pub ends_at: DateTime<Utc>,
    pub kind: AppointmentKind,
    /// Where to go (in person).
    #[serde(default)]
    pub location: Option<String>,
    /// Where to join (telehealth): always https.
    #[serde(default)]
    pub telehealth_url: Option<String>,
    pub status: AppointmentStatus,
    /// After this, cancelling online is refused with `too_late`.
    #[serde(with = "time")]
    pub cancellable_until: DateTime<Utc>,
}
