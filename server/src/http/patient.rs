//! Handlers of the patient-facing API.

use super::extract::{ApiJson, ApiPath, Authed, ClientAddr};
use crate::error::ServerError;
use crate::service::{invites, join};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::{
    AcceptInviteRequest, ApiErrorBody, ErrorCode, InviteInfo, JoinInfo, JoinRequest,
    PasswordPolicy, ProfilesAnswer, Session, StatusAnswer,
};

/// The password policy, so that clients can check a password before sending it. The
/// common-password list itself is not sent: `common_refused` says how many of the most
/// common passwords are refused (with their close variants: any case, up to six
/// trailing digits or punctuation marks), and clients check with their own copy of the
/// same ranked list (the `zxcvbn` crate's, through `portal-model`).
#[utoipa::path(
    get,
    path = "/v1/password-policy",
    tag = "sessions",
    responses((status = 200, description = "The policy, without the list.", body = PasswordPolicy))
)]
pub async fn password_policy() -> Json<PasswordPolicy> {
    Json(PasswordPolicy::default())
}

/// What a valid invite is for; nothing else about the patient is revealed.
#[utoipa::path(
    get,
    path = "/v1/invites/{token}",
    tag = "invites",
    params(("token" = String, Path, description = "The invite token from the link.")),
    responses(
        (status = 200, description = "A valid invite.", body = InviteInfo),
        (status = 404, description = "`invite_not_found`.", body = ApiErrorBody),
        (status = 410, description = "`invite_expired`, `invite_used` or `invite_revoked`.", body = ApiErrorBody),
    )
)]
pub async fn inspect_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<InviteInfo>, ServerError> {
    Ok(Json(invites::inspect(&state, token).await?))
}

/// Sets the password of the invited account and signs in.
#[utoipa::path(
    post,
    path = "/v1/invites/{token}/accept",
    tag = "invites",
    params(("token" = String, Path, description = "The invite token from the link.")),
    request_body = AcceptInviteRequest,
    responses(
        (status = 201, description = "The account is active; a new session.", body = Session),
        (status = 404, description = "`invite_not_found`.", body = ApiErrorBody),
        (status = 409, description = "`account_exists`: sign in and claim instead.", body = ApiErrorBody),
        (status = 410, description = "`invite_expired`, `invite_used` or `invite_revoked`.", body = ApiErrorBody),
        (status = 422, description = "`weak_password`, with `reasons`.", body = ApiErrorBody),
    )
)]
pub async fn accept_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(request): ApiJson<AcceptInviteRequest>,
) -> Result<(StatusCode, Json<Session>), ServerError> {
    let session = invites::accept(&state, token, request).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Asks for a fresh invite in place of an expired one.
#[utoipa::path(
    post,
    path = "/v1/invites/{token}/renew",
    tag = "invites",
    params(("token" = String, Path, description = "The expired invite's token.")),
    responses(
        (status = 202, description = "`sent`, or `provider_notified` where the practice renews invites itself.", body = StatusAnswer),
        (status = 404, description = "`invite_not_found`.", body = ApiErrorBody),
        (status = 409, description = "`invite_valid`: the invite still works.", body = ApiErrorBody),
        (status = 410, description = "`invite_used` or `invite_revoked`.", body = ApiErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`.", body = ApiErrorBody),
    )
)]
pub async fn renew_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<(StatusCode, Json<StatusAnswer>), ServerError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(invites::renew(&state, token).await?),
    ))
}

/// Adds the invite's patient to the signed-in account.
#[utoipa::path(
    post,
    path = "/v1/invites/{token}/claim",
    tag = "invites",
    params(("token" = String, Path, description = "The invite token from the link.")),
    security(("patient_token" = [])),
    responses(
        (status = 200, description = "The account's profiles after the claim.", body = ProfilesAnswer),
        (status = 403, description = "`email_mismatch`: the invite is for another email.", body = ApiErrorBody),
        (status = 404, description = "`invite_not_found`.", body = ApiErrorBody),
        (status = 410, description = "`invite_expired`, `invite_used` or `invite_revoked`.", body = ApiErrorBody),
    )
)]
pub async fn claim_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    Authed(session): Authed,
) -> Result<Json<ProfilesAnswer>, ServerError> {
    Ok(Json(invites::claim(&state, token, session).await?))
}

/// What a group join link leads to.
#[utoipa::path(
    get,
    path = "/v1/join/{code}",
    tag = "join",
    params(("code" = String, Path, description = "The join code from the link.")),
    responses(
        (status = 200, description = "A usable join link.", body = JoinInfo),
        (status = 404, description = "`join_link_not_found`.", body = ApiErrorBody),
        (status = 410, description = "`join_link_expired`.", body = ApiErrorBody),
    )
)]
pub async fn inspect_join(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<JoinInfo>, ServerError> {
    Ok(Json(join::inspect(&state, code).await?))
}

/// Registers through a join link. The answer is the same whether or not the email
/// already has an account.
#[utoipa::path(
    post,
    path = "/v1/join/{code}",
    tag = "join",
    params(("code" = String, Path, description = "The join code from the link.")),
    request_body = JoinRequest,
    responses(
        (status = 202, description = "`check_email`, always.", body = StatusAnswer),
        (status = 404, description = "`join_link_not_found`.", body = ApiErrorBody),
        (status = 410, description = "`join_link_expired`.", body = ApiErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`.", body = ApiErrorBody),
    )
)]
pub async fn join(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<StatusAnswer>), ServerError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(join::join(&state, code, request, client).await?),
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
