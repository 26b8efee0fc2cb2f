//! The practice administration API (`/v1/admin/...`, admin token).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// `POST /v1/admin/providers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateProviderRequest {
    pub name: String,
    pub email: String,
}

/// Answer to `POST /v1/admin/providers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateProviderResponse {
    pub provider_id: String,
}

/// A guardian who receives the invite for a minor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianContact {
    pub name: String,
    pub email: String,
}

fn default_true() -> bool {
    true
}

/// `POST /v1/admin/patients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePatientRequest {
    pub first_name: String,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    pub primary_provider_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub care_team_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian: Option<GuardianContact>,
    /// Send the invite email now (the default), or leave it for later.
    #[serde(default = "default_true")]
    pub send_invite: bool,
}

/// The expiry of an invite just sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteSent {
    pub expires_at: DateTime<Utc>,
}

/// Answer to `POST /v1/admin/patients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePatientResponse {
    pub patient_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<InviteSent>,
}

/// One email as the built-in outbox recorded it. Its text and links can carry tokens:
/// `Debug` shows neither.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The links the email carries, in order.
    pub links: Vec<String>,
    pub sent_at: DateTime<Utc>,
}

impl std::fmt::Debug for OutboxEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxEmail")
            .field("subject", &self.subject)
            .field("links", &self.links.len())
            .field("sent_at", &self.sent_at)
            .finish_non_exhaustive()
    }
}

/// `GET /v1/admin/outbox`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    pub emails: Vec<OutboxEmail>,
}

/// `PUT /v1/admin/settings` and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeSettings {
    /// How long invites and join links work (default 4 days).
    pub invite_ttl_seconds: i64,
    /// Patients may renew an expired invite themselves; otherwise the provider is asked.
    pub self_service_reinvite: bool,
    pub welcome_message_enabled: bool,
    pub welcome_message: String,
}

/// One patient's request for a new invite, waiting for the practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReinviteRequest {
    pub id: String,
    pub patient_id: String,
    pub patient_name: String,
    /// `renew` (from an expired link) or `password_reset`.
    pub source: String,
    pub created_at: DateTime<Utc>,
}

/// `GET /v1/admin/reinvite-requests`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReinviteRequests {
    pub requests: Vec<ReinviteRequest>,
}

/// Present-but-null and absent differ: `Some(None)` clears a field, `None` keeps it.
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PATCH /v1/admin/patients/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdatePatientRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// A new address revokes outstanding invites; `null` removes the address.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_of_birth: Option<Option<NaiveDate>>,
}

/// `PUT /v1/admin/patients/{id}/care-team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareTeamRequest {
    pub primary_provider_id: String,
    #[serde(default)]
    pub care_team_ids: Vec<String>,
}

/// A patient as staff see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientRecord {
    pub patient_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub primary_provider_id: String,
    /// Every provider on the care team, the primary one included.
    pub care_team_ids: Vec<String>,
    pub guardian: Option<GuardianContact>,
}

/// One audit log entry: who did what to which record, and when. Never secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
}

/// `GET /v1/admin/audit`: the newest entries, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

/// `POST /v1/admin/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateGroupRequest {
    pub name: String,
    /// The provider new members are assigned to.
    pub provider_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intake_form_ids: Vec<String>,
}

/// Answer to `POST /v1/admin/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateGroupResponse {
    pub group_id: String,
}

/// Answer to `POST /v1/admin/groups/{id}/join-links`. The URL carries the code: share
/// it with the people who should join, nowhere else.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinLinkCreated {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for JoinLinkCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinLinkCreated")
            .field("url", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
