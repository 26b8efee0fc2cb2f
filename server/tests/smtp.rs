//! Email through SMTP with lettre, against a real SMTP sink (Python's aiosmtpd, started
//! by the test): multipart text and HTML with the https link, and delivery retried from
//! memory when the SMTP server is down at first.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_e2e::AdminClient;
use portal_e2e::process::{Guard, free_port, wait_for_port};
use portal_server::ServerOptions;
use portal_server::mail::MailConfig;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN: &str = "smtp-admin-3gXaFu4iG1WCTu0WdTY9JRZwaRCwr6Gt";

/// aiosmtpd writing every message it receives into a maildir (which it creates: the
/// path must not exist yet).
fn start_sink(port: u16, maildir: &Path) -> Guard {
    let guard = Guard::spawn(
        "aiosmtpd",
        Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_for_port(port, Duration::from_secs(30));
    guard
}

/// The messages in the maildir, parsed by Python's email package into
/// `{"to", "subject", "type", "parts": [{"type", "body"}]}`.
fn wait_for_messages(maildir: &Path, count: usize, timeout: Duration) -> Vec<Value> {
    let deadline = Instant::now() + timeout;
    let new = maildir.join("new");
    loop {
        let files: Vec<PathBuf> = std::fs::read_dir(&new)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        if files.len() >= count {
            return files.iter().map(|f| parse(f)).collect();
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} emails arrived",
            files.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn parse(file: &Path) -> Value {
    let script = "import email, json, sys\n\
        m = email.message_from_binary_file(open(sys.argv[1], 'rb'))\n\
        parts = [{'type': p.get_content_type(), 'body': p.get_payload(decode=True).decode()}\n\
                 for p in m.walk() if not p.is_multipart()]\n\
        print(json.dumps({'to': m['To'], 'subject': str(email.header.make_header(email.header.decode_header(m['Subject']))),\n\
                          'type': m.get_content_type(), 'parts': parts}))";
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn server_with_smtp(port: u16) -> (portal_server::RunningServer, AdminClient) {
    portal_e2e::install_tls_provider();
    // The mailer's log lines show up in a failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let server = portal_server::start(ServerOptions {
        mail: MailConfig::Smtp {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Riverside Family Practice <portal@riverside.example>".to_owned(),
        },
        outbox_api: false,
        ..ServerOptions::local(ADMIN)
    })
    .await
    .unwrap();
    let admin = AdminClient::new(&server.base_url(), ADMIN);
    (server, admin)
}

async fn add_patient(admin: &AdminClient) -> String {
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    admin
        .create_patient(
            serde_json::json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "primary_provider_id": provider}),
        )
        .await
        .patient_id
}

// Multi-threaded: the delivery task runs while the test waits on the maildir.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_go_out_over_smtp_with_text_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    let port = free_port();
    let _sink = start_sink(port, &maildir);
    let (server, admin) = server_with_smtp(port).await;
    add_patient(&admin).await;

    let messages = wait_for_messages(&maildir, 1, Duration::from_secs(30));
    let message = &messages[0];
    assert_eq!(message["to"], "jordan@example.com");
    assert_eq!(message["type"], "multipart/alternative");
    assert!(
        message["subject"]
            .as_str()
            .unwrap()
            .contains("Riverside Family Practice")
    );
    let parts = message["parts"].as_array().unwrap();
    let types: Vec<&str> = parts.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    let link_prefix = format!("{}/invite/", server.base_url());
    for part in parts {
        assert!(
            part["body"].as_str().unwrap().contains(&link_prefix),
            "{part}"
        );
    }
    // With SMTP, nothing is kept in an outbox, and the outbox API is not served.
    let outbox = admin.get("outbox").await;
    assert_eq!(outbox.status(), reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_waits_in_memory_until_the_smtp_server_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    let port = free_port();
    let (_server, admin) = server_with_smtp(port).await;
    add_patient(&admin).await;
    // The SMTP server is down for the first attempts.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!maildir.exists());
    let _sink = start_sink(port, &maildir);
    let messages = wait_for_messages(&maildir, 1, Duration::from_secs(30));
    assert_eq!(messages[0]["to"], "jordan@example.com");
}

#[tokio::test]
async fn a_bad_smtp_url_or_sender_stops_the_start_with_a_reason() {
    for (url, from) in [
        ("ftp://mail.example", "a@b.c"),
        ("smtp://127.0.0.1:25", "not an address"),
    ] {
        let error = portal_server::start(ServerOptions {
            mail: MailConfig::Smtp {
                url: url.to_owned(),
                from: from.to_owned(),
            },
            outbox_api: false,
            ..ServerOptions::local(ADMIN)
        })
        .await
        .err()
        .expect("the server should not start");
        let text = error.to_string();
        assert!(
            text.contains("SMTP URL") || text.contains("sender address"),
            "{text}"
        );
    }
}
