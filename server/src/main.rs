//! `portal-server`: run the reference server, a demo practice, or the practice's
//! administration commands against a running server.

mod cli;

use clap::{Parser, Subcommand};
use portal_server::mail::MailConfig;
use portal_server::{Database, ServerOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use url::Url;

#[derive(Parser)]
#[command(
    name = "portal-server",
    version,
    about = "The reference Patient Portal server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The options of `portal-server serve`.
#[derive(clap::Args)]
struct ServeArgs {
    /// A settings file (TOML) with any of these options, plus `admin_token` and `log`;
    /// the command line and the environment override it.
    #[arg(long, env = "PORTAL_CONFIG")]
    config: Option<std::path::PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "PORTAL_LISTEN")]
    listen: SocketAddr,
    /// `sqlite://PATH` (embedded, the default), `sqlite::memory:`, or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (TLS as libpq: add
    /// `?sslmode=verify-full&sslrootcert=CA.pem` for a database on another machine).
    // Help never prints the variable's value: a PostgreSQL URL may hold a password.
    #[arg(
        long,
        default_value = "sqlite://portal.db",
        env = "PORTAL_DATABASE",
        hide_env_values = true
    )]
    database: String,
    /// Base of the links in emails, such as https://portal.example.org.
    #[arg(long, env = "PORTAL_PUBLIC_URL")]
    public_url: Option<Url>,
    /// The practice's name, used when the database is first created.
    #[arg(
        long,
        default_value = "Riverside Family Practice",
        env = "PORTAL_PRACTICE_NAME"
    )]
    practice_name: String,
    /// Send email through this SMTP server (smtp://host:port,
    /// smtp://user:pass@host:587?tls=required, smtps://host:465); without it, email
    /// goes to the built-in outbox.
    #[arg(long, env = "PORTAL_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of the emails.
    #[arg(
        long,
        default_value = "Patient Portal <no-reply@localhost>",
        env = "PORTAL_MAIL_FROM"
    )]
    mail_from: String,
    /// iOS app ids (TEAMID.bundle.id) for /.well-known/apple-app-site-association.
    #[arg(long, env = "PORTAL_APPLE_APP_IDS", value_delimiter = ',')]
    apple_app_ids: Vec<String>,
    /// Android package for /.well-known/assetlinks.json.
    #[arg(long, env = "PORTAL_ANDROID_PACKAGE")]
    android_package: Option<String>,
    /// Android signing certificate SHA-256 fingerprints for assetlinks.json.
    #[arg(long, env = "PORTAL_ANDROID_CERT_SHA256", value_delimiter = ',')]
    android_cert_sha256: Vec<String>,
    /// Serve the admin API on this address only (such as 127.0.0.1:8081), apart from
    /// the patient API: the production setting.
    #[arg(long, env = "PORTAL_ADMIN_LISTEN")]
    admin_listen: Option<SocketAddr>,
    /// Serve GET /v1/admin/outbox: the emails of the built-in outbox, with working
    /// invite and reset links. For demos and tests only.
    #[arg(long, env = "PORTAL_OUTBOX_API")]
    outbox_api: bool,
    /// Reverse proxies (addresses or networks, such as 10.0.0.0/8) whose
    /// X-Forwarded-For header names the client: set it behind a TLS terminator, or
    /// every patient shares the proxy's address and its limits.
    #[arg(long, env = "PORTAL_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = portal_server::config::parse_proxy)]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Requests a second each client address may make to the public sign-in, invite,
    /// reset and join routes (beyond them: 429 with Retry-After).
    #[arg(long, default_value_t = portal_server::PUBLIC_PER_SECOND, env = "PORTAL_PUBLIC_PER_SECOND",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    public_per_second: u32,
    /// The burst each client address may send at once to those routes.
    #[arg(long, default_value_t = portal_server::PUBLIC_BURST, env = "PORTAL_PUBLIC_BURST",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    public_burst: u32,
    /// Seconds a client may take to send a request's headers; then the connection
    /// closes (a client dribbling them holds nothing for long). An idle keep-alive
    /// connection closes after it too.
    #[arg(long, default_value_t = portal_server::config::HEADER_TIMEOUT_SECONDS,
          env = "PORTAL_HEADER_TIMEOUT_SECONDS", value_parser = clap::value_parser!(u32).range(1..=300))]
    header_timeout_seconds: u32,
    /// Seconds a request's body may pause before the request fails (408).
    #[arg(long, default_value_t = portal_server::config::BODY_TIMEOUT_SECONDS,
          env = "PORTAL_BODY_TIMEOUT_SECONDS", value_parser = clap::value_parser!(u32).range(1..=600))]
    body_timeout_seconds: u32,
    /// Seconds an answer may take before it fails (503 server_busy); uploads get ten
    /// times as long.
    #[arg(long, default_value_t = portal_server::config::REQUEST_TIMEOUT_SECONDS,
          env = "PORTAL_REQUEST_TIMEOUT_SECONDS", value_parser = clap::value_parser!(u32).range(1..=3_600))]
    request_timeout_seconds: u32,
    /// Requests handled at once; more answer 503 server_busy at once.
    #[arg(long, default_value_t = portal_server::config::MAX_REQUESTS_IN_FLIGHT,
          env = "PORTAL_MAX_REQUESTS_IN_FLIGHT", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_requests_in_flight: u32,
    /// MiB of uploads one patient account may hold at a time (uploads are kept a week;
    /// beyond it: 429 with the wait).
    #[arg(long, default_value_t = portal_server::service::documents::UPLOAD_QUOTA_MIB,
          env = "PORTAL_UPLOAD_QUOTA_MIB", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    upload_quota_mib: u32,
    /// Font files (TrueType or OpenType, collections too) for the characters of
    /// patients' and providers' names that the built-in DejaVu Sans lacks, such as
    /// Chinese, Japanese and Korean, tried in order. Unset: the first of a list of
    /// common system fonts found (Debian: fonts-wqy-microhei or fonts-noto-cjk).
    #[arg(long, env = "PORTAL_PDF_FONTS", value_delimiter = ',')]
    pdf_fonts: Vec<std::path::PathBuf>,
    /// Start even when, beyond this machine, links are http, SMTP has no TLS or
    /// PostgreSQL's certificate is not checked (each gap is logged at every start).
    #[arg(long, env = "PORTAL_ALLOW_INSECURE")]
    allow_insecure: bool,
    /// Keep emails in the built-in outbox (memory only; demos and tests) instead of
    /// sending them: without this or --smtp-url, the server does not start.
    #[arg(long, env = "PORTAL_OUTBOX")]
    outbox: bool,
    /// How long an access token lasts, in seconds (clients refresh it).
    #[arg(long, default_value_t = 900, env = "PORTAL_ACCESS_TOKEN_SECONDS",
          value_parser = clap::value_parser!(u32).range(10..=3600))]
    access_token_seconds: u32,
    /// A session not used for this many days ends (the patient signs in again).
    #[arg(long, default_value_t = 14, env = "PORTAL_SESSION_IDLE_DAYS",
          value_parser = clap::value_parser!(u32).range(1..=365))]
    session_idle_days: u32,
    /// No session lasts longer than this many days, however often it is used.
    #[arg(long, default_value_t = 90, env = "PORTAL_SESSION_MAX_DAYS",
          value_parser = clap::value_parser!(u32).range(1..=730))]
    session_max_days: u32,
}

