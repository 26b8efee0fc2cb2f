//! Handlers of the sync feed, its event stream, and mutations; and the admin API's
//! appointments.

use super::extract::{Admin, ApiJson, ApiPath, ApiQuery, Authed};
use crate::error::ServerError;
use crate::service::appointments::{self, AppointmentChange, NewAppointment};
use crate::service::bookings::{self, Booked, Booking};
use crate::service::forms::{self, Assignment, NewForm};
use crate::service::invoices::{self, InvoiceChange, NewInvoice};
use crate::service::messages::{self, ProviderMessage};
use crate::service::{events, feed, mutations};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
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

/// `GET /v1/sync/events`: an event `changed` whenever something the account can see
/// changed; the client then pulls. The stream ends when the session does.
pub async fn events(
    State(state): State<AppState>,
    Authed(session): Authed,
) -> Result<
    Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>>,
    ServerError,
> {
    // Announce from the feed's present position, not the watcher's (it may lag).
    let start = events::current_seq(&state).await?;
    let signal = state.changes.clone();
    let stream = futures_util::stream::unfold(
        (state, session, signal, start),
        |(state, session, mut signal, mut announced)| async move {
            loop {
                signal.changed().await.ok()?;
                let latest = *signal.borrow_and_update();
                // A revoked session, or a failing database, ends the stream.
                let alive =
                    crate::service::sessions::is_active(&state, session.session_id.clone()).await;
                if !matches!(alive, Ok(true)) {
                    return None;
                }
                let visible =
                    events::visible_change_after(&state, session.account_id.clone(), announced)
                        .await
                        .ok()?;
                announced = latest;
                if visible {
                    let event = Event::default().event("changed").data("{}");
                    return Some((Ok(event), (state, session, signal, announced)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

pub async fn provider_message(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ProviderMessage>,
) -> Result<(StatusCode, Json<Value>), ServerError> {
    let (message_id, thread_id) = messages::from_provider(&state, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message_id": message_id, "thread_id": thread_id })),
    ))
}

pub async fn create_form(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(form): ApiJson<NewForm>,
) -> Result<(StatusCode, Json<Value>), ServerError> {
    let id = forms::create(&state, form).await?;
    Ok((StatusCode::CREATED, Json(json!({ "form_id": id }))))
}

pub async fn assign_form(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(template_id): ApiPath<String>,
    ApiJson(assignment): ApiJson<Assignment>,
) -> Result<(StatusCode, Json<Value>), ServerError> {
    let id = forms::assign(&state, template_id, assignment).await?;
    Ok((StatusCode::CREATED, Json(json!({ "form_id": id }))))
}

pub async fn create_invoice(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(invoice): ApiJson<NewInvoice>,
) -> Result<(StatusCode, Json<Value>), ServerError> {
    let id = invoices::create(&state, invoice).await?;
    Ok((StatusCode::CREATED, Json(json!({ "invoice_id": id }))))
}

pub async fn update_invoice(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<InvoiceChange>,
) -> Result<StatusCode, ServerError> {
    invoices::set_status(&state, id, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_invoice(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    invoices::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn book(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(booking): ApiJson<Booking>,
) -> Result<(StatusCode, Json<Booked>), ServerError> {
    Ok((
        StatusCode::CREATED,
        Json(bookings::book(&state, booking).await?),
    ))
}
