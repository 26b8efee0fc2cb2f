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

/// `GET /.well-known/apple-app-site-association`.
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

/// `GET /.well-known/assetlinks.json`.
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
