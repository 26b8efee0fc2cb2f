//! The practice as a whole: patient groups and their join links, settings, the outbox,
//! re-invite requests and the audit log.

use super::client::{AdminApi, decode, naming};
use super::input;
use super::output::{Output, local, text, when};
use portal_model::admin::{AuditLog, Outbox, PracticeSettings, ReinviteRequests};
use portal_server::error::ServerError;
use serde_json::json;

/// `admin group …`
#[derive(clap::Subcommand)]
pub enum GroupCommand {
    /// Add a patient group; people who join through its link get its provider and forms.
    Add {
        /// Such as "New adult patients".
        #[arg(long)]
        name: String,
        /// The provider new members are assigned to.
        #[arg(long)]
        provider: String,
        /// Intake forms new members receive (repeat or separate with commas).
        #[arg(long, value_delimiter = ',')]
        intake_form: Vec<String>,
    },
}

/// `admin join-link …`
#[derive(clap::Subcommand)]
pub enum JoinLinkCommand {
    /// Create a join link for a group and print it (valid for the invite lifetime).
    Create {
        /// The group id (grp_…).
        group: String,
    },
}

/// `admin settings …`
#[derive(clap::Subcommand)]
pub enum SettingsCommand {
    /// Show the practice's settings.
    Show,
    /// Set all of the practice's settings at once (the server replaces them whole).
    Set(SettingsSet),
}

/// `admin settings set`.
#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("welcome").required(true).args(["welcome_message", "no_welcome_message"]))]
pub struct SettingsSet {
    /// How long invites and join links work: 4d, 96h, 36h, 3600 (seconds).
    #[arg(long, value_parser = input::duration_seconds)]
    invite_ttl: i64,
    /// on: patients renew an expired invite themselves; off: the practice is asked.
    #[arg(long, value_parser = input::switch, value_name = "on|off", action = clap::ArgAction::Set)]
    self_service_reinvite: bool,
    /// Turn the welcome message on with this text (sent when a patient's account
    /// becomes active, from the primary provider).
    #[arg(long)]
    welcome_message: Option<String>,
    /// Turn the welcome message off.
    #[arg(long)]
    no_welcome_message: bool,
}

/// `admin outbox`.
#[derive(clap::Args)]
pub struct OutboxArgs {
    /// Only the emails to this address.
    #[arg(long)]
    to: Option<String>,
}

/// Runs `admin group …`.
pub async fn group(api: &AdminApi, out: Output, command: GroupCommand) -> Result<(), ServerError> {
    let GroupCommand::Add {
        name,
        provider,
        intake_form,
    } = command;
    let answer = api
        .post(
            &["groups"],
            &json!({"name": name, "provider_id": provider, "intake_form_ids": intake_form}),
        )
        .await?;
    let group_id = text(&answer, "group_id");
    out.show(&answer, || {
        vec![
            format!("Added group {name}: {group_id}"),
            format!("Create its join link with: portal-server admin join-link create {group_id}"),
        ]
    });
    Ok(())
}

/// Runs `admin join-link …`.
pub async fn join_link(
    api: &AdminApi,
    out: Output,
    command: JoinLinkCommand,
) -> Result<(), ServerError> {
    let JoinLinkCommand::Create { group } = command;
    let answer = api
        .post(&["groups", &group, "join-links"], &json!({}))
        .await
        .map_err(naming(&group))?;
    out.show(&answer, || {
        vec![
            format!("Join link: {}", text(&answer, "url")),
            format!(
                "Anyone with it can register until {}; share it only with new patients.",
                when(&answer["expires_at"])
            ),
        ]
    });
    Ok(())
}

/// Runs `admin settings …`.
pub async fn settings(
    api: &AdminApi,
    out: Output,
    command: SettingsCommand,
) -> Result<(), ServerError> {
    let set = match command {
        SettingsCommand::Show => {
            let answer = api.get(&["settings"]).await?;
            let current: PracticeSettings = decode(answer.clone())?;
            out.show(&answer, || settings_lines(&current));
            return Ok(());
        }
        SettingsCommand::Set(set) => set,
    };
    let wanted = PracticeSettings {
        invite_ttl_seconds: set.invite_ttl,
        self_service_reinvite: set.self_service_reinvite,
        welcome_message_enabled: set.welcome_message.is_some() && !set.no_welcome_message,
        welcome_message: set.welcome_message.unwrap_or_default(),
    };
    let answer = api.put(&["settings"], &json!(wanted)).await?;
    let saved: PracticeSettings = decode(answer.clone())?;
    out.show(&answer, || {
        let mut lines = vec!["Settings saved.".to_owned()];
        lines.extend(settings_lines(&saved));
        lines
    });
    Ok(())
}

