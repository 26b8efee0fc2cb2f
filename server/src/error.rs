//! The server's one error type, and how each variant answers over HTTP.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portal_model::{ApiErrorBody, ErrorCode, ErrorDetail, PolicyRule};

/// Everything a request can fail with. Each variant maps to one status and stable code.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// An answer of the protocol: status, stable code and a message for people.
    #[error("{code:?}: {message}")]
    Api {
        status: StatusCode,
        code: ErrorCode,
        message: String,
        reasons: Vec<PolicyRule>,
    },
    /// A bug or a broken dependency. Logged in full; the caller sees a generic answer.
    #[error("internal error: {0}")]
    Internal(String),
    /// The database failed (the message names the backend, never stored values).
    #[error("database: {0}")]
    Database(String),
    /// 429 `rate_limited`, with `Retry-After`.
    #[error("rate limited for {retry_after_secs} s")]
    RateLimited {
        retry_after_secs: u64,
        message: String,
    },
    /// 503 `server_busy`, with `Retry-After`: too much waits already (password
    /// checks queued beyond their bound); nothing was done.
    #[error("busy for {retry_after_secs} s")]
    Busy {
        retry_after_secs: u64,
        message: String,
    },
    /// The server cannot start (port taken, unreadable database, ...).
    #[error("{0}")]
    Startup(String),
    /// A command of `portal-server admin` failed before the server answered: bad input,
    /// an unreachable server, an unreadable file. The text is for people.
    #[error("{0}")]
    Command(String),
}

impl ServerError {
    /// A protocol error answer.
    pub fn api(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Api {
            status,
            code,
            message: message.into(),
            reasons: Vec::new(),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::api(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    /// 422 `weak_password` with the failed rules.
    pub fn weak_password(reasons: Vec<PolicyRule>) -> Self {
        Self::Api {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: ErrorCode::WeakPassword,
            message: "The password does not meet the password policy.".to_owned(),
            reasons,
        }
    }

    /// A bug or broken dependency, with detail for the log only.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code, retry_after_secs, message) = match self {
            Self::RateLimited {
                retry_after_secs,
                message,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                retry_after_secs,
                message,
            ),
            Self::Busy {
                retry_after_secs,
                message,
            } => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServerBusy,
                retry_after_secs,
                message,
            ),
            other => return other.answer(),
        };
        let body = ApiErrorBody {
            error: ErrorDetail {
                code,
                message,
                reasons: Vec::new(),
            },
        };
        (
            status,
            [(
                axum::http::header::RETRY_AFTER,
                retry_after_secs.to_string(),
            )],
            axum::Json(body),
        )
            .into_response()
    }
}

impl ServerError {
    /// The answer of every error that carries no `Retry-After`.
    fn answer(self) -> Response {
        let (status, detail) = match self {
            Self::Api {
                status,
                code,
                message,
                reasons,
            } => (
                status,
                ErrorDetail {
                    code,
                    message,
                    reasons,
                },
            ),
            other => {
                tracing::error!(error = %other, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorDetail {
                        code: ErrorCode::Internal,
                        message: "The server could not complete the request.".to_owned(),
                        reasons: Vec::new(),
                    },
                )
            }
        };
        (status, axum::Json(ApiErrorBody { error: detail })).into_response()
    }
}
