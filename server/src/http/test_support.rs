//! Routes for tests, built only with the `test-support` cargo feature, which release
//! builds never enable (`scripts/build.sh` turns it on for the debug binary the tests
//! start). Behind the admin token like the rest of `/v1/admin/`, and left out of the
//! OpenAPI document: no client of the protocol uses them.
//! - `GET`/`PUT /v1/admin/test/clock`: read, set or move the server's time;
//! - `POST /v1/admin/test/purge-tombstones`: purge deletes past the retention now.
//! - `POST /v1/admin/test/housekeeping`: run the hourly clean-up of limits and ended
//!   sessions now.
//! - `POST /v1/admin/test/wait/{ms}`: answer 204 after `ms` milliseconds (at most a
//!   minute): a slow handler, for the answer deadline.
//!
//! Bulk records for benchmarks come from `portal-server seed`, in every build.

use super::extract::{Admin, ApiJson};
use crate::error::ServerError;
use crate::service::feed;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use portal_model::admin::test_support::{ClockChange, ClockNow, Housekept, Purged};

/// The test routes, to merge into the server's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/test/clock", get(clock).put(set_clock))
        .route("/v1/admin/test/purge-tombstones", post(purge_tombstones))
        .route("/v1/admin/test/housekeeping", post(housekeeping))
        .route("/v1/admin/test/wait/{ms}", post(wait))
}

async fn wait(
    _: Admin,
    super::extract::ApiPath(ms): super::extract::ApiPath<u64>,
) -> axum::http::StatusCode {
    tokio::time::sleep(std::time::Duration::from_millis(ms.min(60_000))).await;
    axum::http::StatusCode::NO_CONTENT
}

async fn clock(_: Admin, State(state): State<AppState>) -> Json<ClockNow> {
    Json(ClockNow {
        now: state.clock.now(),
    })
}

async fn set_clock(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(change): ApiJson<ClockChange>,
) -> Result<Json<ClockNow>, ServerError> {
    let clock = state
        .clock
        .adjustable()
        .ok_or_else(|| ServerError::bad_request("This server runs on the system clock."))?;
    match change {
        ClockChange::Set(to) => clock.set(to),
        ClockChange::AdvanceSeconds(seconds) => clock.advance(chrono::Duration::seconds(seconds)),
    }
    Ok(Json(ClockNow {
        now: state.clock.now(),
    }))
}

async fn housekeeping(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<Housekept>, ServerError> {
    let removed = crate::service::housekeeping::purge(&state).await?;
    Ok(Json(Housekept {
        login_attempts: removed.login_attempts as u64,
        rate_limits: removed.rate_limits as u64,
        uploads: removed.uploads as u64,
        files: removed.files as u64,
        sessions: removed.sessions as u64,
    }))
}

async fn purge_tombstones(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<Purged>, ServerError> {
    let purged = feed::purge_tombstones(&state).await?;
    Ok(Json(Purged {
        purged: purged as u64,
    }))
}
