//! Handlers of the sync feed, its event stream, and mutations; and the admin API's
//! appointments.

use super::extract::{Admin, ApiJson, ApiPath, ApiQuery, Authed};
use crate::error::ServerError;
use crate::service::appointments::{self, AppointmentChange, NewAppointment};
use crate::service::{feed, mutations};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_model::sync::{MutationBatch, MutationResults, SyncPage};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct SyncQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

pub async fn sync(
    State(state): State<AppState>,
    Authed(session): Authed,
    ApiQuery(query): ApiQuery<SyncQuery>,
) -> Result<Json<SyncPage>, ServerError> {
    Ok(Json(
        feed::page(&state, session, query.cursor, query.limit).await?,
    ))
}

pub async fn mutate(
    State(state): State<AppState>,
    Authed(session): Authed,
    ApiJson(batch): ApiJson<MutationBatch>,
) -> Result<Json<MutationResults>, ServerError> {
    Ok(Json(mutations::apply(&state, session, batch).await?))
}

pub async fn create_appointment(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewAppointment>,
) -> Result<(StatusCode, Json<Value>), ServerError> {
    let id = appointments::create(&state, new).await?;
    Ok((StatusCode::CREATED, Json(json!({ "appointment_id": id }))))
}

pub async fn update_appointment(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<AppointmentChange>,
) -> Result<StatusCode, ServerError> {
    appointments::update(&state, id, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_appointment(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    appointments::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
