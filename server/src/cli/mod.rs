//! `portal-server admin …`: what a practice's staff do (add patients, invite them, fill
//! their portal), through a running server's admin API. Going through HTTP rather than
//! the database means it works with any database the server uses, and the server's
//! rules, audit log, emails and live events all apply.

mod appointments;
mod client;
mod documents;
mod forms;
mod input;
mod invoices;
mod messages;
mod output;
mod patients;
mod practice;

use crate::cli::client::AdminApi;
use crate::cli::output::Output;
use clap::Subcommand;
use portal_server::error::ServerError;
use url::Url;

/// Where the server is when nothing says otherwise.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The options of `portal-server admin`.
#[derive(clap::Args)]
#[command(
    after_help = "The admin token comes from PORTAL_ADMIN_TOKEN, or from admin_token in \
    the settings file given with --config (the file `serve` reads). It is never printed."
)]
pub struct AdminArgs {
    /// The server, such as https://portal.example.org [default: the `listen` address of
    /// the settings file, else http://127.0.0.1:8080]
    #[arg(long, global = true, env = "PORTAL_SERVER_URL", value_parser = server_url, help_heading = "Connection")]
    server: Option<Url>,
    /// The server's settings file (TOML), for its admin_token and listen address.
    #[arg(
        long,
        global = true,
        env = "PORTAL_CONFIG",
        help_heading = "Connection"
    )]
    config: Option<std::path::PathBuf>,
    /// Print the server's answers as JSON, for scripts.
    #[arg(long, global = true, help_heading = "Connection")]
    json: bool,
    #[command(subcommand)]
    command: AdminCommand,
}

/// The tasks, grouped as staff think of them.
#[derive(Subcommand)]
enum AdminCommand {
    /// Add the practice's providers (clinicians).
    #[command(subcommand)]
    Provider(patients::ProviderCommand),
    /// Add, show and update patients.
    #[command(subcommand)]
    Patient(patients::PatientCommand),
    /// Send (or resend) a patient's invite email.
    #[command(subcommand)]
    Invite(patients::InviteCommand),
    /// Set a patient's primary provider and care team.
    #[command(subcommand)]
    CareTeam(patients::CareTeamCommand),
    /// Add patient groups, for self-registration through join links.
    #[command(subcommand)]
    Group(practice::GroupCommand),
    /// Create a group's join link to share with new patients.
    #[command(subcommand)]
    JoinLink(practice::JoinLinkCommand),
    /// Change the practice's settings (invite lifetime, re-invites, welcome message).
    #[command(subcommand)]
    Settings(practice::SettingsCommand),
    /// Add, reschedule and cancel appointments.
    #[command(subcommand)]
    Appointment(appointments::AppointmentCommand),
    /// Record a booking from the practice's booking page (adds and invites new patients).
    #[command(subcommand)]
    Booking(appointments::BookingCommand),
    /// Write to a patient as one of their providers.
    #[command(subcommand)]
    Message(messages::MessageCommand),
    /// Add invoices with line items, and mark them paid or void.
    #[command(subcommand)]
    Invoice(invoices::InvoiceCommand),
    /// Share documents (files) with a patient.
    #[command(subcommand)]
    Document(documents::DocumentCommand),
    /// Create intake forms and assign them to patients.
    #[command(subcommand)]
    Form(forms::FormCommand),
    /// List the emails the server sent (built-in outbox only; empty with SMTP).
    Outbox(practice::OutboxArgs),
    /// List patients waiting for a new invite.
    ReinviteRequests,
    /// Show the audit log: who did what, and when.
    Audit,
}

