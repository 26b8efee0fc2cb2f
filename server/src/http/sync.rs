//! Handlers of the sync feed, its event stream, and mutations; and the admin API's
//! appointments.

use super::extract::{Admin, ApiJson, ApiPath, ApiQuery, Authed};
use crate::error::ServerError;
use crate::service::{appointments, bookings, events, feed, forms, invoices, messages, mutations};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use portal_model::ApiErrorBody;
use portal_model::admin::{
    AppointmentChange, AppointmentCreated, Booked, Booking, FormAssignment, FormCreated,
    InvoiceChange, InvoiceCreated, MessageSent, NewAppointment, NewForm, NewInvoice,
    ProviderMessage,
};
use portal_model::sync::{MutationBatch, MutationResults, SyncPage};
use serde::Deserialize;

/// The query of `GET /v1/sync`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// Where to continue, as the previous page answered; without it, from the start.
    cursor: Option<String>,
    /// Changes per page (default 500).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// One page of the account's sync feed, in commit order.
#[utoipa::path(
    get,
    path = "/v1/sync",
    tag = "sync",
    security(("patient_token" = [])),
    params(SyncQuery),
    responses(
        (status = 200, description = "A page of changes and the cursor after it.", body = SyncPage),
        (status = 410, description = "`cursor_expired`: start again without a cursor.", body = ApiErrorBody),
    )
)]
pub async fn sync(
    State(state): State<AppState>,
    Authed(session): Authed,
    ApiQuery(query): ApiQuery<SyncQuery>,
) -> Result<impl axum::response::IntoResponse, ServerError> {
    let body = feed::page(&state, session, query.cursor, query.limit).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    ))
}

/// Applies a batch of mutations, each at most once per account, with a result each.
#[utoipa::path(
    post,
    path = "/v1/mutations",
    tag = "sync",
    security(("patient_token" = [])),
    request_body = MutationBatch,
    responses((status = 200, description = "One result per mutation, in order.", body = MutationResults))
)]
pub async fn mutate(
    State(state): State<AppState>,
    Authed(session): Authed,
    ApiJson(batch): ApiJson<MutationBatch>,
) -> Result<Json<MutationResults>, ServerError> {
    Ok(Json(mutations::apply(&state, session, batch).await?))
}

/// Schedules an appointment; it reaches the patient's feed.
#[utoipa::path(
    post,
    path = "/appointments",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = NewAppointment,
    responses(
        (status = 201, description = "Created.", body = AppointmentCreated),
    )
)]
pub async fn create_appointment(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewAppointment>,
) -> Result<(StatusCode, Json<AppointmentCreated>), ServerError> {
    let appointment_id = appointments::create(&state, new.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(AppointmentCreated { appointment_id }),
    ))
}

/// Reschedules an appointment or sets its status.
#[utoipa::path(
    patch,
    path = "/appointments/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The appointment's id.")),
    request_body = AppointmentChange,
    responses(
        (status = 204, description = "Changed."),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn update_appointment(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<AppointmentChange>,
) -> Result<StatusCode, ServerError> {
    appointments::update(&state, id, change.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an appointment; the patient's feed receives a delete.
#[utoipa::path(
    delete,
    path = "/appointments/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The appointment's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn delete_appointment(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    appointments::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Server-sent events: an event `changed` whenever something the account can see
/// changed; the client then pulls. The stream ends when the session does, when its
/// access token expires, and when the server stops. An account has at most
/// [`events::STREAMS_PER_ACCOUNT`] open.
#[utoipa::path(
    get,
    path = "/v1/sync/events",
    tag = "sync",
    security(("patient_token" = [])),
    responses(
        (status = 200, description = "A stream of `changed` events, until the access token expires.", content_type = "text/event-stream", body = String),
        (status = 429, description = "`too_many_streams`: the account has as many streams open as it may.", body = ApiErrorBody),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    Authed(session): Authed,
) -> Result<
    Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>>,
    ServerError,
> {
    // Counted while open; past the limits, refused before anything else.
    let ticket = state.streams.open(&session.account_id)?;
    // It ends when the access token that opened it does (the client refreshes and
    // reconnects), measured on the server's clock.
    let lasts = (session.access_expires_at - state.clock.now())
        .to_std()
        .unwrap_or_default();
    // Announce from the feed's present position, not the watcher's (it may lag).
    let start = events::current_seq(&state).await?;
    let signal = state.changes.clone();
    let state_stopping = state.stopping.clone();
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
                // The watcher may still hand over a value read before this stream
                // started: never move back before what was already checked.
                announced = announced.max(latest);
                if visible {
                    let event = Event::default().event("changed").data("{}");
                    return Some((Ok(event), (state, session, signal, announced)));
                }
            }
        },
    );
    // The server stopping ends it too (the client reconnects to the server's next run).
    let mut stopping = state_stopping.subscribe();
    let stream = futures_util::StreamExt::take_until(stream, async move {
        tokio::select! {
            _ = stopping.wait_for(|stopping| *stopping) => {}
            () = tokio::time::sleep(lasts) => {}
        }
        drop(ticket);
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A provider writes to a patient, in a thread or a new one.
#[utoipa::path(
    post,
    path = "/messages",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = ProviderMessage,
    responses(
        (status = 201, description = "Sent.", body = MessageSent),
        (status = 403, description = "`forbidden`: the provider is not on the patient's care team.", body = ApiErrorBody),
    )
)]
pub async fn provider_message(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ProviderMessage>,
) -> Result<(StatusCode, Json<MessageSent>), ServerError> {
    let (message_id, thread_id) = messages::from_provider(&state, request.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageSent {
            message_id,
            thread_id,
        }),
    ))
}

