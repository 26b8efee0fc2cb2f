//! `/.well-known/` files that let the iOS and Android apps open the portal's https links
//! (invite, reset, join) directly, from the server's configuration.

use crate::error::ServerError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::ErrorCode;
use serde_json::{Value, json};

fn not_configured(what: &str) -> ServerError {
    ServerError::api(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("No {what} app is configured for this portal."),
    )
}

/// The iOS app-site association (universal links for `/invite`, `/reset`, `/join`).
#[utoipa::path(
    get,
    path = "/.well-known/apple-app-site-association",
    tag = "app-links",
    responses(
        (status = 200, description = "The association file.", body = Object),
        (status = 404, description = "`not_found`: no iOS app is configured.", body = portal_model::ApiErrorBody),
    )
)]
pub async fn apple(State(state): State<AppState>) -> Result<Json<Value>, ServerError> {
    let ids = &state.config.app_links.apple_app_ids;
    if ids.is_empty() {
        return Err(not_configured("iOS"));
    }
    Ok(Json(json!({
        "applinks": {
            "details": [{
                "appIDs": ids,
                "components": [{"/": "/invite/*"}, {"/": "/reset/*"}, {"/": "/join/*"}]
            }]
        }
    })))
}

/// The Android digital asset links (app links for `/invite`, `/reset`, `/join`).
#[utoipa::path(
    get,
    path = "/.well-known/assetlinks.json",
    tag = "app-links",
    responses(
        (status = 200, description = "The asset links.", body = Vec<Object>),
        (status = 404, description = "`not_found`: no Android app is configured.", body = portal_model::ApiErrorBody),
    )
)]
pub async fn android(State(state): State<AppState>) -> Result<Json<Value>, ServerError> {
    let links = &state.config.app_links;
    let Some(package) = &links.android_package else {
        return Err(not_configured("Android"));
    };
    Ok(Json(json!([{
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": package,
            "sha256_cert_fingerprints": links.android_cert_sha256,
        }
    }])))
}
