//! The `portal-server` command line as staff run it: start-up errors in words, the demo,
//! and a clean stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use portal_e2e::process::Guard;
use std::process::{Command, Stdio};
use std::time::Duration;

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portal-server"));
    // These servers keep their emails in the built-in outbox, by choice.
    command.env("PORTAL_OUTBOX", "true");
    command
}

/// `serve` on a free loopback port over a database in memory.
fn serve_in_memory() -> Command {
    let mut command = server();
    command.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--database",
        "sqlite::memory:",
    ]);
    command
}

/// The admin token of the settings-file test.
const FILE_TOKEN: &str = "file-admin-token-Vw3Kp8Rt1Zx6Qn4Bm9Ld2Hc7Fj5Gs0Ya";

/// What `serve` prints to stderr when it refuses to start with `token`.
fn refused_start(token: &str) -> String {
    let output = serve_in_memory()
        .env("PORTAL_ADMIN_TOKEN", token)
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "started with the admin token {token:?}"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn weak_admin_tokens_stop_the_start_and_new_admin_token_makes_one_both_accept() {
    portal_e2e::install_tls_provider();
    // The README's example once, and the guesses an attacker tries first.
    let said = refused_start("a long random secret");
    assert!(
        said.contains("no spaces") && said.contains("new-admin-token"),
        "{said}"
    );
    let said = refused_start("admin");
    assert!(said.contains("at least 43"), "{said}");
    let said = refused_start(&"ab".repeat(30));
    assert!(said.contains("easy to guess"), "{said}");

    let made = server().arg("new-admin-token").output().unwrap();
    assert!(made.status.success());
    let token = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert_eq!(token.len(), 43, "{token}");
    assert_ne!(
        token,
        String::from_utf8(server().arg("new-admin-token").output().unwrap().stdout)
            .unwrap()
            .trim()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = Guard::spawn(
        "portal-server",
        server()
            .args(["serve", "--listen", "127.0.0.1:0", "--database"])
            .arg(format!("sqlite://{}", dir.path().join("p.db").display()))
            .env("PORTAL_ADMIN_TOKEN", &token)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let base = child.wait_for_line("portal-server listening on ", Duration::from_secs(30));
    // The admin command line takes the same token.
    let listed = server()
        .args(["admin", "provider", "list"])
        .env("PORTAL_SERVER_URL", &base)
        .env("PORTAL_ADMIN_TOKEN", &token)
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    // Without `outbox_api`, the outbox (working invite links) is not served, and the
    // command line says why.
    let outbox = reqwest::Client::new()
        .get(format!("{base}/v1/admin/outbox"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(outbox.status().as_u16(), 404);
    let listed = server()
        .args(["admin", "outbox"])
        .env("PORTAL_SERVER_URL", &base)
        .env("PORTAL_ADMIN_TOKEN", &token)
        .output()
        .unwrap();
    assert!(!listed.status.success());
    let said = String::from_utf8_lossy(&listed.stderr);
    assert!(said.contains("does not show its outbox"), "{said}");
}

#[tokio::test]
async fn the_admin_api_on_its_own_listener_is_not_on_the_patient_one() {
    portal_e2e::install_tls_provider();
    let token = "own-listener-admin-Jq5Wm2Xt8Ks1Lp7Dz4Rv9Bn3Hg6Cf0";
    let mut child = Guard::spawn(
        "portal-server",
        serve_in_memory()
            .args(["--admin-listen", "127.0.0.1:0"])
            .env("PORTAL_ADMIN_TOKEN", token)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let lines = child.wait_for_lines(
        &[
            "portal-server listening on ",
            "portal-server admin API listening on ",
        ],
        Duration::from_secs(30),
    );
    let (base, admin) = (&lines[0], &lines[1]);
    assert_ne!(base, admin);
    let http = reqwest::Client::new();
    let on = |url: String| http.get(url).bearer_auth(token).send();
    assert_eq!(
        on(format!("{base}/v1/admin/providers"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        404,
        "the patient listener serves the admin API"
    );
    assert_eq!(
        on(format!("{admin}/v1/admin/providers"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        on(format!("{admin}/v1/password-policy"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        404,
        "the admin listener serves the patient API"
    );
    assert_eq!(
        on(format!("{base}/v1/password-policy"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[test]
fn a_taken_port_and_an_unreachable_database_are_explained() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let output = server()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            "sqlite::memory:",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );

    // Nothing listens on port 1; the URL's password is never shown.
    let output = server()
        .args([
            "serve",
            "--database",
            "postgres://portal:s3cret-pass@127.0.0.1:1/portal",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the PostgreSQL database"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-pass"), "{stderr}");
}

#[tokio::test]
async fn serve_without_an_admin_token_disables_admin_and_stops_cleanly() {
    portal_e2e::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Guard::spawn(
        "portal-server",
        server()
            .args(["serve", "--listen", "127.0.0.1:0", "--database"])
            .arg(format!("sqlite://{}", dir.path().join("p.db").display()))
            .env_remove("PORTAL_ADMIN_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let base = child.wait_for_line("portal-server listening on ", Duration::from_secs(30));
    let answer = reqwest::get(format!("{base}/v1/admin/outbox"))
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 401);
    let body = answer.text().await.unwrap();
    assert!(body.contains("PORTAL_ADMIN_TOKEN"), "{body}");
    assert!(dir.path().join("p.db").exists());

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(child.wait(Duration::from_secs(30)).code(), Some(0));
}

#[tokio::test]
async fn the_demo_prints_a_working_invite_link() {
    portal_e2e::install_tls_provider();
    let mut child = Guard::spawn(
        "portal-server demo",
        server()
            .args(["demo", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let link = child.wait_for_line("demo invite link: ", Duration::from_secs(30));
    let (base, token) = link.split_once("/invite/").unwrap();
    let invite: portal_model::InviteInfo = reqwest::get(format!("{base}/v1/invites/{token}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(invite.patient_first_name, "Jordan");

    // Everything the demo fills the portal with reads strictly as the model's types.
    let http = reqwest::Client::new();
    let session: portal_model::Session = http
        .post(format!("{base}/v1/invites/{token}/accept"))
        .json(&serde_json::json!({"password": "river otter paints blue", "device_name": "t"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page: portal_model::sync::SyncPage = http
        .get(format!("{base}/v1/sync?limit=1000"))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!page.has_more);
    common::decode_strictly(&page);
    let kinds: std::collections::BTreeSet<&str> =
        page.changes.iter().map(|c| c.kind.as_str()).collect();
    for kind in portal_model::records::RecordKind::KNOWN
        .iter()
        .filter(|k| **k != "form_response")
    {
        assert!(kinds.contains(kind), "the demo has no {kind}: {kinds:?}");
    }
}

#[tokio::test]
async fn logs_at_trace_level_carry_no_token_or_password() {
    portal_e2e::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Guard::spawn(
        "portal-server demo",
        server()
            .args(["demo", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "trace")
            .stdout(Stdio::piped())
            .stderr(log),
    );
    let lines = child.wait_for_lines(
        &["demo admin token: ", "demo invite link: "],
        Duration::from_secs(30),
    );
    let (admin_token, link) = (&lines[0], &lines[1]);
    let (base, token) = link.split_once("/invite/").unwrap();
    let http = reqwest::Client::new();
    // A booking tells the provider by email, its subject naming the new patient: the
    // log names the kind of email, never the patient.
    let admin = portal_e2e::AdminClient::new(base, admin_token);
    let provider = admin
        .create_provider("Dr. Log Test", "log.test@clinic.example")
        .await;
    let booked = admin
        .post(
            "bookings",
            serde_json::json!({"patient": {"first_name": "Quillon", "last_name": "Marchbanks",
                "email": "quillon@example.com"}, "provider_id": provider,
                "starts_at": "2030-01-10T15:00:00Z", "duration_minutes": 30,
                "kind": "in_person", "location": "Room 3"}),
        )
        .await;
    assert_eq!(booked.status().as_u16(), 201);
    // Odd spellings of secret paths must not reach the log either.
    for path in [
        format!("/v1/invites/{token}"),
        format!("/v1/invites//{token}/accept"),
        format!("/v1/Invites/{token}"),
        format!("/v1/auth/password-reset;x/{token}"),
        format!("/invite/{token}?x={token}"),
    ] {
        http.get(format!("{base}{path}")).send().await.unwrap();
    }
    let password = "canary passphrase for the log test";
    let accepted = http
        .post(format!("{base}/v1/invites/{token}/accept"))
        .json(&serde_json::json!({"password": password, "device_name": "log test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 201);
    let session: portal_model::Session = accepted.json().await.unwrap();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait(Duration::from_secs(30));

    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.contains("/v1/invites/{token}/accept"),
        "the request log is missing"
    );
    assert!(
        logged.contains("booking-notice"),
        "the booking's email is not in the log"
    );
    for name in ["Quillon", "Marchbanks", "quillon@example.com"] {
        assert!(!logged.contains(name), "'{name}' reached the log");
    }
    for secret in [
        token,
        password,
        &session.access_token,
        &session.refresh_token,
    ] {
        assert!(!logged.contains(secret), "a secret reached the log");
    }
}

#[tokio::test]
async fn one_settings_file_configures_the_server() {
    portal_e2e::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portal.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = \"sqlite://{}\"\npractice_name = \"Lakeside Clinic\"\nadmin_token = \"{FILE_TOKEN}\"\noutbox_api = true\n",
            dir.path().join("lakeside.db").display()
        ),
    )
    .unwrap();
    let mut child = Guard::spawn(
        "portal-server",
        server()
            .args(["serve", "--config"])
            .arg(&config)
            .env_remove("PORTAL_ADMIN_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let base = child.wait_for_line("portal-server listening on ", Duration::from_secs(30));
    let admin = portal_e2e::AdminClient::new(&base, FILE_TOKEN);
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let info: portal_model::InviteInfo =
        reqwest::get(format!("{base}/v1/invites/{}", invited.token))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(info.practice.name, "Lakeside Clinic");
    assert!(dir.path().join("lakeside.db").exists());

    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nadmin_tokn = \"typo\"\n").unwrap();
    let output = server()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown setting 'admin_tokn'"));

    // Session limits are settings too, checked before the start.
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\nsession_idle_days = 120\nsession_max_days = 30\n",
    )
    .unwrap();
    let output = server()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("session_idle_days (120) cannot be longer than session_max_days (30)"),
        "{said}"
    );
    let output = server()
        .args(["serve", "--access-token-seconds", "5"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("10..=3600"));
}

#[test]
fn serve_refuses_clear_text_beyond_this_machine_unless_told_to() {
    let refused = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = server();
        // The database from the environment, so that an argument can name another.
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("PORTAL_DATABASE", "sqlite::memory:")
            .env("PORTAL_ADMIN_TOKEN", FILE_TOKEN);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success(), "started with {args:?} {env:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let said = refused(&["--public-url", "http://portal.example-practice.org"], &[]);
    assert!(
        said.contains("not https") && said.contains("allow_insecure"),
        "{said}"
    );
    let said = refused(
        &[
            "--smtp-url",
            "smtp://mail.example-practice.org:587",
            "--mail-from",
            "a@b.org",
        ],
        &[("PORTAL_OUTBOX", "false")],
    );
    assert!(
        said.contains("without TLS") && said.contains("tls=required"),
        "{said}"
    );
    let said = refused(
        &[
            "--database",
            "postgres://portal@db.example-practice.org/portal?sslmode=require",
        ],
        &[],
    );
    assert!(said.contains("sslmode=verify-full"), "{said}");

    // No SMTP and the outbox not chosen: no patient would ever get an invite.
    let output = serve_in_memory()
        .env_remove("PORTAL_OUTBOX")
        .env("PORTAL_ADMIN_TOKEN", FILE_TOKEN)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("no smtp_url") && said.contains("outbox = true"),
        "{said}"
    );

    // Told to, it starts, and says what is in clear.
    let mut child = Guard::spawn(
        "portal-server",
        serve_in_memory()
            .args([
                "--public-url",
                "http://portal.example-practice.org",
                "--allow-insecure",
            ])
            .env("PORTAL_ADMIN_TOKEN", FILE_TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    child.wait_for_line("portal-server listening on ", Duration::from_secs(30));
}

#[test]
fn a_pdf_font_that_cannot_be_used_stops_the_start_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_font = dir.path().join("notes.ttf");
    std::fs::write(&not_a_font, b"these are not glyphs").unwrap();
    for (path, expected) in [
        (
            dir.path().join("missing.ttf"),
            "pdf_fonts: cannot read".to_owned(),
        ),
        (
            not_a_font.clone(),
            format!("{} is not a font", not_a_font.display()),
        ),
    ] {
        let output = serve_in_memory()
            .arg("--pdf-fonts")
            .arg(&path)
            .output()
            .unwrap();
        assert!(!output.status.success(), "started with {}", path.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&expected), "{stderr}");
    }
}