/// Runs one admin command against the server.
pub async fn run(args: AdminArgs) -> Result<(), ServerError> {
    let AdminArgs {
        server,
        config: _, // `main` has already read the file into the environment.
        json,
        command,
    } = args;
    let api = AdminApi::new(server.map_or_else(default_server, Ok)?, admin_token()?)?;
    let out = Output::new(json);
    match command {
        AdminCommand::Provider(command) => patients::provider(&api, out, command).await,
        AdminCommand::Patient(command) => patients::patient(&api, out, command).await,
        AdminCommand::Invite(command) => patients::invite(&api, out, command).await,
        AdminCommand::CareTeam(command) => patients::care_team(&api, out, command).await,
        AdminCommand::Group(command) => practice::group(&api, out, command).await,
        AdminCommand::JoinLink(command) => practice::join_link(&api, out, command).await,
        AdminCommand::Settings(command) => practice::settings(&api, out, command).await,
        AdminCommand::Appointment(command) => appointments::appointment(&api, out, command).await,
        AdminCommand::Booking(command) => appointments::booking(&api, out, command).await,
        AdminCommand::Message(command) => messages::message(&api, out, command).await,
        AdminCommand::Invoice(command) => invoices::invoice(&api, out, command).await,
        AdminCommand::Document(command) => documents::document(&api, out, command).await,
        AdminCommand::Form(command) => forms::form(&api, out, command).await,
        AdminCommand::Outbox(args) => practice::outbox(&api, out, args).await,
        AdminCommand::ReinviteRequests => practice::reinvite_requests(&api, out).await,
        AdminCommand::Audit => practice::audit(&api, out).await,
    }
}

/// An error as one line for people: the server's message and stable code, or the
/// command line's own words.
pub fn describe(error: &ServerError) -> String {
    match error {
        ServerError::Api { code, message, .. } => format!("{message} ({})", code.as_str()),
        other => other.to_string(),
    }
}

/// Reads `--server`: an http(s) URL, kept as the base of the API paths.
fn server_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| {
        format!("'{text}' is not a server address ({e}); write it as http://127.0.0.1:8080")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "'{text}' is not an http(s) server address; write it as https://portal.example.org"
        ));
    }
    // The admin token would cross the network in clear.
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(format!(
            "'{text}' is plain http to another machine, which would send the admin token in \
             clear; use https:// (plain http only for this machine: 127.0.0.1, ::1, localhost)"
        ));
    }
    Ok(url)
}

/// True for this machine's own addresses: `localhost`, 127.0.0.0/8 and ::1.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The `admin_listen` (else `listen`) address of the settings file (or `PORTAL_ADMIN_LISTEN`,
/// `PORTAL_LISTEN`) as seen from this machine, else [`DEFAULT_SERVER`].
fn default_server() -> Result<Url, ServerError> {
    // The admin API's own listener when the server has one, else the shared one.
    let listen = ["PORTAL_ADMIN_LISTEN", "PORTAL_LISTEN"]
        .iter()
        .find_map(|variable| {
            std::env::var(variable)
                .ok()
                .and_then(|l| l.parse::<std::net::SocketAddr>().ok())
        });
    let text = match listen {
        Some(addr) if addr.ip().is_unspecified() && addr.is_ipv4() => {
            format!("http://127.0.0.1:{}", addr.port())
        }
        Some(addr) if addr.ip().is_unspecified() => format!("http://[::1]:{}", addr.port()),
        Some(addr) => format!("http://{addr}"),
        None => DEFAULT_SERVER.to_owned(),
    };
    server_url(&text).map_err(ServerError::Command)
}

/// The admin token from `PORTAL_ADMIN_TOKEN` (which `main` fills from the settings file).
fn admin_token() -> Result<String, ServerError> {
    let token = std::env::var("PORTAL_ADMIN_TOKEN").unwrap_or_default();
    if token.is_empty() {
        return Err(ServerError::Command(
            "no admin token: set PORTAL_ADMIN_TOKEN, or give the server's settings file with \
             --config portal.toml (its admin_token)."
                .to_owned(),
        ));
    }
    // The same check as the server's at start: what one accepts, the other does.
    portal_server::crypto::check_admin_token(&token).map_err(|problem| {
        ServerError::Command(format!(
            "{problem} (PORTAL_ADMIN_TOKEN, or admin_token in the settings file)."
        ))
    })?;
    Ok(token)
}
