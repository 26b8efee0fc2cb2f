//! The HTTP surface: routes, extractors, and request logging with secrets redacted.

mod admin;
mod auth;
mod documents;
mod extract;
mod logging;
mod pages;
mod patient;
mod sync;
mod well_known;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

/// Every route of protocol v1 that this server implements.
pub fn router(state: AppState) -> Router {
    let admin = Router::new()
        .route("/providers", post(admin::create_provider))
        .route("/patients", post(admin::create_patient))
        .route(
            "/patients/{id}",
            get(admin::get_patient).patch(admin::update_patient),
        )
        .route("/patients/{id}/invite", post(admin::send_invite))
        .route("/patients/{id}/care-team", put(admin::set_care_team))
        .route("/audit", get(admin::audit))
        .route("/appointments", post(sync::create_appointment))
        .route(
            "/appointments/{id}",
            axum::routing::patch(sync::update_appointment).delete(sync::delete_appointment),
        )
        .route("/messages", post(sync::provider_message))
        .route("/bookings", post(sync::book))
        .route("/invoices", post(sync::create_invoice))
        .route(
            "/invoices/{id}",
            axum::routing::patch(sync::update_invoice).delete(sync::delete_invoice),
        )
        .route(
            "/documents",
            post(documents::create).layer(DefaultBodyLimit::max(documents::BODY_LIMIT)),
        )
        .route("/documents/{id}", axum::routing::delete(documents::delete))
        .route("/forms", post(sync::create_form))
        .route("/forms/{id}/assign", post(sync::assign_form))
        .route("/groups", post(admin::create_group))
        .route("/groups/{id}/join-links", post(admin::create_join_link))
        .route("/outbox", get(admin::outbox))
        .route("/settings", put(admin::update_settings))
        .route("/reinvite-requests", get(admin::reinvite_requests));
    Router::new()
        .route("/v1/password-policy", get(patient::password_policy))
        .route("/v1/invites/{token}", get(patient::inspect_invite))
        .route("/v1/invites/{token}/accept", post(patient::accept_invite))
        .route("/v1/invites/{token}/renew", post(patient::renew_invite))
        .route("/v1/invites/{token}/claim", post(patient::claim_invite))
        .route(
            "/v1/join/{code}",
            get(patient::inspect_join).post(patient::join),
        )
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/password-reset", post(auth::request_reset))
        .route(
            "/v1/auth/password-reset/{token}",
            get(auth::inspect_reset).post(auth::complete_reset),
        )
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/me", get(auth::me))
        .route("/v1/sync", get(sync::sync))
        .route("/v1/sync/events", get(sync::events))
        .route("/v1/mutations", post(sync::mutate))
        .route("/v1/documents/{id}/content", get(documents::content))
        .route(
            "/v1/uploads/{upload_id}",
            put(documents::upload).layer(DefaultBodyLimit::max(documents::BODY_LIMIT)),
        )
        .route(
            "/invite/{token}",
            get(pages::invite).post(pages::accept_invite),
        )
        .route("/invite/{token}/renew", post(pages::renew_invite))
        .route(
            "/reset/{token}",
            get(pages::reset).post(pages::complete_reset),
        )
        .route(
            "/join/{code}",
            get(pages::join_page).post(pages::submit_join),
        )
        .route(
            "/.well-known/apple-app-site-association",
            get(well_known::apple),
        )
        .route("/.well-known/assetlinks.json", get(well_known::android))
        .nest("/v1/admin", admin)
        .fallback(patient::not_found)
        .method_not_allowed_fallback(patient::method_not_allowed)
        .layer(axum::middleware::from_fn(logging::log_request))
        .with_state(state)
}
