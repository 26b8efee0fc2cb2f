//! Extractors that answer in the protocol's error format.

use crate::error::ServerError;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use portal_model::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A JSON object body whose rejections become 400 `bad_request` with a specific message.
/// Every body of the protocol is an object: serde alone would also take an array of the
/// fields' values in order, which the OpenAPI document does not allow.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ServerError::bad_request(
                "The request body is not valid: expected a JSON object.",
            ));
        }
        serde_json::from_value(value).map(ApiJson).map_err(|e| {
            ServerError::bad_request(format!(
                "The request body is not valid: Failed to deserialize the JSON body into the target type: {e}"
            ))
        })
    }
}

impl From<JsonRejection> for ServerError {
    fn from(rejection: JsonRejection) -> Self {
        if super::request_limits::body_timed_out(&rejection) {
            return super::request_limits::body_too_slow();
        }
        ServerError::bad_request(format!(
            "The request body is not valid: {}",
            rejection.body_text()
        ))
    }
}

/// A path parameter whose rejection answers 400 `bad_request` in the protocol's format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ServerError))]
pub struct ApiPath<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ServerError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ServerError::bad_request(format!("The path is not valid: {}", rejection.body_text()))
    }
}

/// A query string whose rejection answers 400 `bad_request` in the protocol's format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ServerError))]
pub struct ApiQuery<T>(pub T);

impl From<axum::extract::rejection::QueryRejection> for ServerError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ServerError::bad_request(format!("The query is not valid: {}", rejection.body_text()))
    }
}

/// The address a request came from: the TCP peer, or, when the peer is one of the
/// `trusted_proxies`, the address its `X-Forwarded-For` names (the last one no trusted
/// proxy added). A router served without connection information (never the server's
/// own) gives 0.0.0.0.
pub struct ClientAddr(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_addr(
            &parts.headers,
            &parts.extensions,
            &state.config.trusted_proxies,
        )))
    }
}

/// See [`ClientAddr`].
pub fn client_addr(
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Each proxy appends the address it heard from: read from the right, past our own
    // proxies. A header we cannot read leaves the peer (the limits then apply to the
    // proxy, which is safe).
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for hop in text.split(',') {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => hops.push(ip),
                Err(_) => return peer,
            }
        }
    }
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

/// Proof that the request carries the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = state
            .config
            .admin_token
            .as_deref()
            .filter(|t| !t.is_empty())
        else {
            return Err(ServerError::api(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "The admin API is disabled: start the server with PORTAL_ADMIN_TOKEN set.",
            ));
        };
        // Guessing is slowed per client address (`admin_guard`).
        let client = client_addr(
            &parts.headers,
            &parts.extensions,
            &state.config.trusted_proxies,
        );
        let now = state.clock.now();
        if let Some(retry_after_secs) = state.admin_guard.wait(client, now) {
            return Err(ServerError::RateLimited {
                retry_after_secs,
                message: "Too many wrong admin tokens from this address: wait, then use the \
                          right one."
                    .to_owned(),
            });
        }
        let presented = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        // Compare digests so that the comparison time says nothing about the token.
        if Sha256::digest(presented.as_bytes()) == Sha256::digest(expected.as_bytes()) {
            state.admin_guard.succeeded(client);
            Ok(Admin)
        } else {
            // A request without a token guesses nothing; only wrong tokens count.
            if !presented.is_empty() {
                state.admin_guard.failed(client, now);
                tracing::warn!(%client, "a wrong admin token");
            }
            Err(ServerError::api(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "A valid admin token is required (Authorization: Bearer ...).",
            ))
        }
    }
}

/// The signed-in session behind `Authorization: Bearer {access_token}`.
pub struct Authed(pub crate::service::sessions::Authenticated);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        crate::service::sessions::authenticate_request(state, token)
            .await
            .map(Authed)
    }
}