/// Deletes a message (a provider's or the patient's); the patient's feed receives the
/// delete and the thread's new summary.
#[utoipa::path(
    delete,
    path = "/messages/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The message's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn delete_message(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    messages::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a form template.
#[utoipa::path(
    post,
    path = "/forms",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = NewForm,
    responses((status = 201, description = "Created.", body = FormCreated))
)]
pub async fn create_form(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(form): ApiJson<NewForm>,
) -> Result<(StatusCode, Json<FormCreated>), ServerError> {
    let form_id = forms::create(&state, form.into()).await?;
    Ok((StatusCode::CREATED, Json(FormCreated { form_id })))
}

/// Gives a patient a copy of a form template to fill in.
#[utoipa::path(
    post,
    path = "/forms/{id}/assign",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The template's id.")),
    request_body = FormAssignment,
    responses(
        (status = 201, description = "Assigned; the id of the patient's form.", body = FormCreated),
        (status = 404, description = "`not_found`: no such template.", body = ApiErrorBody),
    )
)]
pub async fn assign_form(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(template_id): ApiPath<String>,
    ApiJson(assignment): ApiJson<FormAssignment>,
) -> Result<(StatusCode, Json<FormCreated>), ServerError> {
    let form_id = forms::assign(&state, template_id, assignment.into()).await?;
    Ok((StatusCode::CREATED, Json(FormCreated { form_id })))
}

/// Deletes a patient's form (the id `assign` answered) with its answers; the patient's
/// feed receives the deletes. Templates are not deleted.
#[utoipa::path(
    delete,
    path = "/forms/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The patient's form's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn delete_form(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    forms::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues an invoice, optionally with a superbill PDF.
#[utoipa::path(
    post,
    path = "/invoices",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = NewInvoice,
    responses(
        (status = 201, description = "Created.", body = InvoiceCreated),
        (status = 409, description = "`conflict`: another invoice has this number.", body = ApiErrorBody),
    )
)]
pub async fn create_invoice(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(invoice): ApiJson<NewInvoice>,
) -> Result<(StatusCode, Json<InvoiceCreated>), ServerError> {
    let invoice_id = invoices::create(&state, invoice.into()).await?;
    Ok((StatusCode::CREATED, Json(InvoiceCreated { invoice_id })))
}

/// Sets an invoice's status.
#[utoipa::path(
    patch,
    path = "/invoices/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The invoice's id.")),
    request_body = InvoiceChange,
    responses(
        (status = 204, description = "Changed."),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn update_invoice(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<InvoiceChange>,
) -> Result<StatusCode, ServerError> {
    invoices::set_status(&state, id, change.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an invoice; the patient's feed receives a delete.
#[utoipa::path(
    delete,
    path = "/invoices/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The invoice's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn delete_invoice(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    invoices::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a booking from the practice's booking page: a patient whose email is unknown
/// is added and invited; the provider is emailed either way.
#[utoipa::path(
    post,
    path = "/bookings",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = Booking,
    responses((status = 201, description = "Booked.", body = Booked))
)]
pub async fn book(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(booking): ApiJson<Booking>,
) -> Result<(StatusCode, Json<Booked>), ServerError> {
    let booked = bookings::book(&state, booking.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(Booked {
            patient_id: booked.patient_id,
            appointment_id: booked.appointment_id,
            new_patient: booked.new_patient,
        }),
    ))
}
