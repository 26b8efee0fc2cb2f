//! Handlers of sign-in, refresh, sign-out and the account overview.

use super::extract::{ApiJson, ApiPath, Authed};
use crate::error::ServerError;
use crate::service::{auth, reset};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::{
    LoginRequest, Me, NewPasswordRequest, PasswordResetRequest, RefreshRequest, ResetInfo, Session,
    StatusAnswer,
};

pub async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<Session>, ServerError> {
    Ok(Json(auth::login(&state, request).await?))
}

pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<Session>, ServerError> {
    Ok(Json(auth::refresh(&state, request.refresh_token).await?))
}

pub async fn logout(
    State(state): State<AppState>,
    Authed(session): Authed,
) -> Result<StatusCode, ServerError> {
    auth::logout(&state, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(
    State(state): State<AppState>,
    Authed(session): Authed,
) -> Result<Json<Me>, ServerError> {
    Ok(Json(auth::me(&state, session).await?))
}

pub async fn request_reset(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PasswordResetRequest>,
) -> Result<(StatusCode, Json<StatusAnswer>), ServerError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(reset::request(&state, request.email).await?),
    ))
}

pub async fn inspect_reset(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<ResetInfo>, ServerError> {
    Ok(Json(reset::inspect(&state, token).await?))
}

pub async fn complete_reset(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(request): ApiJson<NewPasswordRequest>,
) -> Result<StatusCode, ServerError> {
    reset::complete(&state, token, request.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
