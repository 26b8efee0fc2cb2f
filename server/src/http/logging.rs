//! One log line per request, with the secret parts of paths replaced.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Path segments after which the next segment is a secret (token or join code).
const SECRET_AFTER: &[&str] = &["invites", "invite", "reset", "join", "password-reset"];

/// Replaces every secret path segment with `:redacted`.
pub fn redact_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut secret_next = false;
    for segment in path.split('/') {
        if secret_next && !segment.is_empty() {
            out.push(":redacted");
            secret_next = false;
            continue;
        }
        secret_next = SECRET_AFTER.contains(&segment);
        out.push(segment);
    }
    out.join("/")
}

/// Logs method, redacted path, status and duration. Query strings are never logged.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = redact_path(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_in_paths_are_redacted() {
        assert_eq!(
            redact_path("/v1/invites/abc/accept"),
            "/v1/invites/:redacted/accept"
        );
        assert_eq!(redact_path("/invite/abc"), "/invite/:redacted");
        assert_eq!(redact_path("/v1/admin/outbox"), "/v1/admin/outbox");
        assert_eq!(
            redact_path("/v1/auth/password-reset"),
            "/v1/auth/password-reset"
        );
        assert_eq!(
            redact_path("/v1/auth/password-reset/tok"),
            "/v1/auth/password-reset/:redacted"
        );
    }
}
