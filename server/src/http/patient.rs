//! Handlers of the patient-facing API.

use super::extract::{ApiJson, ApiPath, Authed};
use crate::error::ServerError;
use crate::service::{invites, join};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::{
    AcceptInviteRequest, ErrorCode, InviteInfo, JoinInfo, JoinRequest, PasswordPolicy,
    ProfilesAnswer, Session, StatusAnswer,
};

pub async fn password_policy() -> Json<PasswordPolicy> {
    Json(PasswordPolicy::default())
}

pub async fn inspect_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<InviteInfo>, ServerError> {
    Ok(Json(invites::inspect(&state, token).await?))
}

pub async fn accept_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(request): ApiJson<AcceptInviteRequest>,
) -> Result<(StatusCode, Json<Session>), ServerError> {
    let session = invites::accept(&state, token, request).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

pub async fn renew_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<(StatusCode, Json<StatusAnswer>), ServerError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(invites::renew(&state, token).await?),
    ))
}

pub async fn claim_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    Authed(session): Authed,
) -> Result<Json<ProfilesAnswer>, ServerError> {
    Ok(Json(invites::claim(&state, token, session).await?))
}

pub async fn inspect_join(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<JoinInfo>, ServerError> {
    Ok(Json(join::inspect(&state, code).await?))
}

pub async fn join(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<StatusAnswer>), ServerError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(join::join(&state, code, request).await?),
    ))
}

pub async fn not_found() -> ServerError {
    ServerError::api(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No such endpoint in protocol v1.",
    )
}

pub async fn method_not_allowed() -> ServerError {
    ServerError::api(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::BadRequest,
        "This endpoint does not take that HTTP method.",
    )
}
