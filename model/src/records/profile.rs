//! `profile`: a patient the account acts for, with the contact details the patient
//! keeps up to date.

use super::open_enum::open_enum;
use super::time;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

open_enum! {
    /// How the account acts for the patient.
    pub enum ProfileRole {
        /// The patient's own account.
        Patient = "self",
        /// A guardian acting for a dependant, such as a child.
        Guardian = "guardian",
    }
}

/// A patient the account can act for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
// A name of its own across the FFI (no clash with the platforms' own `Profile`).
#[cfg_attr(feature = "uniffi", uniffi(name = "PatientProfile"))]
pub struct Profile {
    /// The patient's id (also `profile_id` and `patient_id`).
    pub id: String,
    pub profile_id: String,
    /// Set by the feed; `base_rev` of an `update_contact`.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    /// Set by the feed for the account that reads it.
    pub role: ProfileRole,
    pub patient_id: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    pub primary_provider_id: String,
    /// Every provider who may message the patient (the primary one included).
    #[serde(default)]
    pub care_team_ids: Vec<String>,
}

impl Profile {
    /// The name to address the patient by: the preferred name, else the first name.
    pub fn display_name(&self) -> &str {
        self.preferred_name
            .as_deref()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or(&self.first_name)
    }
}
