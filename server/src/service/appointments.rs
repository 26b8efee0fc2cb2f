//! Appointments: staff schedule them; patients see them in the feed and confirm or
//! cancel them (until `cancellable_until`, 24 hours before the start).

use crate::crypto::new_id;
use crate::db::Conn;
use crate::error::ServerError;
use crate::params;
use crate::service::{audit, feed};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use portal_model::ErrorCode;
use portal_model::records::{Appointment, AppointmentKind, AppointmentStatus};
use serde::Deserialize;

/// How long before the start a patient can still cancel.
pub const CANCEL_NOTICE: Duration = Duration::hours(24);

/// `POST /v1/admin/appointments`.
#[derive(Debug, Deserialize)]
pub struct NewAppointment {
    pub patient_id: String,
    pub provider_id: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
    pub kind: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub telehealth_url: Option<String>,
}

/// `PATCH /v1/admin/appointments/{id}`: reschedule or set the status.
#[derive(Debug, Deserialize)]
pub struct AppointmentChange {
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
}

fn exists(conn: &Conn, table: &str, id: &str) -> Result<bool, ServerError> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    Ok(conn.query_opt(&sql, params![id], |_| Ok(()))?.is_some())
}

/// Sets the start, the end and the cancellation deadline.
fn timing(
    appointment: &mut Appointment,
    starts_at: DateTime<Utc>,
    minutes: i64,
) -> Result<(), ServerError> {
    if !(5..=480).contains(&minutes) {
        return Err(ServerError::bad_request(
            "duration_minutes must be between 5 and 480.",
        ));
    }
    appointment.starts_at = starts_at;
    appointment.ends_at = starts_at + Duration::minutes(minutes);
    appointment.cancellable_until = starts_at - CANCEL_NOTICE;
    Ok(())
}

/// Creates an appointment and returns its id.
pub async fn create(state: &AppState, new: NewAppointment) -> Result<String, ServerError> {
    crate::service::patients::capped("location", new.location.as_deref(), 200)?;
    if new.kind != "in_person" && new.kind != "telehealth" {
        return Err(ServerError::bad_request(
            "kind must be in_person or telehealth.",
        ));
    }
    let telehealth_url = new.telehealth_url.clone().filter(|u| !u.trim().is_empty());
    if new.kind == "telehealth" {
        let ok = telehealth_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .is_some_and(|u| u.scheme() == "https");
        if !ok {
            return Err(ServerError::bad_request(
                "a telehealth appointment needs an https telehealth_url.",
            ));
        }
    }
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            crate::service::patients::require_patient(&tx, &new.patient_id)?;
            if !exists(&tx, "providers", &new.provider_id)? {
                return Err(ServerError::bad_request(
                    "provider_id does not name a provider of this practice.",
                ));
            }
            let id = new_id("apt");
            let mut appointment = Appointment {
                id: id.clone(),
                profile_id: new.patient_id.clone(),
                rev: 0,
                updated_at: now,
                provider_id: new.provider_id.clone(),
                starts_at: new.starts_at,
                ends_at: new.starts_at,
                kind: AppointmentKind::parse(&new.kind),
                location: new.location.clone(),
                telehealth_url,
                status: AppointmentStatus::Scheduled,
                cancellable_until: new.starts_at,
            };
            timing(&mut appointment, new.starts_at, new.duration_minutes)?;
            feed::put(&tx, &appointment, now)?;
            audit::record(
                &tx,
                crate::db::millis(now),
                "admin",
                "appointment.create",
                &id,
            )?;
            tx.commit()?;
            Ok(id)
        })
        .await
}

fn not_found() -> ServerError {
    ServerError::api(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No such appointment.",
    )
}

/// Reschedules an appointment or changes its status.
pub async fn update(
    state: &AppState,
    id: String,
    change: AppointmentChange,
) -> Result<(), ServerError> {
    if let Some(status) = &change.status
        && !AppointmentStatus::parse(status).is_known()
    {
        return Err(ServerError::bad_request(format!(
            "status must be one of {}.",
            AppointmentStatus::KNOWN.join(", ")
        )));
    }
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut appointment: Appointment = feed::get(&tx, &id)?.ok_or_else(not_found)?;
            if change.starts_at.is_some() || change.duration_minutes.is_some() {
                let start = change.starts_at.unwrap_or(appointment.starts_at);
                let minutes = change
                    .duration_minutes
                    .unwrap_or((appointment.ends_at - appointment.starts_at).num_minutes());
                timing(&mut appointment, start, minutes)?;
            }
            if let Some(status) = change.status {
                appointment.status = AppointmentStatus::parse(&status);
            }
            feed::put(&tx, &appointment, now)?;
            audit::record(
                &tx,
                crate::db::millis(now),
                "admin",
                "appointment.update",
                &id,
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// Deletes an appointment: the patient's feed receives a delete.
pub async fn delete(state: &AppState, id: String) -> Result<(), ServerError> {
    feed::admin_delete(state, "appointment", id, "No such appointment.").await
}

/// Why a patient's change to an appointment was refused: (code, message).
pub type Refusal = (&'static str, String);

/// A patient cancels (`cancel`) or confirms an appointment of `patient_id`.
pub fn patient_update(
    tx: &Conn,
    patient_id: &str,
    appointment_id: &str,
    cancel: bool,
    now: DateTime<Utc>,
) -> Result<Result<(), Refusal>, ServerError> {
    let Some(mut appointment) = feed::get::<Appointment>(tx, appointment_id)? else {
        return Ok(Err((
            "not_found",
            "This appointment does not exist any more.".to_owned(),
        )));
    };
    if appointment.profile_id != patient_id {
        return Ok(Err((
            "forbidden",
            "This appointment belongs to someone else.".to_owned(),
        )));
    }
    if !appointment.status.is_active() {
        return Ok(Err((
            "invalid_state",
            format!(
                "This appointment is {} and cannot be changed.",
                appointment.status
            ),
        )));
    }
    let deadline = if cancel {
        appointment.cancellable_until
    } else {
        appointment.starts_at
    };
    if now > deadline {
        let message = if cancel {
            "It is too late to cancel online: please call your practice."
        } else {
            "This appointment has already started."
        };
        return Ok(Err(("too_late", message.to_owned())));
    }
    appointment.status = if cancel {
        AppointmentStatus::Cancelled
    } else {
        AppointmentStatus::Confirmed
    };
    feed::put(tx, &appointment, now)?;
    Ok(Ok(()))
}
