//! Handlers of the practice administration API.

use super::extract::{Admin, ApiJson, ApiPath};
use super::patient;
use crate::error::ServerError;
use crate::service::{join, patients, records, reset, settings};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::admin::{
    AuditLog, CareTeamRequest, CreateGroupRequest, CreateGroupResponse, CreatePatientRequest,
    CreatePatientResponse, CreateProviderRequest, CreateProviderResponse, InviteSent,
    JoinLinkCreated, Outbox, PatientRecord, PracticeSettings, Providers, ReinviteRequests,
    UpdatePatientRequest,
};
use portal_model::{ApiErrorBody, StatusAnswer};

/// Adds a provider to the practice.
#[utoipa::path(
    post,
    path = "/providers",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreateProviderRequest,
    responses((status = 201, description = "Created.", body = CreateProviderResponse))
)]
pub async fn create_provider(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateProviderRequest>,
) -> Result<(StatusCode, Json<CreateProviderResponse>), ServerError> {
    let created = patients::create_provider(&state, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The practice's providers, oldest first.
#[utoipa::path(
    get,
    path = "/providers",
    tag = "admin",
    security(("admin_token" = [])),
    responses((status = 200, description = "The providers.", body = Providers))
)]
pub async fn list_providers(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<Providers>, ServerError> {
    Ok(Json(patients::list_providers(&state).await?))
}

/// Adds a patient, and sends the invite unless `send_invite` is false.
#[utoipa::path(
    post,
    path = "/patients",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreatePatientRequest,
    responses(
        (status = 201, description = "Created (with the invite's expiry when one was sent).", body = CreatePatientResponse),
        (status = 409, description = "`email_in_use`.", body = ApiErrorBody),
        (status = 422, description = "`no_email`: an invite needs an email.", body = ApiErrorBody),
    )
)]
pub async fn create_patient(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreatePatientRequest>,
) -> Result<(StatusCode, Json<CreatePatientResponse>), ServerError> {
    let created = patients::create_patient(&state, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Sends (or resends) the patient's invite, revoking earlier ones.
#[utoipa::path(
    post,
    path = "/patients/{id}/invite",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The patient's id.")),
    responses(
        (status = 201, description = "Sent.", body = InviteSent),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
        (status = 409, description = "`account_exists`: the patient already has an account.", body = ApiErrorBody),
        (status = 422, description = "`no_email`.", body = ApiErrorBody),
    )
)]
pub async fn send_invite(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
) -> Result<(StatusCode, Json<InviteSent>), ServerError> {
    let sent = patients::send_invite(&state, patient_id).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// Starts the patient's password reset for them: an account that acts for the patient
/// gets a one-hour reset link (`reset_sent`); a patient without an account gets a fresh
/// invite, revoking earlier ones (`invite_sent`).
#[utoipa::path(
    post,
    path = "/patients/{id}/password-reset",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The patient's id.")),
    responses(
        (status = 202, description = "Sent: `reset_sent` or `invite_sent`.", body = StatusAnswer),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
        (status = 422, description = "`no_email`: no account and no email on file.", body = ApiErrorBody),
    )
)]
pub async fn password_reset(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
) -> Result<(StatusCode, Json<StatusAnswer>), ServerError> {
    let answer = reset::staff_request(&state, patient_id).await?;
    Ok((StatusCode::ACCEPTED, Json(answer)))
}

/// The emails the built-in outbox recorded, oldest first (memory only). They carry
/// working invite and reset links, so the route exists only when the server was started
/// with the outbox API on (`outbox_api`: demos and tests).
#[utoipa::path(
    get,
    path = "/outbox",
    tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The outbox.", body = Outbox),
        (status = 404, description = "`not_found`: the outbox API is off.", body = ApiErrorBody),
    )
)]
pub async fn outbox(_: Admin, State(state): State<AppState>) -> Result<Json<Outbox>, ServerError> {
    if !state.config.outbox_api {
        return Err(patient::not_found().await);
    }
    Ok(Json(Outbox {
        emails: state.mail.outbox_emails(),
    }))
}

