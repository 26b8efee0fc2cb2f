//! The HTTP surface: routes, extractors, request logging with secrets redacted, and the
//! OpenAPI document generated from the routes.

mod admin;
pub(crate) mod admin_guard;
mod auth;
mod documents;
mod extract;
mod logging;
pub mod openapi;
mod pages;
mod patient;
pub(crate) mod public_limit;
pub(crate) mod request_limits;
pub mod serve;
mod sync;
#[cfg(feature = "test-support")]
mod test_support;
mod well_known;
mod wire;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// Every route of protocol v1 that this server implements, each with its OpenAPI
/// operation: `routes!` takes the method and path from the handler's `#[utoipa::path]`,
/// so the document cannot miss a route or name it differently.
fn routes() -> OpenApiRouter<AppState> {
    let admin = OpenApiRouter::default()
        .routes(routes!(admin::create_provider, admin::list_providers))
        .routes(routes!(admin::create_patient))
        .routes(routes!(admin::get_patient, admin::update_patient))
        .routes(routes!(admin::send_invite))
        .routes(routes!(admin::password_reset))
        .routes(routes!(admin::set_care_team))
        .routes(routes!(admin::remove_guardian))
        .routes(routes!(admin::audit))
        .routes(routes!(sync::create_appointment))
        .routes(routes!(sync::update_appointment, sync::delete_appointment))
        .routes(routes!(sync::provider_message))
        .routes(routes!(sync::delete_message))
        .routes(routes!(sync::book))
        .routes(routes!(sync::create_invoice))
        .routes(routes!(sync::update_invoice, sync::delete_invoice))
        .routes(routes!(documents::create).layer(DefaultBodyLimit::max(documents::BODY_LIMIT)))
        .routes(routes!(documents::delete))
        .routes(routes!(sync::create_form))
        .routes(routes!(sync::delete_form))
        .routes(routes!(sync::assign_form))
        .routes(routes!(admin::create_group))
        .routes(routes!(admin::create_join_link))
        .routes(routes!(admin::outbox))
        .routes(routes!(admin::get_settings, admin::update_settings))
        .routes(routes!(admin::reinvite_requests));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(openapi::document))
        .routes(routes!(patient::password_policy))
        .routes(routes!(patient::inspect_invite))
        .routes(routes!(patient::accept_invite))
        .routes(routes!(patient::renew_invite))
        .routes(routes!(patient::claim_invite))
        .routes(routes!(patient::inspect_join, patient::join))
        .routes(routes!(auth::login))
        .routes(routes!(auth::request_reset))
        .routes(routes!(auth::inspect_reset, auth::complete_reset))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(sync::sync))
        .routes(routes!(sync::events))
        .routes(routes!(sync::mutate))
        .routes(routes!(documents::content))
        .routes(routes!(documents::upload).layer(DefaultBodyLimit::max(documents::BODY_LIMIT)))
        .routes(routes!(pages::invite, pages::accept_invite))
        .routes(routes!(pages::renew_invite))
        .routes(routes!(pages::reset, pages::complete_reset))
        .routes(routes!(pages::join_page, pages::submit_join))
        .routes(routes!(well_known::apple))
        .routes(routes!(well_known::android))
        .nest("/v1/admin", admin)
}

/// The OpenAPI document of the routes, as served at `GET /v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut document) = routes().split_for_parts();
    openapi::CommonAnswers.modify(&mut document);
    document
}

/// What one listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// The patient API and the admin API (no `admin_listen`).
    Everything,
    /// Everything but `/v1/admin/`, which answers 404 here.
    PatientOnly,
    /// Only `/v1/admin/` (the `admin_listen` address).
    AdminOnly,
}

/// The router of one listener.
pub fn router(state: AppState, listener: Listener) -> Router {
    let hsts = state.config.public_url.scheme() == "https";
    let limits = state.config.request_limits;
    let in_flight = state.in_flight.clone();
    let (router, _) = routes().split_for_parts();
    #[cfg(feature = "test-support")]
    let router = router.merge(test_support::routes());
    router
        .fallback(patient::not_found)
        .method_not_allowed_fallback(patient::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            public_limit::limit,
        ))
        .layer(axum::middleware::from_fn(move |request, next| {
            only_for(listener, request, next)
        }))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            limits.body_timeout,
        ))
        .layer(axum::middleware::from_fn(move |request, next| {
            request_limits::deadline(limits, request, next)
        }))
        .layer(axum::middleware::from_fn_with_state(
            in_flight,
            request_limits::in_flight,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit_context,
        ))
        .layer(axum::middleware::from_fn(logging::log_request))
        .layer(axum::middleware::from_fn(move |request, next| {
            security_headers(hsts, request, next)
        }))
        .with_state(state)
}

/// What every answer carries (PROTOCOL): nothing is kept by caches (a handler may say
/// more, such as `private, no-store`), no content type is guessed, and behind TLS
/// (an `https` public address) browsers keep to https for a year.
async fn security_headers(
    hsts: bool,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Runs the request with its client's address, and for the admin API a fingerprint of
/// its credential, for the audit entries it records.
async fn audit_context(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let client = extract::client_addr(
        request.headers(),
        request.extensions(),
        &state.config.trusted_proxies,
    );
    let path = request.uri().path();
    let credential = (path == "/v1/admin" || path.starts_with("/v1/admin/"))
        .then(|| {
            request
                .headers()
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(crate::service::audit::fingerprint)
        })
        .flatten();
    let context = crate::service::audit::AuditContext {
        client: Some(client.to_string()),
        credential,
    };
    crate::service::audit::scope(context, next.run(request)).await
}

/// Answers 404 to what `listener` does not serve.
async fn only_for(
    listener: Listener,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let admin = path == "/v1/admin" || path.starts_with("/v1/admin/");
    let served = match listener {
        Listener::Everything => true,
        Listener::PatientOnly => !admin,
        Listener::AdminOnly => admin,
    };
    if served {
        next.run(request).await
    } else {
        patient::not_found().await.into_response()
    }
}
