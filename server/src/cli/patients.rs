//! Providers, patients, invites and care teams.

use super::client::{AdminApi, decode, naming};
use super::input;
use super::output::{Output, text, when};
use chrono::NaiveDate;
use portal_model::admin::{GuardianContact, PatientRecord, Providers};
use portal_server::error::ServerError;
use serde_json::{Value, json};

/// `admin provider …`
#[derive(clap::Subcommand)]
pub enum ProviderCommand {
    /// Add a provider; prints the provider id that patients are assigned with.
    Add {
        /// Name as patients see it, such as "Dr. Maya Okafor".
        #[arg(long)]
        name: String,
        /// Where the provider receives notifications (bookings, re-invite requests).
        #[arg(long)]
        email: String,
    },
    /// List the practice's providers with their ids.
    List,
}

/// `admin patient …`
#[derive(clap::Subcommand)]
pub enum PatientCommand {
    /// Add a patient and email the invite (unless --no-invite or no email).
    Add(Box<PatientAdd>),
    /// Show a patient's record.
    Show {
        /// The patient id (pat_…).
        patient: String,
    },
    /// Change a patient's name, email or date of birth. A new email revokes
    /// outstanding invites.
    Update(Box<PatientUpdate>),
    /// Email the patient a password reset link (valid one hour), or, when the patient
    /// has no account yet, a fresh invite.
    PasswordReset {
        /// The patient id (pat_…).
        patient: String,
    },
}

/// `admin patient add`.
#[derive(clap::Args)]
pub struct PatientAdd {
    /// Given name, as the patient uses it.
    #[arg(long)]
    first_name: String,
    /// Family name.
    #[arg(long)]
    last_name: String,
    /// The patient's email; without it the patient cannot be invited.
    #[arg(long)]
    email: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long, value_parser = input::date)]
    date_of_birth: Option<NaiveDate>,
    /// The primary provider's id (prv_…).
    #[arg(long)]
    provider: String,
    /// Other providers on the care team (repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    care_team: Vec<String>,
    /// The patient group to place the patient in.
    #[arg(long)]
    group: Option<String>,
    /// For a minor: the parent or guardian who receives the invite.
    #[arg(long, requires = "guardian_email")]
    guardian_name: Option<String>,
    /// The guardian's email (the invite goes there, not to the patient).
    #[arg(long, requires = "guardian_name")]
    guardian_email: Option<String>,
    /// Do not send the invite email now (send it later with `admin invite send`).
    #[arg(long)]
    no_invite: bool,
}

/// `admin patient update`.
#[derive(clap::Args)]
pub struct PatientUpdate {
    /// The patient id (pat_…).
    patient: String,
    /// A corrected given name.
    #[arg(long)]
    first_name: Option<String>,
    /// A corrected family name.
    #[arg(long)]
    last_name: Option<String>,
    /// A new email (revokes invites sent to the old one).
    #[arg(long, conflicts_with = "remove_email")]
    email: Option<String>,
    /// Remove the patient's email.
    #[arg(long)]
    remove_email: bool,
    /// YYYY-MM-DD.
    #[arg(long, value_parser = input::date, conflicts_with = "remove_date_of_birth")]
    date_of_birth: Option<NaiveDate>,
    /// Remove the date of birth.
    #[arg(long)]
    remove_date_of_birth: bool,
}

/// `admin invite …`
#[derive(clap::Subcommand)]
pub enum InviteCommand {
    /// Email a new invite (earlier ones stop working) and print its link.
    Send {
        /// The patient id (pat_…).
        patient: String,
    },
}

/// `admin care-team …`
#[derive(clap::Subcommand)]
pub enum CareTeamCommand {
    /// Set the primary provider and the other members (replacing the old team).
    Set {
        /// The patient id (pat_…).
        patient: String,
        /// The primary provider's id.
        #[arg(long)]
        primary: String,
        /// Other members (repeat or separate with commas).
        #[arg(long, value_delimiter = ',')]
        member: Vec<String>,
    },
}

/// Runs `admin provider …`.
pub async fn provider(
    api: &AdminApi,
    out: Output,
    command: ProviderCommand,
) -> Result<(), ServerError> {
    let (name, email) = match command {
        ProviderCommand::Add { name, email } => (name, email),
        ProviderCommand::List => {
            let answer = api.get(&["providers"]).await?;
            let list: Providers = decode(answer.clone())?;
            out.show(&answer, || {
                if list.providers.is_empty() {
                    return vec![
                        "No providers yet. Add one with: portal-server admin provider add"
                            .to_owned(),
                    ];
                }
                list.providers
                    .iter()
                    .map(|p| match &p.title {
                        Some(title) => format!("{}  {}, {title} <{}>", p.id, p.name, p.email),
                        None => format!("{}  {} <{}>", p.id, p.name, p.email),
                    })
                    .collect()
            });
            return Ok(());
        }
    };
    let answer = api
        .post(&["providers"], &json!({"name": name, "email": email}))
        .await?;
    out.show(&answer, || {
        vec![format!(
            "Added provider {name}: {}",
            text(&answer, "provider_id")
        )]
    });
    Ok(())
}

