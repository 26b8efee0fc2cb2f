//! Per-address token buckets in front of the public routes that anyone can call without
//! a session (sign-in, refresh, password reset, invites, join links, and their pages),
//! checked before any database or password work: a flood from one address is answered
//! 429 `rate_limited` with `Retry-After` in memory, and others keep their turn. The
//! buckets are governor's (GCRA); the address is [`super::extract::client_addr`]'s, so
//! that behind a trusted proxy each patient has their own.

use crate::error::ServerError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Addresses remembered at most before buckets that are full again are dropped.
const MAX_TRACKED: usize = 100_000;

/// The buckets of every client address.
pub struct PublicLimit {
    buckets: DefaultKeyedRateLimiter<IpAddr>,
}

impl PublicLimit {
    /// Buckets of `burst` requests, refilled at `per_second` (both at least 1).
    pub fn new(per_second: u32, burst: u32) -> Self {
        let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Self {
            buckets: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
        }
    }

    /// `None` when `client` may go on; else the seconds until it may.
    pub fn wait(&self, client: IpAddr) -> Option<u64> {
        if self.buckets.len() >= MAX_TRACKED {
            self.buckets.retain_recent();
        }
        match self.buckets.check_key(&client) {
            Ok(()) => None,
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Some(wait.as_secs_f64().ceil().max(1.0) as u64)
            }
        }
    }
}

/// True for the routes anyone may call without a session. Signing out is never held
/// back, and claiming a child needs a session (checked first).
pub(crate) fn is_public(method: &axum::http::Method, path: &str) -> bool {
    let api = ["/v1/auth/", "/v1/invites/", "/v1/join/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        && path != "/v1/auth/logout"
        && !path.ends_with("/claim");
    // The pages' forms; reading a page is as cheap as any static answer.
    let form = method == axum::http::Method::POST
        && ["/invite/", "/reset/", "/join/"]
            .iter()
            .any(|prefix| path.starts_with(prefix));
    api || form
}

/// The middleware: counts public requests per client address.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_public(request.method(), request.uri().path()) {
        let client = super::extract::client_addr(
            request.headers(),
            request.extensions(),
            &state.config.trusted_proxies,
        );
        if let Some(wait) = state.public_limit.wait(client) {
            let error = ServerError::RateLimited {
                retry_after_secs: wait,
                message: format!(
                    "Too many requests from your connection. Please wait {wait} s, then \
                     try again."
                ),
            };
            // A page's form gets a page; the API its JSON.
            return if request.uri().path().starts_with("/v1/") {
                error.into_response()
            } else {
                super::pages::error_page(error)
            };
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::{PublicLimit, is_public};
    use axum::http::Method;

    #[test]
    fn a_burst_passes_then_each_address_waits_on_its_own() {
        let limit = PublicLimit::new(1, 3);
        let one = std::net::IpAddr::from([127, 0, 0, 2]);
        let two = std::net::IpAddr::from([127, 0, 0, 3]);
        for _ in 0..3 {
            assert_eq!(limit.wait(one), None);
        }
        assert!(matches!(limit.wait(one), Some(1)));
        assert_eq!(limit.wait(two), None);
    }

    #[test]
    fn only_routes_without_a_session_are_counted() {
        assert!(is_public(&Method::POST, "/v1/auth/login"));
        assert!(is_public(&Method::POST, "/v1/auth/password-reset"));
        assert!(is_public(&Method::GET, "/v1/invites/abc"));
        assert!(is_public(&Method::POST, "/v1/join/code"));
        assert!(is_public(&Method::POST, "/reset/token"));
        assert!(!is_public(&Method::GET, "/reset/token"));
        assert!(!is_public(&Method::GET, "/v1/sync"));
        assert!(!is_public(&Method::POST, "/v1/mutations"));
        assert!(!is_public(&Method::GET, "/v1/admin/providers"));
        assert!(!is_public(&Method::POST, "/v1/auth/logout"));
        assert!(!is_public(&Method::POST, "/v1/invites/token/claim"));
    }
}
