//! Handlers of the practice administration API.

use super::extract::{Admin, ApiJson, ApiPath};
use crate::error::ServerError;
use crate::service::{join, patients, records, settings};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::admin::{
    AuditLog, CareTeamRequest, CreateGroupRequest, CreateGroupResponse, CreatePatientRequest,
    CreatePatientResponse, CreateProviderRequest, CreateProviderResponse, InviteSent,
    JoinLinkCreated, Outbox, PatientRecord, PracticeSettings, ReinviteRequests,
    UpdatePatientRequest,
};

pub async fn create_provider(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateProviderRequest>,
) -> Result<(StatusCode, Json<CreateProviderResponse>), ServerError> {
    let created = patients::create_provider(&state, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn create_patient(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreatePatientRequest>,
) -> Result<(StatusCode, Json<CreatePatientResponse>), ServerError> {
    let created = patients::create_patient(&state, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn send_invite(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
) -> Result<(StatusCode, Json<InviteSent>), ServerError> {
    let sent = patients::send_invite(&state, patient_id).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

pub async fn outbox(_: Admin, State(state): State<AppState>) -> Json<Outbox> {
    Json(Outbox {
        emails: state.mail.outbox_emails(),
    })
}

pub async fn update_settings(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PracticeSettings>,
) -> Result<Json<PracticeSettings>, ServerError> {
    Ok(Json(settings::update(&state, request).await?))
}

pub async fn reinvite_requests(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<ReinviteRequests>, ServerError> {
    Ok(Json(patients::reinvite_requests(&state).await?))
}

pub async fn update_patient(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdatePatientRequest>,
) -> Result<Json<PatientRecord>, ServerError> {
    Ok(Json(records::update(&state, patient_id, request).await?))
}

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

pub async fn audit(_: Admin, State(state): State<AppState>) -> Result<Json<AuditLog>, ServerError> {
    Ok(Json(records::audit_log(&state).await?))
}

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

pub async fn get_patient(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(patient_id): ApiPath<String>,
) -> Result<Json<PatientRecord>, ServerError> {
    Ok(Json(records::get(&state, patient_id).await?))
}
