//! Handlers of sign-in, refresh, sign-out and the account overview.

use super::extract::{ApiJson, ApiPath, Authed, ClientAddr};
use crate::error::ServerError;
use crate::service::{auth, password_change, reset};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::{
    ApiErrorBody, ChangePasswordRequest, LoginRequest, Me, NewPasswordRequest,
    PasswordResetRequest, RefreshRequest, ResetInfo, Session, StatusAnswer,
};

/// Signs in with email and password.
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A new session.", body = Session),
        (status = 401, description = "`invalid_credentials`, for an unknown email and a wrong password alike.", body = ApiErrorBody),
        (status = 429, description = "`rate_limited` (backoff per account and client address), with `Retry-After`.", body = ApiErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<Session>, ServerError> {
    Ok(Json(auth::login(&state, request, client).await?))
}

/// Trades a refresh token for a new pair. Refresh tokens work once: presenting a used
/// one revokes the session.
#[utoipa::path(
    post,
    path = "/v1/auth/refresh",
    tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "The session with new tokens.", body = Session),
        (status = 401, description = "`unauthorized`, `session_expired` or `session_revoked`.", body = ApiErrorBody),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<Session>, ServerError> {
    Ok(Json(auth::refresh(&state, request.refresh_token).await?))
}

/// Revokes the session on the server: by the Bearer access token, or by
/// `{"refresh_token"}` in the body, so that an app whose access token expired (after
/// the idle lock, say) can still end its session. An unknown or already revoked
/// refresh token also gets 204.
#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    tag = "sessions",
    security(("patient_token" = []), ()),
    request_body(content = Option<RefreshRequest>, description = "The refresh token, when signing out without a working access token."),
    responses(
        (status = 204, description = "Signed out."),
        (status = 400, description = "`bad_request`: a body that is not `{\"refresh_token\"}`.", body = ApiErrorBody),
        (status = 401, description = "`unauthorized` or `session_revoked`: no body and no working access token.", body = ApiErrorBody),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, ServerError> {
    let text = body.trim_ascii();
    if !text.is_empty() && text != b"null" {
        let request: RefreshRequest = serde_json::from_slice(&body).map_err(|_| {
            ServerError::bad_request("The body must be {\"refresh_token\": \"...\"} or empty.")
        })?;
        auth::logout_by_refresh(&state, request.refresh_token).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let session = crate::service::sessions::authenticate_request(&state, token).await?;
    auth::logout(&state, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password of the signed-in account. The current password is required;
/// every other session of the account ends (this one stays signed in), and a notice
/// goes to the account's email. Wrong current passwords wait as wrong sign-ins do.
#[utoipa::path(
    post,
    path = "/v1/auth/password",
    tag = "sessions",
    security(("patient_token" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; the other sessions of the account are revoked (`session_revoked`)."),
        (status = 403, description = "`wrong_password`: the current password is not correct.", body = ApiErrorBody),
        (status = 422, description = "`weak_password`, with `reasons`: the new password does not meet the policy.", body = ApiErrorBody),
        (status = 429, description = "`rate_limited` after wrong current passwords (the sign-in backoff), with `Retry-After`.", body = ApiErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    Authed(session): Authed,
    ClientAddr(client): ClientAddr,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ServerError> {
    password_change::change(&state, session, request, client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account, its profiles, practices and care teams.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "sync",
    security(("patient_token" = [])),
    responses((status = 200, description = "The account overview.", body = Me))
)]
pub async fn me(
    State(state): State<AppState>,
    Authed(session): Authed,
) -> Result<Json<Me>, ServerError> {
    Ok(Json(auth::me(&state, session).await?))
}

/// Asks for a password reset. The answer never says whether the email is known.
#[utoipa::path(
    post,
    path = "/v1/auth/password-reset",
    tag = "sessions",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "`sent_if_exists`, always.", body = StatusAnswer),
        (status = 429, description = "`rate_limited`, with `Retry-After`.", body = ApiErrorBody),
    )
)]
pub async fn request_reset(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PasswordResetRequest>,
) -> Result<(StatusCode, Json<StatusAnswer>), ServerError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(reset::request(&state, request.email).await?),
    ))
}

/// Whether a reset link still works, and for which (hidden) email.
#[utoipa::path(
    get,
    path = "/v1/auth/password-reset/{token}",
    tag = "sessions",
    params(("token" = String, Path, description = "The reset token from the link.")),
    responses(
        (status = 200, description = "A usable reset link.", body = ResetInfo),
        (status = 404, description = "`reset_not_found`.", body = ApiErrorBody),
        (status = 410, description = "`reset_expired` or `reset_used`.", body = ApiErrorBody),
    )
)]
pub async fn inspect_reset(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<ResetInfo>, ServerError> {
    Ok(Json(reset::inspect(&state, token).await?))
}

/// Sets a new password. Every session of the account is revoked.
#[utoipa::path(
    post,
    path = "/v1/auth/password-reset/{token}",
    tag = "sessions",
    params(("token" = String, Path, description = "The reset token from the link.")),
    request_body = NewPasswordRequest,
    responses(
        (status = 204, description = "The password is set; sign in again."),
        (status = 404, description = "`reset_not_found`.", body = ApiErrorBody),
        (status = 410, description = "`reset_expired` or `reset_used`.", body = ApiErrorBody),
        (status = 422, description = "`weak_password`, with `reasons`.", body = ApiErrorBody),
    )
)]
pub async fn complete_reset(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(request): ApiJson<NewPasswordRequest>,
) -> Result<StatusCode, ServerError> {
    reset::complete(&state, token, request.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
