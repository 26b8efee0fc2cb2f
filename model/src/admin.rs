//! The practice administration API (`/v1/admin/...`, admin token).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The values staff set are the feed records' own types.
pub use crate::records::{
    AppointmentKind, AppointmentStatus, FieldType, FormField, InvoiceLine, InvoiceStatus,
};

/// `POST /v1/admin/providers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProviderRequest {
    pub name: String,
    pub email: String,
}

/// Answer to `POST /v1/admin/providers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProviderResponse {
    pub provider_id: String,
}

/// One provider of the practice, as staff see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSummary {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `GET /v1/admin/providers`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Providers {
    pub providers: Vec<ProviderSummary>,
}

/// A guardian who receives the invite for a minor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardianContact {
    pub name: String,
    pub email: String,
}

fn default_true() -> bool {
    true
}

/// `POST /v1/admin/patients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteSent {
    pub expires_at: DateTime<Utc>,
}

/// Answer to `POST /v1/admin/patients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePatientResponse {
    pub patient_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<InviteSent>,
}

/// One email as the built-in outbox recorded it. Its text and links can carry tokens:
/// `Debug` shows neither.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outbox {
    pub emails: Vec<OutboxEmail>,
}

/// `PUT /v1/admin/settings` and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Contact details the front desk takes down (the patient changes them too, from
    /// the portal); `null` or blank clears one. At most 500 characters each.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub preferred_name: Option<Option<String>>,
}

/// `PUT /v1/admin/patients/{id}/care-team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CareTeamRequest {
    pub primary_provider_id: String,
    #[serde(default)]
    pub care_team_ids: Vec<String>,
}

/// A patient as staff see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// `admin:{fingerprint}` (the first 12 hex digits of the admin token's SHA-256),
    /// `account:{id}` or `public`.
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// The client's address, for actions a request made (after `trusted_proxies`).
    #[serde(default)]
    pub client: Option<String>,
}

/// `GET /v1/admin/audit`: the newest entries, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

/// `POST /v1/admin/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateGroupRequest {
    pub name: String,
    /// The provider new members are assigned to.
    pub provider_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intake_form_ids: Vec<String>,
}

/// Answer to `POST /v1/admin/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateGroupResponse {
    pub group_id: String,
}

/// Answer to `POST /v1/admin/groups/{id}/join-links`. The URL carries the code: share
/// it with the people who should join, nowhere else.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// `POST /v1/admin/appointments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAppointment {
    pub patient_id: String,
    /// A provider on the patient's care team.
    pub provider_id: String,
    pub starts_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 480))]
    pub duration_minutes: i64,
    pub kind: AppointmentKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telehealth_url: Option<String>,
}

/// `PATCH /v1/admin/appointments/{id}`: reschedule, or set the status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 480))]
    pub duration_minutes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AppointmentStatus>,
}

/// Answer to `POST /v1/admin/appointments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentCreated {
    pub appointment_id: String,
}

/// Who booked, as the booking page collected it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booker {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `POST /v1/admin/bookings`: what a practice's booking page or package store sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    pub patient: Booker,
    pub provider_id: String,
    pub starts_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 480))]
    pub duration_minutes: i64,
    pub kind: AppointmentKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telehealth_url: Option<String>,
}

/// Answer to `POST /v1/admin/bookings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booked {
    pub patient_id: String,
    pub appointment_id: String,
    /// The patient was added (and invited) by this booking.
    pub new_patient: bool,
}

/// `POST /v1/admin/messages`: a provider writes to a patient, in a thread or a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderMessage {
    pub patient_id: String,
    pub provider_id: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The subject of a new thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// Answer to `POST /v1/admin/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageSent {
    pub message_id: String,
    pub thread_id: String,
}

/// `POST /v1/admin/forms`: a form template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewForm {
    pub title: String,
    pub fields: Vec<FormField>,
}

/// `POST /v1/admin/forms/{id}/assign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormAssignment {
    pub patient_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
}

/// Answer to `POST /v1/admin/forms` (the template) and `POST /v1/admin/forms/{id}/assign`
/// (the patient's copy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormCreated {
    pub form_id: String,
}

/// `POST /v1/admin/invoices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInvoice {
    pub patient_id: String,
    pub number: String,
    pub due_at: DateTime<Utc>,
    /// ISO 4217, such as `USD`.
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
    /// Also produce a superbill PDF for the patient's insurer.
    #[serde(default)]
    pub superbill: bool,
}

/// `PATCH /v1/admin/invoices/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceChange {
    pub status: InvoiceStatus,
}

/// Answer to `POST /v1/admin/invoices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceCreated {
    pub invoice_id: String,
}

/// Answer to `POST /v1/admin/documents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentCreated {
    pub document_id: String,
}

/// Operations of a server built with the `test-support` feature (never a release
/// build), under `/v1/admin/test/`: what tests need from inside the server, reached the
/// way a client reaches it.
pub mod test_support {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serialize};

    /// `PUT /v1/admin/test/clock`: set the server's time, or move it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ClockChange {
        /// Make this the current time (it goes on from there).
        Set(DateTime<Utc>),
        /// Move the time by this many seconds (negative: back).
        AdvanceSeconds(i64),
    }

    /// The server's current time (`GET` and `PUT /v1/admin/test/clock`).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ClockNow {
        pub now: DateTime<Utc>,
    }

    /// Answer to `POST /v1/admin/test/purge-tombstones`: tombstones past the retention
    /// at the server's current time are gone; cursors from before them now expire.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Purged {
        pub purged: u64,
    }

    /// Answer to `POST /v1/admin/test/housekeeping`: what the hourly clean-up removed
    /// at the server's current time.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Housekept {
        pub login_attempts: u64,
        pub rate_limits: u64,
        pub sessions: u64,
        /// Uploads past their week, and the files only they held.
        pub uploads: u64,
        pub files: u64,
    }

    /// `portal-server seed`: `count` provider messages in a thread of the patient,
    /// written in one statement (benchmarks' bulk data), ids `{prefix}_{n}`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SeedMessages {
        pub patient_id: String,
        pub thread_id: String,
        pub prefix: String,
        pub count: u32,
    }

    /// `portal-server seed --kind appointment`: `count` upcoming appointments of the
    /// patient with a provider, one an hour from now on, ids `{prefix}_{n}`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SeedAppointments {
        pub patient_id: String,
        pub provider_id: String,
        pub prefix: String,
        pub count: u32,
    }

    /// What `portal-server seed` wrote.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Seeded {
        pub seeded: u32,
    }
}