/// The practice's settings, as `PUT /settings` takes them.
#[utoipa::path(
    get,
    path = "/settings",
    tag = "admin",
    security(("admin_token" = [])),
    responses((status = 200, description = "The settings in force.", body = PracticeSettings))
)]
pub async fn get_settings(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<PracticeSettings>, ServerError> {
    Ok(Json(settings::get(&state).await?))
}

/// Replaces the practice's settings.
#[utoipa::path(
    put,
    path = "/settings",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = PracticeSettings,
    responses((status = 200, description = "The settings now in force.", body = PracticeSettings))
)]
pub async fn update_settings(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PracticeSettings>,
) -> Result<Json<PracticeSettings>, ServerError> {
    Ok(Json(settings::update(&state, request).await?))
}

/// Patients waiting for a new invite from the practice, oldest first.
#[utoipa::path(
    get,
    path = "/reinvite-requests",
    tag = "admin",
    security(("admin_token" = [])),
    responses((status = 200, description = "The open requests.", body = ReinviteRequests))
)]
pub async fn reinvite_requests(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<ReinviteRequests>, ServerError> {
    Ok(Json(patients::reinvite_requests(&state).await?))
}

/// Changes a patient's email or personal information; only the fields present change.
#[utoipa::path(
    patch,
    path = "/patients/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The patient's id.")),
    request_body = UpdatePatientRequest,
    responses(
        (status = 200, description = "The patient.", body = PatientRecord),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
        (status = 409, description = "`email_in_use`.", body = ApiErrorBody),
    )
)]
pub async fn update_patient(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdatePatientRequest>,
) -> Result<Json<PatientRecord>, ServerError> {
    Ok(Json(records::update(&state, patient_id, request).await?))
}

/// Removes the patient's guardian: the guardian's pending invites are revoked, and each
/// account that acted for the patient as guardian loses the profile (its sync feed
/// receives the profile's delete). Idempotent.
#[utoipa::path(
    delete,
    path = "/patients/{id}/guardian",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The patient's id.")),
    responses(
        (status = 200, description = "The patient, without a guardian.", body = PatientRecord),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn remove_guardian(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
) -> Result<Json<PatientRecord>, ServerError> {
    Ok(Json(records::remove_guardian(&state, patient_id).await?))
}

/// Sets the patient's primary provider and care team.
#[utoipa::path(
    put,
    path = "/patients/{id}/care-team",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The patient's id.")),
    request_body = CareTeamRequest,
    responses(
        (status = 200, description = "The patient.", body = PatientRecord),
        (status = 404, description = "`not_found`: no such patient.", body = ApiErrorBody),
    )
)]
pub async fn set_care_team(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
    ApiJson(request): ApiJson<CareTeamRequest>,
) -> Result<Json<PatientRecord>, ServerError> {
    Ok(Json(
        records::set_care_team(&state, patient_id, request).await?,
    ))
}

/// The newest audit log entries (who did what, when; never secrets), oldest first.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "admin",
    security(("admin_token" = [])),
    responses((status = 200, description = "The audit log.", body = AuditLog))
)]
pub async fn audit(_: Admin, State(state): State<AppState>) -> Result<Json<AuditLog>, ServerError> {
    Ok(Json(records::audit_log(&state).await?))
}

/// Adds a patient group.
#[utoipa::path(
    post,
    path = "/groups",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreateGroupRequest,
    responses((status = 201, description = "Created.", body = CreateGroupResponse))
)]
pub async fn create_group(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateGroupRequest>,
) -> Result<(StatusCode, Json<CreateGroupResponse>), ServerError> {
    Ok((
        StatusCode::CREATED,
        Json(join::create_group(&state, request).await?),
    ))
}

/// Creates a join link for a group, valid for the practice's `invite_ttl`.
#[utoipa::path(
    post,
    path = "/groups/{id}/join-links",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The group's id.")),
    responses(
        (status = 201, description = "Created; the URL carries the code.", body = JoinLinkCreated),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn create_join_link(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(group_id): ApiPath<String>,
) -> Result<(StatusCode, Json<JoinLinkCreated>), ServerError> {
    Ok((
        StatusCode::CREATED,
        Json(join::create_join_link(&state, group_id).await?),
    ))
}

/// A patient as staff see them.
#[utoipa::path(
    get,
    path = "/patients/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The patient's id.")),
    responses(
        (status = 200, description = "The patient.", body = PatientRecord),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn get_patient(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
) -> Result<Json<PatientRecord>, ServerError> {
    Ok(Json(records::get(&state, patient_id).await?))
}
