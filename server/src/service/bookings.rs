//! Bookings from the practice's booking page or package store: a first-time patient is
//! added automatically and invited; the provider is emailed either way.

use crate::error::ServerError;
use crate::mail::{Email, html_escape};
use crate::params;
use crate::service::appointments::{self, NewAppointment};
use crate::service::patients::{self, normalize_email, required};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use portal_model::admin::CreatePatientRequest;
use serde::{Deserialize, Serialize};

/// Who booked.
#[derive(Debug, Deserialize)]
pub struct Booker {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
}

/// `POST /v1/admin/bookings`.
#[derive(Debug, Deserialize)]
pub struct Booking {
    pub patient: Booker,
    pub provider_id: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
    pub kind: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub telehealth_url: Option<String>,
}

/// What a booking did.
#[derive(Debug, Serialize)]
pub struct Booked {
    pub patient_id: String,
    pub appointment_id: String,
    /// The patient was added (and invited) by this booking.
    pub new_patient: bool,
}

/// Records a booking.
pub async fn book(state: &AppState, booking: Booking) -> Result<Booked, ServerError> {
    let first_name = required("patient.first_name", &booking.patient.first_name)?;
    let last_name = required("patient.last_name", &booking.patient.last_name)?;
    let email = normalize_email(&booking.patient.email)?;
    crate::service::patients::capped("location", booking.location.as_deref(), 200)?;
    if !(5..=480).contains(&booking.duration_minutes) {
        return Err(ServerError::bad_request(
            "duration_minutes must be between 5 and 480.",
        ));
    }
    let lookup_email = email.clone();
    let provider_id = booking.provider_id.clone();
    let (existing, provider): (Option<String>, Option<(String, String)>) = state
        .db
        .call(move |conn| {
            let existing = conn.query_opt(
                "SELECT id FROM patients WHERE email = ?1",
                params![&lookup_email],
                |row| row.get(0),
            )?;
            let provider = conn.query_opt(
                "SELECT name, email FROM providers WHERE id = ?1",
                params![&provider_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            Ok((existing, provider))
        })
        .await?;
    let Some((provider_name, provider_email)) = provider else {
        return Err(ServerError::bad_request(
            "provider_id does not name a provider of this practice.",
        ));
    };
    let (patient_id, new_patient) = match existing {
        Some(id) => {
            // Booking with a provider puts them on the patient's care team.
            let (patient, provider) = (id.clone(), booking.provider_id.clone());
            let now = state.clock.now();
            state
                .db
                .call(move |conn| {
                    let tx = conn.transaction()?;
                    let added = tx.execute(
                        "INSERT INTO care_team (patient_id, provider_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                        params![patient, provider])?;
                    if added > 0 {
                        crate::service::publish::profile(&tx, &patient, now)?;
                    }
                    tx.commit()?;
                    Ok(())
                })
                .await?;
            (id, false)
        }
        None => {
            let created = patients::create_patient(
                state,
                CreatePatientRequest {
                    first_name: first_name.clone(),
                    last_name: last_name.clone(),
                    email: Some(email.clone()),
                    date_of_birth: None,
                    primary_provider_id: booking.provider_id.clone(),
                    care_team_ids: Vec::new(),
                    group_id: None,
                    guardian: None,
                    send_invite: true,
                },
            )
            .await?;
            (created.patient_id, true)
        }
    };
    let appointment_id = appointments::create(
        state,
        NewAppointment {
            patient_id: patient_id.clone(),
            provider_id: booking.provider_id,
            starts_at: booking.starts_at,
            duration_minutes: booking.duration_minutes,
            kind: booking.kind,
            location: booking.location,
            telehealth_url: booking.telehealth_url,
        },
    )
    .await?;
    let when = booking.starts_at.format("%A %B %-d, %Y at %H:%M UTC");
    let mut text = format!(
        "Hello {provider_name},\n\n{first_name} {last_name} booked an appointment with you on {when}.\n"
    );
    if new_patient {
        text.push_str("\nThey are new to the practice: they were added to your patients and invited to the patient portal.\n");
    }
    state.mail.send(
        Email {
            kind: "booking-notice",
            to: provider_email,
            subject: format!("New booking: {first_name} {last_name}"),
            html: format!(
                "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p></body></html>",
                html_escape(&text).replace("\n\n", "</p><p>")
            ),
            text,
            links: Vec::new(),
        },
        state.clock.as_ref(),
    );
    Ok(Booked {
        patient_id,
        appointment_id,
        new_patient,
    })
}