/// The options of `portal-server seed`.
#[derive(clap::Args)]
struct SeedArgs {
    /// The database, as for `serve`.
    #[arg(long, env = "PORTAL_DATABASE", hide_env_values = true)]
    database: String,
    /// `message` (into `--thread`) or `appointment` (with `--provider`).
    #[arg(long, default_value = "message")]
    kind: String,
    /// The patient whose records they are.
    #[arg(long)]
    patient: String,
    /// For messages: an existing thread of the patient.
    #[arg(long)]
    thread: Option<String>,
    /// For appointments: a provider of the practice.
    #[arg(long)]
    provider: Option<String>,
    /// Ids are `{prefix}_1` to `{prefix}_{count}`.
    #[arg(long)]
    prefix: String,
    /// How many messages.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    count: u32,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the patient API and the admin API.
    Serve(Box<ServeArgs>),
    /// Serve a practice filled with demonstration data and print an invite link.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080", env = "PORTAL_LISTEN")]
        listen: SocketAddr,
    },
    /// Write synthetic messages in bulk into a patient's thread, for benchmarks and load
    /// tests (never on a practice's own database). Works beside a running server.
    Seed(SeedArgs),
    /// Print a new random admin token (32 bytes, base64url) for PORTAL_ADMIN_TOKEN or
    /// admin_token in the settings file.
    NewAdminToken,
    /// The practice's tasks (patients, invites, appointments, ...) on a running server.
    #[command(subcommand_required = true, arg_required_else_help = true)]
    Admin(Box<cli::AdminArgs>),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = portal_server::settings_file::path_from_args(&args) {
        match portal_server::settings_file::read(std::path::Path::new(&path)) {
            Ok(settings) => {
                for (variable, value) in settings {
                    if std::env::var_os(variable).is_none() {
                        // SAFETY: no other thread exists yet: this is the first thing
                        // main does, before logging or the runtime start.
                        unsafe { std::env::set_var(variable, value) };
                    }
                }
            }
            Err(message) => {
                eprintln!("portal-server: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("portal-server: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("portal-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn admin_token_from_env() -> Option<String> {
    std::env::var("PORTAL_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Admin(args) => cli::run(*args).await.map_err(|e| cli::describe(&e)),
        Command::NewAdminToken => {
            println!("{}", portal_server::crypto::new_token());
            Ok(())
        }
        Command::Serve(args) => {
            let ServeArgs {
                config: _,
                listen,
                database,
                public_url,
                practice_name,
                smtp_url,
                mail_from,
                apple_app_ids,
                android_package,
                android_cert_sha256,
                access_token_seconds,
                session_idle_days,
                session_max_days,
                admin_listen,
                outbox_api,
                trusted_proxies,
                public_per_second,
                public_burst,
                header_timeout_seconds,
                body_timeout_seconds,
                request_timeout_seconds,
                max_requests_in_flight,
                upload_quota_mib,
                pdf_fonts,
                allow_insecure,
                outbox,
            } = *args;
            if smtp_url.is_none() && !outbox && !outbox_api {
                return Err(
                    "no smtp_url: invites and reset links would only be kept in \
                            memory, and no patient would get them. Set smtp_url, or \
                            outbox = true (PORTAL_OUTBOX) to choose the built-in outbox for \
                            a demo or tests"
                        .to_owned(),
                );
            }
            if session_idle_days > session_max_days {
                return Err(format!(
                    "session_idle_days ({session_idle_days}) cannot be longer than \
                     session_max_days ({session_max_days})"
                ));
            }
            let admin_token = admin_token_from_env();
            if admin_token.is_none() {
                tracing::warn!("PORTAL_ADMIN_TOKEN is not set: the admin API is disabled");
            }
            let server = portal_server::start(ServerOptions {
                listen,
                database: Database::parse(&database)?,
                public_url,
                admin_token,
                practice_name,
                session_limits: portal_server::config::SessionLimits {
                    access_ttl: chrono::Duration::seconds(access_token_seconds.into()),
                    idle: chrono::Duration::days(session_idle_days.into()),
                    absolute: chrono::Duration::days(session_max_days.into()),
                },
                mail: match smtp_url {
                    Some(url) => MailConfig::Smtp {
                        url,
                        from: mail_from,
                    },
                    None => MailConfig::Outbox,
                },
                app_links: portal_server::config::AppLinks {
                    apple_app_ids,
                    android_package,
                    android_cert_sha256,
                },
                clock: server_clock(),
                admin_listen,
                outbox_api,
                trusted_proxies,
                public_per_second,
                public_burst,
                request_limits: portal_server::config::RequestLimits::from_settings(
                    header_timeout_seconds,
                    body_timeout_seconds,
                    request_timeout_seconds,
                    max_requests_in_flight,
                ),
                upload_quota_mib,
                pdf_fonts,
                allow_insecure,
            })
            .await
            .map_err(|e| e.to_string())?;
            announce(&format!("portal-server listening on {}", server.base_url()));
            if let Some(admin) = server.admin_addr {
                announce(&format!(
                    "portal-server admin API listening on http://{admin}"
                ));
            }
            serve_until_signal(server).await
        }
        Command::Seed(args) => {
            let db = Database::parse(&args.database)?
                .open()
                .await
                .map_err(|e| e.to_string())?;
            use portal_model::admin::test_support::{SeedAppointments, SeedMessages};
            let now = chrono::Utc::now();
            let seeded = match (args.kind.as_str(), args.thread, args.provider) {
                ("message", Some(thread_id), _) => {
                    portal_server::service::seed::messages(
                        &db,
                        SeedMessages {
                            patient_id: args.patient,
                            thread_id,
                            prefix: args.prefix,
                            count: args.count,
                        },
                        now,
                    )
                    .await
                }
                ("appointment", _, Some(provider_id)) => {
                    portal_server::service::seed::appointments(
                        &db,
                        SeedAppointments {
                            patient_id: args.patient,
                            provider_id,
                            prefix: args.prefix,
                            count: args.count,
                        },
                        now,
                    )
                    .await
                }
                ("message", None, _) => return Err("seeding messages needs --thread".to_owned()),
                ("appointment", _, None) => {
                    return Err("seeding appointments needs --provider".to_owned());
                }
                (other, _, _) => {
                    return Err(format!("--kind is message or appointment, not '{other}'"));
                }
            }
            .map_err(|e| e.to_string())?;
            announce(&format!("seeded {} {}s", seeded.seeded, args.kind));
            Ok(())
        }
        Command::Demo { listen } => {
            let admin_token =
                admin_token_from_env().unwrap_or_else(portal_server::crypto::new_token);
            let server = portal_server::start(ServerOptions {
                listen,
                clock: server_clock(),
                ..ServerOptions::local(&admin_token)
            })
            .await
            .map_err(|e| e.to_string())?;
            let link = portal_server::demo::seed(&server.state)
                .await
                .map_err(|e| e.to_string())?;
            announce(&format!("portal-server listening on {}", server.base_url()));
            announce(&format!("demo admin token: {admin_token}"));
            announce(&format!("demo invite link: {link}"));
            serve_until_signal(server).await
        }
    }
}

/// The system clock; in a `test-support` build, one that tests can move.
fn server_clock() -> Arc<dyn portal_server::clock::Clock> {
    #[cfg(feature = "test-support")]
    return Arc::new(portal_server::clock::OffsetClock::default());
    #[cfg(not(feature = "test-support"))]
    Arc::new(portal_server::clock::SystemClock)
}

/// Prints a line on stdout right away (scripts and tests wait for these lines).
fn announce(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn serve_until_signal(server: portal_server::RunningServer) -> Result<(), String> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot watch for SIGTERM: {e}"))?;
    let signal = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down");
    };
    server.run_until(signal).await.map_err(|e| e.to_string())
}