/// Runs `admin patient …`.
pub async fn patient(
    api: &AdminApi,
    out: Output,
    command: PatientCommand,
) -> Result<(), ServerError> {
    match command {
        PatientCommand::Add(add) => add_patient(api, out, *add).await,
        PatientCommand::Show { patient } => {
            let answer = api
                .get(&["patients", &patient])
                .await
                .map_err(naming(&patient))?;
            let record: PatientRecord = decode(answer.clone())?;
            out.show(&answer, || describe_patient(&record));
            Ok(())
        }
        PatientCommand::Update(update) => update_patient(api, out, *update).await,
        PatientCommand::PasswordReset { patient } => password_reset(api, out, patient).await,
    }
}

async fn password_reset(api: &AdminApi, out: Output, patient: String) -> Result<(), ServerError> {
    let record: PatientRecord = decode(
        api.get(&["patients", &patient])
            .await
            .map_err(naming(&patient))?,
    )?;
    let mut answer = api
        .post(&["patients", &patient, "password-reset"], &json!({}))
        .await
        .map_err(naming(&patient))?;
    let invited = text(&answer, "status") == "invite_sent";
    let lines = if invited {
        let to = match (&record.guardian, &record.email) {
            (Some(GuardianContact { email, .. }), _) | (None, Some(email)) => email.clone(),
            (None, None) => String::new(),
        };
        let link = invite_link(api, &to).await?;
        let mut lines = vec![format!(
            "{} {} has no account yet, so a new invite was emailed instead (earlier links stop working).",
            record.first_name, record.last_name
        )];
        match link {
            Some(link) => {
                lines.push(format!("Invite link: {link}"));
                answer["link"] = json!(link);
            }
            None => lines.push(
                "(The server sends real email, so the link is only in that email.)".to_owned(),
            ),
        }
        lines
    } else {
        // The reset link itself stays in the patient's email: it opens their account.
        vec![format!(
            "A password reset link was emailed to {} {}; it works for one hour.",
            record.first_name, record.last_name
        )]
    };
    out.show(&answer, || lines);
    Ok(())
}

async fn add_patient(api: &AdminApi, out: Output, add: PatientAdd) -> Result<(), ServerError> {
    let guardian = add
        .guardian_name
        .zip(add.guardian_email)
        .map(|(name, email)| json!({"name": name, "email": email}));
    let invite_to = guardian
        .as_ref()
        .map(|g| text(g, "email").to_owned())
        .or_else(|| add.email.clone());
    let body = json!({
        "first_name": add.first_name,
        "last_name": add.last_name,
        "email": add.email,
        "date_of_birth": add.date_of_birth,
        "primary_provider_id": add.provider,
        "care_team_ids": add.care_team,
        "group_id": add.group,
        "guardian": guardian,
        "send_invite": !add.no_invite,
    });
    let mut answer = api.post(&["patients"], &body).await?;
    let patient_id = text(&answer, "patient_id").to_owned();
    let mut lines = vec![format!(
        "Added patient {} {}: {patient_id}",
        add.first_name, add.last_name
    )];
    match (answer.get("invite").cloned(), invite_to) {
        (Some(invite), Some(to)) => {
            let link = invite_link(api, &to).await?;
            lines.extend(invite_lines(&to, &invite, link.as_deref()));
            if let (Some(link), Some(invite)) = (link, answer.get_mut("invite")) {
                invite["link"] = json!(link);
            }
        }
        _ if add.no_invite => lines.push(format!(
            "No invite sent. Send it later with: portal-server admin invite send {patient_id}"
        )),
        _ => lines.push(
            "No invite sent: the patient has no email address. Add one with \
             `admin patient update --email`, then `admin invite send`."
                .to_owned(),
        ),
    }
    out.show(&answer, || lines);
    Ok(())
}

