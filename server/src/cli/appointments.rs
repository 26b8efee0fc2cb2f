//! Appointments, and bookings from the practice's booking page.

use super::client::{AdminApi, naming};
use super::input;
use super::output::{Output, local, text};
use chrono::{DateTime, Utc};
use portal_server::error::ServerError;
use serde_json::{Value, json};

/// In person or by video.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    InPerson,
    Telehealth,
}

impl Kind {
    fn wire(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::Telehealth => "telehealth",
        }
    }
}

/// Where an appointment stands.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Status {
    Scheduled,
    Confirmed,
    Cancelled,
    Completed,
    NoShow,
}

impl Status {
    fn wire(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Completed => "completed",
            Self::NoShow => "no_show",
        }
    }
}

/// When, how long, and how: shared by appointments and bookings.
#[derive(clap::Args)]
pub struct Slot {
    /// The provider's id (prv_…).
    #[arg(long)]
    provider: String,
    /// Start: 2026-07-01 09:30 (this computer's time zone) or 2026-07-01T13:30:00Z.
    #[arg(long, value_parser = input::time)]
    at: DateTime<Utc>,
    /// Length in minutes (5 to 480).
    #[arg(long, default_value_t = 30)]
    minutes: i64,
    /// In person, or telehealth (then give --telehealth-url).
    #[arg(long, value_enum, default_value = "in-person")]
    kind: Kind,
    /// Where, for an in-person visit.
    #[arg(long)]
    location: Option<String>,
    /// The video link, for telehealth.
    #[arg(long)]
    telehealth_url: Option<String>,
}

impl Slot {
    /// The slot's fields of a request body.
    fn fields(&self) -> serde_json::Map<String, Value> {
        let value = json!({
            "provider_id": self.provider,
            "starts_at": self.at,
            "duration_minutes": self.minutes,
            "kind": self.kind.wire(),
            "location": self.location,
            "telehealth_url": self.telehealth_url,
        });
        match value {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// `admin appointment …`
#[derive(clap::Subcommand)]
pub enum AppointmentCommand {
    /// Add an appointment to a patient's portal.
    Add {
        /// The patient id (pat_…).
        #[arg(long)]
        patient: String,
        #[command(flatten)]
        slot: Slot,
    },
    /// Reschedule an appointment or change its status.
    Update {
        /// The appointment id (apt_…).
        appointment: String,
        /// New start (see `add --at`).
        #[arg(long, value_parser = input::time)]
        at: Option<DateTime<Utc>>,
        /// New length in minutes.
        #[arg(long)]
        minutes: Option<i64>,
        /// New status.
        #[arg(long, value_enum)]
        status: Option<Status>,
    },
    /// Cancel an appointment (the patient sees it cancelled).
    Cancel {
        /// The appointment id (apt_…).
        appointment: String,
    },
    /// Remove an appointment entered by mistake (it disappears from the portal).
    Delete {
        /// The appointment id (apt_…).
        appointment: String,
    },
}

/// `admin booking …`
#[derive(clap::Subcommand)]
pub enum BookingCommand {
    /// Record a booking; a person the practice does not know is added and invited, and
    /// the provider is emailed.
    Add {
        /// The person's given name.
        #[arg(long)]
        first_name: String,
        /// The person's family name.
        #[arg(long)]
        last_name: String,
        /// The person's email: an unknown one makes a new, invited patient.
        #[arg(long)]
        email: String,
        /// A phone number, if given.
        #[arg(long)]
        phone: Option<String>,
        #[command(flatten)]
        slot: Slot,
    },
}

/// Runs `admin appointment …`.
pub async fn appointment(
    api: &AdminApi,
    out: Output,
    command: AppointmentCommand,
) -> Result<(), ServerError> {
    match command {
        AppointmentCommand::Add { patient, slot } => {
            let mut body = slot.fields();
            body.insert("patient_id".to_owned(), json!(patient));
            let answer = api.post(&["appointments"], &Value::Object(body)).await?;
            out.show(&answer, || {
                vec![format!(
                    "Added appointment {} for {patient} on {} ({} minutes).",
                    text(&answer, "appointment_id"),
                    local(slot.at),
                    slot.minutes
                )]
            });
        }
        AppointmentCommand::Update {
            appointment,
            at,
            minutes,
            status,
        } => {
            if at.is_none() && minutes.is_none() && status.is_none() {
                return Err(ServerError::Command(
                    "nothing to change: give --at, --minutes or --status.".to_owned(),
                ));
            }
            let body = json!({"starts_at": at, "duration_minutes": minutes,
                              "status": status.map(Status::wire)});
            change(api, out, &appointment, &body, "updated").await?;
        }
        AppointmentCommand::Cancel { appointment } => {
            let body = json!({"status": "cancelled"});
            change(api, out, &appointment, &body, "cancelled").await?;
        }
        AppointmentCommand::Delete { appointment } => {
            api.delete(&["appointments", &appointment])
                .await
                .map_err(naming(&appointment))?;
            let answer = json!({"appointment_id": appointment, "deleted": true});
            out.show(&answer, || {
                vec![format!("Deleted appointment {appointment}.")]
            });
        }
    }
    Ok(())
}

async fn change(
    api: &AdminApi,
    out: Output,
    appointment: &str,
    body: &Value,
    done: &str,
) -> Result<(), ServerError> {
    api.patch(&["appointments", appointment], body)
        .await
        .map_err(naming(appointment))?;
    let answer = json!({"appointment_id": appointment, "changed": body});
    out.show(&answer, || {
        vec![format!("Appointment {appointment} {done}.")]
    });
    Ok(())
}

/// Runs `admin booking …`.
pub async fn booking(
    api: &AdminApi,
    out: Output,
    command: BookingCommand,
) -> Result<(), ServerError> {
    let BookingCommand::Add {
        first_name,
        last_name,
        email,
        phone,
        slot,
    } = command;
    let mut body = slot.fields();
    body.insert(
        "patient".to_owned(),
        json!({"first_name": first_name, "last_name": last_name, "email": email, "phone": phone}),
    );
    let answer = api.post(&["bookings"], &Value::Object(body)).await?;
    out.show(&answer, || {
        let who = if answer["new_patient"].as_bool() == Some(true) {
            format!(
                "New patient {}, invited by email.",
                text(&answer, "patient_id")
            )
        } else {
            format!("Existing patient {}.", text(&answer, "patient_id"))
        };
        vec![
            format!(
                "Booked appointment {} on {}.",
                text(&answer, "appointment_id"),
                local(slot.at)
            ),
            who,
            "The provider was emailed.".to_owned(),
        ]
    });
    Ok(())
}
