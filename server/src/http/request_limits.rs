//! Slow and numerous clients: a bound on the requests handled at once (more answer 503
//! `server_busy` at once, before any work), a deadline for each answer, and the
//! rejection of a request body that stopped arriving (tower-http's body timeout; the
//! headers' deadline is hyper's, in `serve`).

use crate::config::{RequestLimits, UPLOAD_TIME_FACTOR};
use crate::error::ServerError;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portal_model::ErrorCode;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Requests handled at once, shared by a server's listeners.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    pub fn new(limit: usize) -> Self {
        Self(Arc::new(Semaphore::new(limit.max(1))))
    }
}

/// The middleware: a request beyond the bound answers 503 at once. The slot is held
/// until the answer's head is ready (a stream's body does not hold it: streams have
/// their own caps).
pub async fn in_flight(
    axum::extract::State(in_flight): axum::extract::State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_slot) = in_flight.0.clone().try_acquire_owned() else {
        return ServerError::Busy {
            retry_after_secs: 1,
            message: "The server is handling too many requests. Please try again in a moment."
                .to_owned(),
        }
        .into_response();
    };
    next.run(request).await
}

/// Uploads, whose bodies may come slowly over a phone's uplink.
fn is_upload(method: &Method, path: &str) -> bool {
    (method == Method::POST && path == "/v1/admin/documents")
        || (method == Method::PUT && path.starts_with("/v1/uploads/"))
}

/// The middleware: an answer not ready within the request timeout (ten times that for
/// uploads) is 503 `server_busy`. Work already committed stays committed: every write
/// is one transaction.
pub async fn deadline(limits: RequestLimits, request: Request, next: Next) -> Response {
    let limit = if is_upload(request.method(), request.uri().path()) {
        limits.request_timeout * UPLOAD_TIME_FACTOR
    } else {
        limits.request_timeout
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ServerError::Busy {
            retry_after_secs: 5,
            message: "The server took too long to answer. Please try again in a moment.".to_owned(),
        }
        .into_response(),
    }
}

/// True when `error`, or an error it came from, is the body timeout's.
pub fn body_timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        next = error.source();
    }
    false
}

/// 408: the request's body stopped arriving before it was whole.
pub fn body_too_slow() -> ServerError {
    ServerError::api(
        StatusCode::REQUEST_TIMEOUT,
        ErrorCode::BadRequest,
        "The request body stopped arriving before it was complete. Check the connection and \
         send it again.",
    )
}

#[cfg(test)]
mod tests {
    use super::is_upload;
    use axum::http::Method;

    #[test]
    fn only_the_two_upload_routes_get_the_longer_deadline() {
        assert!(is_upload(&Method::POST, "/v1/admin/documents"));
        assert!(is_upload(&Method::PUT, "/v1/uploads/scan-1"));
        assert!(!is_upload(&Method::GET, "/v1/admin/documents"));
        assert!(!is_upload(&Method::POST, "/v1/auth/login"));
    }
}