/// The settings, one sentence each.
fn settings_lines(settings: &PracticeSettings) -> Vec<String> {
    vec![
        format!(
            "Invites and join links work for {}.",
            span(settings.invite_ttl_seconds)
        ),
        format!(
            "Expired invites: {}.",
            if settings.self_service_reinvite {
                "patients renew them themselves"
            } else {
                "patients ask the practice (see `admin reinvite-requests`)"
            }
        ),
        if settings.welcome_message_enabled {
            format!("Welcome message: {}", settings.welcome_message)
        } else {
            "Welcome message: off".to_owned()
        },
    ]
}

/// Runs `admin outbox`.
pub async fn outbox(api: &AdminApi, out: Output, args: OutboxArgs) -> Result<(), ServerError> {
    let mut outbox: Outbox = match api.get(&["outbox"]).await {
        Ok(answer) => decode(answer)?,
        Err(ServerError::Api {
            code: portal_model::ErrorCode::NotFound,
            ..
        }) => {
            return Err(ServerError::Command(
                "the server does not show its outbox: it does only when started with \
                 outbox_api = true (for demos and tests), and with SMTP its emails go out"
                    .to_owned(),
            ));
        }
        Err(error) => return Err(error),
    };
    if let Some(to) = &args.to {
        outbox
            .emails
            .retain(|e| e.to.eq_ignore_ascii_case(to.trim()));
    }
    out.show(&json!(outbox), || {
        if outbox.emails.is_empty() {
            return vec!["No emails (with SMTP configured, the outbox stays empty).".to_owned()];
        }
        let mut lines = Vec::new();
        for email in &outbox.emails {
            lines.push(format!(
                "{}  to {}: {}",
                local(email.sent_at),
                email.to,
                email.subject
            ));
            lines.extend(email.links.iter().map(|link| format!("    {link}")));
        }
        lines
    });
    Ok(())
}

/// Runs `admin reinvite-requests`.
pub async fn reinvite_requests(api: &AdminApi, out: Output) -> Result<(), ServerError> {
    let answer = api.get(&["reinvite-requests"]).await?;
    let waiting: ReinviteRequests = decode(answer.clone())?;
    out.show(&answer, || {
        if waiting.requests.is_empty() {
            return vec!["No patient is waiting for a new invite.".to_owned()];
        }
        let mut lines: Vec<String> = waiting
            .requests
            .iter()
            .map(|r| {
                let source = if r.source == "password_reset" {
                    "tried to reset the password"
                } else {
                    "opened an expired invite"
                };
                format!(
                    "{}  {} ({}) {source}",
                    local(r.created_at),
                    r.patient_name,
                    r.patient_id
                )
            })
            .collect();
        lines.push(
            "Send each a new invite with: portal-server admin invite send PATIENT_ID".to_owned(),
        );
        lines
    });
    Ok(())
}

/// Runs `admin audit`.
pub async fn audit(api: &AdminApi, out: Output) -> Result<(), ServerError> {
    let answer = api.get(&["audit"]).await?;
    let log: AuditLog = decode(answer.clone())?;
    out.show(&answer, || {
        if log.entries.is_empty() {
            return vec!["The audit log is empty.".to_owned()];
        }
        log.entries
            .iter()
            .map(|e| {
                let from = e
                    .client
                    .as_deref()
                    .map(|c| format!("  from {c}"))
                    .unwrap_or_default();
                format!(
                    "{}  {}  {}  {}{from}",
                    local(e.at),
                    e.actor,
                    e.action,
                    e.subject
                )
            })
            .collect()
    });
    Ok(())
}

/// Seconds as the largest whole units, such as "4 days" or "36 hours".
fn span(seconds: i64) -> String {
    let (amount, unit) = match seconds {
        s if s % 86_400 == 0 => (s / 86_400, "day"),
        s if s % 3600 == 0 => (s / 3600, "hour"),
        s if s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    let plural = if amount == 1 { "" } else { "s" };
    format!("{amount} {unit}{plural}")
}