async fn update_patient(
    api: &AdminApi,
    out: Output,
    update: PatientUpdate,
) -> Result<(), ServerError> {
    let mut body = serde_json::Map::new();
    let mut set = |field: &str, value: Value| {
        body.insert(field.to_owned(), value);
    };
    if let Some(first_name) = &update.first_name {
        set("first_name", json!(first_name));
    }
    if let Some(last_name) = &update.last_name {
        set("last_name", json!(last_name));
    }
    if let Some(email) = &update.email {
        set("email", json!(email));
    } else if update.remove_email {
        set("email", Value::Null);
    }
    if let Some(date) = update.date_of_birth {
        set("date_of_birth", json!(date));
    } else if update.remove_date_of_birth {
        set("date_of_birth", Value::Null);
    }
    if body.is_empty() {
        return Err(ServerError::Command(
            "nothing to change: give --first-name, --last-name, --email, --remove-email, \
             --date-of-birth or --remove-date-of-birth."
                .to_owned(),
        ));
    }
    let email_changed = body.contains_key("email");
    let answer = api
        .patch(&["patients", &update.patient], &Value::Object(body))
        .await
        .map_err(naming(&update.patient))?;
    let record: PatientRecord = decode(answer.clone())?;
    out.show(&answer, || {
        let mut lines = vec![format!("Updated patient {}.", record.patient_id)];
        lines.extend(describe_patient(&record));
        if email_changed {
            lines.push(format!(
                "Invites sent before this change no longer work. Send a new one with: \
                 portal-server admin invite send {}",
                record.patient_id
            ));
        }
        lines
    });
    Ok(())
}

/// Runs `admin invite …`.
pub async fn invite(
    api: &AdminApi,
    out: Output,
    command: InviteCommand,
) -> Result<(), ServerError> {
    let InviteCommand::Send { patient } = command;
    let record: PatientRecord = decode(
        api.get(&["patients", &patient])
            .await
            .map_err(naming(&patient))?,
    )?;
    let mut answer = api
        .post(&["patients", &patient, "invite"], &json!({}))
        .await?;
    let to = match (&record.guardian, &record.email) {
        (Some(GuardianContact { email, .. }), _) | (None, Some(email)) => email.clone(),
        (None, None) => String::new(),
    };
    let link = invite_link(api, &to).await?;
    if let Some(link) = &link {
        answer["link"] = json!(link);
    }
    out.show(&answer, || invite_lines(&to, &answer, link.as_deref()));
    Ok(())
}

/// Runs `admin care-team …`.
pub async fn care_team(
    api: &AdminApi,
    out: Output,
    command: CareTeamCommand,
) -> Result<(), ServerError> {
    let CareTeamCommand::Set {
        patient,
        primary,
        member,
    } = command;
    let answer = api
        .put(
            &["patients", &patient, "care-team"],
            &json!({"primary_provider_id": primary, "care_team_ids": member}),
        )
        .await
        .map_err(naming(&patient))?;
    let record: PatientRecord = decode(answer.clone())?;
    out.show(&answer, || {
        vec![
            format!("Care team of {} set.", record.patient_id),
            format!("Primary provider: {}", record.primary_provider_id),
            format!("Care team: {}", record.care_team_ids.join(", ")),
        ]
    });
    Ok(())
}

/// The newest invite link emailed to `to`, from the server's outbox. `None` when the
/// server sends real email (its outbox is then empty), or does not show its outbox (it
/// serves it only with `outbox_api`, for demos and tests): the patient has the link.
async fn invite_link(api: &AdminApi, to: &str) -> Result<Option<String>, ServerError> {
    let outbox = match api.get(&["outbox"]).await {
        Ok(outbox) => outbox,
        Err(ServerError::Api {
            code: portal_model::ErrorCode::NotFound,
            ..
        }) => return Ok(None),
        Err(error) => return Err(error),
    };
    let emails = outbox["emails"].as_array().cloned().unwrap_or_default();
    Ok(emails
        .iter()
        .rev()
        .filter(|email| text(email, "to").eq_ignore_ascii_case(to.trim()))
        .flat_map(|email| email["links"].as_array().cloned().unwrap_or_default())
        .filter_map(|link| link.as_str().map(str::to_owned))
        .find(|link| link.contains("/invite/")))
}

fn invite_lines(to: &str, invite: &Value, link: Option<&str>) -> Vec<String> {
    let mut lines = vec![format!(
        "Invite emailed to {to}; it works until {}.",
        when(&invite["expires_at"])
    )];
    match link {
        Some(link) => lines.push(format!("Invite link: {link}")),
        None => lines
            .push("(The link is only in that email: the server sends real email, or does not show its outbox.)".to_owned()),
    }
    lines
}

fn describe_patient(record: &PatientRecord) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Patient {}: {} {}",
            record.patient_id, record.first_name, record.last_name
        ),
        format!("Email: {}", record.email.as_deref().unwrap_or("(none)")),
        format!(
            "Date of birth: {}",
            record
                .date_of_birth
                .map_or_else(|| "(unknown)".to_owned(), |d| d.to_string())
        ),
        format!("Primary provider: {}", record.primary_provider_id),
        format!("Care team: {}", record.care_team_ids.join(", ")),
    ];
    if let Some(guardian) = &record.guardian {
        lines.push(format!("Guardian: {} <{}>", guardian.name, guardian.email));
    }
    lines
}
