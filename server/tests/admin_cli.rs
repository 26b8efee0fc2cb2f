//! `portal-server admin …` as a practice's staff run it: the real binary against a real
//! `portal-server serve`, each effect checked through the admin API or the patient API.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_e2e::AdminClient;
use portal_e2e::process::Guard;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A well-formed token the server does not hold.
const WRONG_TOKEN: &str = "wrong-admin-token-2Qx7Lr9Kc4Vz8Np1Hs6Jd3Fw5Bt0Gm";
const TOKEN: &str = "admin-cli-test-token-9f2c-Y-kDZOMBYNrTE0zstbPq5cprOb6RezST";
const PASSWORD: &str = "violet anchor meadow 2741";

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portal-server"));
    // Nothing from the environment of the test run may steer the command line.
    for variable in [
        "PORTAL_CONFIG",
        "PORTAL_LISTEN",
        "PORTAL_SERVER_URL",
        "PORTAL_ADMIN_TOKEN",
    ] {
        command.env_remove(variable);
    }
    command
}

/// What one run of the command line printed.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

/// A running `portal-server serve` and the command line pointed at it.
struct Practice {
    base: String,
    admin: AdminClient,
    _dir: tempfile::TempDir,
    _server: Guard,
}

impl Practice {
    fn start() -> Self {
        portal_e2e::install_tls_provider();
        let dir = tempfile::tempdir().unwrap();
        let mut server = Guard::spawn(
            "portal-server serve",
            binary()
                .args(["serve", "--listen", "127.0.0.1:0", "--database"])
                .arg(format!("sqlite://{}", dir.path().join("p.db").display()))
                .env("PORTAL_ADMIN_TOKEN", TOKEN)
                .env("PORTAL_OUTBOX_API", "true")
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let base = server.wait_for_line("portal-server listening on ", Duration::from_secs(30));
        Self {
            admin: AdminClient::new(&base, TOKEN),
            base,
            _dir: dir,
            _server: server,
        }
    }

    /// Runs `portal-server admin ARGS` with the server and token in the environment.
    fn run(&self, args: &[&str]) -> Run {
        run(binary()
            .arg("admin")
            .args(args)
            .env("PORTAL_SERVER_URL", &self.base)
            .env("PORTAL_ADMIN_TOKEN", TOKEN))
    }

    /// Runs a command that must succeed; returns what it printed.
    fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(run.success, "admin {args:?} failed: {}", run.stderr);
        run.stdout
    }

    /// Runs a command with `--json` that must succeed; returns its answer.
    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(&[args, &["--json"]].concat());
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("admin {args:?}: {e}: {out}"))
    }

    /// Runs a command that must fail; returns its message.
    fn fails(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(!run.success, "admin {args:?} succeeded: {}", run.stdout);
        run.stderr
    }

    fn provider(&self, name: &str, email: &str) -> String {
        let answer = self.json(&["provider", "add", "--name", name, "--email", email]);
        answer["provider_id"].as_str().unwrap().to_owned()
    }

    /// GETs a patient-API path with a session's access token.
    async fn patient_get(&self, path: &str, access: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
    }

    /// Accepts an invite over HTTP, as the app does; returns the access token.
    async fn accept(&self, link: &str) -> String {
        let token = link.rsplit_once("/invite/").unwrap().1;
        let answer = reqwest::Client::new()
            .post(format!("{}/v1/invites/{token}/accept", self.base))
            .json(&json!({"password": PASSWORD, "device_name": "admin cli test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 201);
        let session: Value = answer.json().await.unwrap();
        session["access_token"].as_str().unwrap().to_owned()
    }

    /// The patient's whole sync feed: the latest change of each (kind, id).
    async fn feed(&self, access: &str) -> HashMap<(String, String), Value> {
        let mut latest = HashMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut params = vec![("limit", "1000".to_owned())];
            if let Some(cursor) = &cursor {
                params.push(("cursor", cursor.clone()));
            }
            let url =
                url::Url::parse_with_params(&format!("{}/v1/sync", self.base), &params).unwrap();
            let request = reqwest::Client::new().get(url).bearer_auth(access);
            let page: Value = request.send().await.unwrap().json().await.unwrap();
            for change in page["changes"].as_array().unwrap() {
                let key = (
                    change["kind"].as_str().unwrap().to_owned(),
                    change["id"].as_str().unwrap().to_owned(),
                );
                latest.insert(key, change.clone());
            }
            cursor = page["cursor"].as_str().map(str::to_owned);
            if page["has_more"] != json!(true) {
                return latest;
            }
        }
    }
}

fn run(command: &mut Command) -> Run {
    let output = command.output().unwrap();
    let run = Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    // The token is never printed, and failures are sentences, not debug dumps.
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(TOKEN), "the admin token was printed: {text}");
        for debug in ["Api {", "Command(", "Error {", "panicked"] {
            assert!(!text.contains(debug), "raw debug output: {text}");
        }
    }
    run
}

/// The value after `prefix` on a line of `out`.
fn line_after<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line '{prefix}…' in: {out}"))
        .trim()
}

async fn invite_status(base: &str, link: &str) -> (u16, Value) {
    let token = link.rsplit_once("/invite/").unwrap().1;
    let answer = reqwest::get(format!("{base}/v1/invites/{token}"))
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

#[tokio::test]
async fn patients_are_added_invited_and_updated() {
    let practice = Practice::start();
    let out = practice.ok(&[
        "provider",
        "add",
        "--name",
        "Dr. Maya Okafor",
        "--email",
        "okafor@example.com",
    ]);
    let okafor = line_after(&out, "Added provider Dr. Maya Okafor:").to_owned();
    let lee = practice.provider("Dr. Sam Lee", "lee@example.com");

    // Added with an email: the invite goes out and its link works in the app.
    let out = practice.ok(&[
        "patient",
        "add",
        "--first-name",
        "Jordan",
        "--last-name",
        "Rivera",
        "--email",
        "jordan@example.com",
        "--date-of-birth",
        "1990-04-12",
        "--provider",
        &okafor,
    ]);
    assert!(
        out.contains("Invite emailed to jordan@example.com"),
        "{out}"
    );
    let link = line_after(&out, "Invite link:");
    let (status, info) = invite_status(&practice.base, link).await;
    assert_eq!(status, 200);
    assert_eq!(info["patient_first_name"], "Jordan");
    practice.accept(link).await;

    // A minor: the invite goes to the guardian, whose account acts for the child.
    let child = practice.json(&[
        "patient",
        "add",
        "--first-name",
        "Mia",
        "--last-name",
        "Rivera",
        "--date-of-birth",
        "2017-09-01",
        "--provider",
        &okafor,
        "--guardian-name",
        "Alex Rivera",
        "--guardian-email",
        "alex@example.com",
    ]);
    let (status, info) =
        invite_status(&practice.base, child["invite"]["link"].as_str().unwrap()).await;
    assert_eq!((status, info["role"].as_str()), (200, Some("guardian")));

    // "Do not send", then sent later; a resend revokes the earlier link.
    let later = practice.json(&[
        "patient",
        "add",
        "--first-name",
        "Casey",
        "--last-name",
        "Nguyen",
        "--email",
        "casey@example.com",
        "--provider",
        &okafor,
        "--no-invite",
    ]);
    assert!(later.get("invite").is_none());
    let casey = later["patient_id"].as_str().unwrap();
    let outbox = practice.admin.outbox().await;
    assert!(outbox.emails.iter().all(|e| e.to != "casey@example.com"));
    let first = line_after(&practice.ok(&["invite", "send", casey]), "Invite link:").to_owned();
    let second = line_after(&practice.ok(&["invite", "send", casey]), "Invite link:").to_owned();
    assert_ne!(first, second);
    assert_eq!(invite_status(&practice.base, &first).await.0, 410);
    assert_eq!(invite_status(&practice.base, &second).await.0, 200);

    // A new email revokes the outstanding invite.
    let out = practice.ok(&["patient", "update", casey, "--email", "casey.n@example.com"]);
    assert!(out.contains("no longer work"), "{out}");
    let (status, body) = invite_status(&practice.base, &second).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (410, Some("invite_revoked"))
    );
    let shown = practice.json(&["patient", "show", casey]);
    let record: Value = practice
        .admin
        .get(&format!("patients/{casey}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown, record);
    assert_eq!(record["email"], "casey.n@example.com");
    assert!(
        practice
            .ok(&["patient", "show", casey])
            .contains("Email: casey.n@example.com")
    );

    // The care team.
    let out = practice.ok(&[
        "care-team",
        "set",
        casey,
        "--primary",
        &lee,
        "--member",
        &okafor,
    ]);
    assert!(out.contains(&format!("Primary provider: {lee}")), "{out}");
    let record: Value = practice
        .admin
        .get(&format!("patients/{casey}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["primary_provider_id"], lee.as_str());
    let team = record["care_team_ids"].as_array().unwrap();
    assert!(team.contains(&json!(okafor)) && team.contains(&json!(lee)));

    // No email: added, but not invited.
    let out = practice.ok(&[
        "patient",
        "add",
        "--first-name",
        "Robin",
        "--last-name",
        "Hale",
        "--provider",
        &okafor,
    ]);
    assert!(out.contains("no email address"), "{out}");
    let robin = line_after(&out, "Added patient Robin Hale:");
    let message = practice.fails(&["invite", "send", robin]);
    assert!(
        message.contains("no email address") && message.contains("(no_email)"),
        "{message}"
    );
}

#[tokio::test]
async fn settings_groups_and_join_links() {
    let practice = Practice::start();
    let okafor = practice.provider("Dr. Maya Okafor", "okafor@example.com");
    let saved = practice.json(&[
        "settings",
        "set",
        "--invite-ttl",
        "2d",
        "--self-service-reinvite",
        "off",
        "--welcome-message",
        "Welcome to Riverside! Write to us here any time.",
    ]);
    assert_eq!(
        saved,
        json!({"invite_ttl_seconds": 172_800, "self_service_reinvite": false,
               "welcome_message_enabled": true,
               "welcome_message": "Welcome to Riverside! Write to us here any time."})
    );

    // The new invite lifetime applies, and the welcome message arrives on activation.
    let added = practice.json(&[
        "patient",
        "add",
        "--first-name",
        "Jordan",
        "--last-name",
        "Rivera",
        "--email",
        "jordan@example.com",
        "--provider",
        &okafor,
    ]);
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(added["invite"]["expires_at"].clone()).unwrap();
    let in_two_days = chrono::Utc::now() + chrono::Duration::days(2);
    assert!((expires - in_two_days).num_minutes().abs() < 5, "{expires}");
    let access = practice
        .accept(added["invite"]["link"].as_str().unwrap())
        .await;
    let feed = practice.feed(&access).await;
    assert!(
        feed.iter().any(|((kind, _), change)| kind == "message"
            && change["data"]["body"] == "Welcome to Riverside! Write to us here any time."),
        "no welcome message in {feed:?}"
    );

    // A group with an intake form, and its join link.
    let form = practice.json(&[
        "form",
        "add",
        "--title",
        "New patient intake",
        "--field",
        "allergies:textarea:Any allergies?",
    ]);
    let form_id = form["form_id"].as_str().unwrap();
    let out = practice.ok(&[
        "group",
        "add",
        "--name",
        "New adult patients",
        "--provider",
        &okafor,
        "--intake-form",
        form_id,
    ]);
    let group = line_after(&out, "Added group New adult patients:");
    let out = practice.ok(&["join-link", "create", group]);
    let link = line_after(&out, "Join link:");
    let code = link.rsplit_once("/join/").unwrap().1;
    let info: Value = reqwest::get(format!("{}/v1/join/{code}", practice.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["group"]["name"], "New adult patients");
    assert_eq!(info["intake_forms"][0]["title"], "New patient intake");

    // Settings the server refuses, and ones the command line cannot read.
    let message = practice.fails(&[
        "settings",
        "set",
        "--invite-ttl",
        "10m",
        "--self-service-reinvite",
        "on",
        "--no-welcome-message",
    ]);
    assert!(
        message.contains("invite_ttl_seconds must be between"),
        "{message}"
    );
    let message = practice.fails(&[
        "settings",
        "set",
        "--invite-ttl",
        "soon",
        "--self-service-reinvite",
        "on",
        "--no-welcome-message",
    ]);
    assert!(message.contains("'soon' is not a duration"), "{message}");
    let message = practice.fails(&[
        "settings",
        "set",
        "--invite-ttl",
        "4d",
        "--self-service-reinvite",
        "on",
    ]);
    assert!(message.contains("--welcome-message"), "{message}");
    let message = practice.fails(&["join-link", "create", "grp_missing"]);
    assert!(message.contains("grp_missing"), "{message}");
}

#[tokio::test]
async fn a_patients_portal_is_filled_from_the_command_line() {
    let practice = Practice::start();
    let okafor = practice.provider("Dr. Maya Okafor", "okafor@example.com");
    let added = practice.json(&[
        "patient",
        "add",
        "--first-name",
        "Jordan",
        "--last-name",
        "Rivera",
        "--email",
        "jordan@example.com",
        "--provider",
        &okafor,
    ]);
    let patient = added["patient_id"].as_str().unwrap();
    let access = practice
        .accept(added["invite"]["link"].as_str().unwrap())
        .await;

    // Appointments: add, reschedule, cancel; another added by mistake and deleted.
    let visit = practice.json(&[
        "appointment",
        "add",
        "--patient",
        patient,
        "--provider",
        &okafor,
        "--at",
        "2030-03-04T15:00:00Z",
        "--location",
        "Room 2",
    ]);
    let visit = visit["appointment_id"].as_str().unwrap();
    practice.ok(&[
        "appointment",
        "update",
        visit,
        "--at",
        "2030-03-05T16:00:00Z",
        "--minutes",
        "45",
    ]);
    assert!(
        practice
            .ok(&["appointment", "cancel", visit])
            .contains("cancelled")
    );
    let mistake = practice.json(&[
        "appointment",
        "add",
        "--patient",
        patient,
        "--provider",
        &okafor,
        "--at",
        "2030-03-06 09:00",
        "--kind",
        "telehealth",
        "--telehealth-url",
        "https://video.example.org/room/1",
    ]);
    let mistake = mistake["appointment_id"].as_str().unwrap();
    practice.ok(&["appointment", "delete", mistake]);

    // A message, two invoices (one paid, one deleted), a document and a form.
    let sent = practice.json(&[
        "message",
        "send",
        "--patient",
        patient,
        "--provider",
        &okafor,
        "--subject",
        "Your results",
        "--body",
        "Your lab results are normal.",
    ]);
    let invoice = practice.json(&[
        "invoice",
        "add",
        "--patient",
        patient,
        "--number",
        "INV-1042",
        "--due",
        "2030-04-01",
        "--line",
        "Office visit: 150.00",
        "--line",
        "Lab test: 2 x 25.50",
        "--superbill",
    ]);
    let invoice = invoice["invoice_id"].as_str().unwrap();
    assert!(
        practice
            .ok(&["invoice", "update", invoice, "--status", "paid"])
            .contains("paid")
    );
    let wrong = practice.json(&[
        "invoice",
        "add",
        "--patient",
        patient,
        "--number",
        "INV-1043",
        "--due",
        "2030-04-01",
        "--line",
        "Duplicate: 10",
    ]);
    practice.ok(&["invoice", "delete", wrong["invoice_id"].as_str().unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("care-plan.pdf");
    let bytes = b"%PDF-1.4 a care plan".to_vec();
    std::fs::write(&file, &bytes).unwrap();
    let document = practice.json(&[
        "document",
        "upload",
        file.to_str().unwrap(),
        "--patient",
        patient,
        "--title",
        "Care plan",
    ]);
    let document = document["document_id"].as_str().unwrap();
    let form_file = dir.path().join("consent.json");
    std::fs::write(
        &form_file,
        r#"{"title": "Consent", "fields": [{"id": "agree", "label": "I agree", "type": "checkbox", "required": true}]}"#,
    )
    .unwrap();
    let form = practice.json(&["form", "add", "--from-file", form_file.to_str().unwrap()]);
    let assigned = practice.json(&[
        "form",
        "assign",
        form["form_id"].as_str().unwrap(),
        "--patient",
        patient,
        "--due",
        "2030-03-01",
    ]);

    // Everything reached the patient's feed.
    let feed = practice.feed(&access).await;
    let data = |kind: &str, id: &str| {
        let change = feed
            .get(&(kind.to_owned(), id.to_owned()))
            .unwrap_or_else(|| panic!("no {kind} {id} in the feed"));
        change["data"].clone()
    };
    let appointment = data("appointment", visit);
    assert_eq!(appointment["status"], "cancelled");
    assert_eq!(appointment["location"], "Room 2");
    assert!(
        appointment["starts_at"]
            .as_str()
            .unwrap()
            .starts_with("2030-03-05T16:00:00")
    );
    assert!(
        appointment["ends_at"]
            .as_str()
            .unwrap()
            .starts_with("2030-03-05T16:45:00")
    );
    assert_eq!(
        feed[&("appointment".to_owned(), mistake.to_owned())]["op"],
        "delete"
    );
    let message = data("message", sent["message_id"].as_str().unwrap());
    assert_eq!(message["body"], "Your lab results are normal.");
    assert_eq!(message["thread_id"], sent["thread_id"]);
    let invoice = data("invoice", invoice);
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["total"], 20_100);
    assert_eq!(
        invoice["lines"][1],
        json!({"description": "Lab test", "quantity": 2, "amount": 2550})
    );
    assert!(invoice["superbill_document_id"].is_string());
    let wrong = wrong["invoice_id"].as_str().unwrap().to_owned();
    assert_eq!(feed[&("invoice".to_owned(), wrong)]["op"], "delete");
    let shared = data("document", document);
    assert_eq!(
        (shared["title"].as_str(), shared["content_type"].as_str()),
        (Some("Care plan"), Some("application/pdf"))
    );
    let content = practice
        .patient_get(&format!("/v1/documents/{document}/content"), &access)
        .await;
    assert_eq!(content.bytes().await.unwrap().to_vec(), bytes);
    let form = data("form", assigned["form_id"].as_str().unwrap());
    assert_eq!(form["title"], "Consent");
    assert!(form["due_at"].is_string());
}

#[tokio::test]
async fn bookings_outbox_reinvite_requests_and_audit() {
    let practice = Practice::start();
    let okafor = practice.provider("Dr. Maya Okafor", "okafor@example.com");
    let booking = [
        "booking",
        "add",
        "--first-name",
        "Taylor",
        "--last-name",
        "Brooks",
        "--email",
        "taylor@example.com",
        "--provider",
        &okafor,
        "--at",
        "2030-05-06T14:00:00Z",
    ];
    let out = practice.ok(&booking);
    assert!(
        out.contains("New patient") && out.contains("invited"),
        "{out}"
    );
    let again = practice.json(&booking);
    assert_eq!(again["new_patient"], false);

    // The outbox: the provider's notices, and the new patient's invite link.
    let to_provider = practice.json(&["outbox", "--to", "okafor@example.com"]);
    assert_eq!(to_provider["emails"].as_array().unwrap().len(), 2);
    let out = practice.ok(&["outbox", "--to", "taylor@example.com"]);
    let link = out
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/invite/"))
        .unwrap_or_else(|| panic!("no invite link in {out}"));
    assert_eq!(invite_status(&practice.base, link).await.0, 200);

    let out = practice.ok(&["reinvite-requests"]);
    assert!(out.contains("No patient is waiting"), "{out}");
    assert_eq!(
        practice.json(&["reinvite-requests"]),
        json!({"requests": []})
    );

    let audit = practice.json(&["audit"]);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"provider.create") && actions.contains(&"patient.create"),
        "{actions:?}"
    );
    assert!(practice.ok(&["audit"]).contains("provider.create"));
}

#[tokio::test]
async fn mistakes_are_explained() {
    let practice = Practice::start();
    let okafor = practice.provider("Dr. Maya Okafor", "okafor@example.com");

    // No token, the wrong token, no server, not a server address.
    let no_token = run(binary()
        .args(["admin", "audit"])
        .env("PORTAL_SERVER_URL", &practice.base));
    assert!(!no_token.success);
    assert!(
        no_token.stderr.contains("no admin token"),
        "{}",
        no_token.stderr
    );
    let wrong = run(binary()
        .args(["admin", "audit"])
        .env("PORTAL_SERVER_URL", &practice.base)
        .env("PORTAL_ADMIN_TOKEN", WRONG_TOKEN));
    assert!(!wrong.success);
    assert!(
        wrong.stderr.contains("refused the admin token"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains(WRONG_TOKEN));
    // A weak token is refused before it is sent, with the way to make a good one.
    let weak = run(binary()
        .args(["admin", "audit"])
        .env("PORTAL_SERVER_URL", &practice.base)
        .env("PORTAL_ADMIN_TOKEN", "a long random secret"));
    assert!(!weak.success);
    assert!(
        weak.stderr.contains("no spaces") && weak.stderr.contains("new-admin-token"),
        "{}",
        weak.stderr
    );
    // Plain http to another machine would send the token in clear.
    let message = practice.fails(&["--server", "http://portal.example.org", "audit"]);
    assert!(
        message.contains("plain http to another machine"),
        "{message}"
    );
    let port = portal_e2e::process::free_port();
    let message = practice.fails(&["--server", &format!("http://127.0.0.1:{port}"), "audit"]);
    assert!(
        message.contains(&format!(
            "cannot reach the server at http://127.0.0.1:{port}"
        )),
        "{message}"
    );
    let message = practice.fails(&["--server", "ftp://files.example.org", "audit"]);
    assert!(
        message.contains("not an http(s) server address"),
        "{message}"
    );

    // Unknown records, and what the server's rules refuse (fields named).
    let message = practice.fails(&["patient", "show", "pat_missing"]);
    assert!(
        message.contains("pat_missing") && message.contains("(not_found)"),
        "{message}"
    );
    let message = practice.fails(&["appointment", "cancel", "apt_missing"]);
    assert!(message.contains("apt_missing"), "{message}");
    let message = practice.fails(&[
        "appointment",
        "add",
        "--patient",
        "pat_missing",
        "--provider",
        &okafor,
        "--at",
        "2030-01-01T09:00:00Z",
    ]);
    assert!(message.contains("patient_id"), "{message}");
    let patient = practice.json(&[
        "patient",
        "add",
        "--first-name",
        "Jordan",
        "--last-name",
        "Rivera",
        "--email",
        "jordan@example.com",
        "--provider",
        &okafor,
    ]);
    let patient = patient["patient_id"].as_str().unwrap();
    let message = practice.fails(&[
        "appointment",
        "add",
        "--patient",
        patient,
        "--provider",
        &okafor,
        "--at",
        "2030-01-01T09:00:00Z",
        "--minutes",
        "3",
    ]);
    assert!(
        message.contains("duration_minutes must be between 5 and 480"),
        "{message}"
    );
    let message = practice.fails(&[
        "patient",
        "add",
        "--first-name",
        "Other",
        "--last-name",
        "Person",
        "--email",
        "jordan@example.com",
        "--provider",
        &okafor,
    ]);
    assert!(message.contains("(email_in_use)"), "{message}");
    let message = practice.fails(&[
        "patient",
        "add",
        "--first-name",
        "No",
        "--last-name",
        "Provider",
        "--provider",
        "prv_missing",
    ]);
    assert!(message.contains("primary_provider_id"), "{message}");
    let message = practice.fails(&[
        "invoice",
        "add",
        "--patient",
        patient,
        "--number",
        "INV-1",
        "--due",
        "2030-01-01",
        "--currency",
        "dollars",
        "--line",
        "Visit: 10",
    ]);
    assert!(message.contains("currency"), "{message}");

    // What the command line itself cannot read.
    let message = practice.fails(&[
        "invoice",
        "add",
        "--patient",
        patient,
        "--number",
        "INV-1",
        "--due",
        "2030-01-01",
        "--line",
        "Office visit 150",
    ]);
    assert!(message.contains("'Office visit: 150.00'"), "{message}");
    let message = practice.fails(&[
        "appointment",
        "add",
        "--patient",
        patient,
        "--provider",
        &okafor,
        "--at",
        "next tuesday",
    ]);
    assert!(
        message.contains("'next tuesday' is not a time"),
        "{message}"
    );
    let message = practice.fails(&[
        "document",
        "upload",
        "/nonexistent/scan.pdf",
        "--patient",
        patient,
    ]);
    assert!(
        message.contains("cannot read /nonexistent/scan.pdf"),
        "{message}"
    );
    let message = practice.fails(&["patient", "update", patient]);
    assert!(message.contains("nothing to change"), "{message}");
    let message = practice.fails(&["form", "add", "--title", "Empty"]);
    assert!(message.contains("a form needs fields"), "{message}");
}

#[tokio::test]
async fn the_settings_file_gives_the_token_and_the_server() {
    portal_e2e::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portal.toml");
    let port = portal_e2e::process::free_port();
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndatabase = \"sqlite://{}\"\nadmin_token = \"{TOKEN}\"\noutbox_api = true\n",
            dir.path().join("p.db").display()
        ),
    )
    .unwrap();
    let mut server = Guard::spawn(
        "portal-server serve",
        binary()
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    server.wait_for_line("portal-server listening on ", Duration::from_secs(30));
    let admin = |args: &[&str], config: &Path| {
        run(binary().arg("admin").args(args).arg("--config").arg(config))
    };
    let added = admin(
        &[
            "provider",
            "add",
            "--name",
            "Dr. Maya Okafor",
            "--email",
            "okafor@example.com",
        ],
        &config,
    );
    assert!(added.success, "{}", added.stderr);
    assert!(added.stdout.contains("Added provider"), "{}", added.stdout);

    // A settings file with another token is refused, and says where to look.
    let other = dir.path().join("other.toml");
    std::fs::write(
        &other,
        format!("listen = \"127.0.0.1:{port}\"\nadmin_token = \"stale\"\n"),
    )
    .unwrap();
    let refused = admin(&["audit"], &other);
    assert!(!refused.success);
    assert!(
        refused.stderr.contains("admin_token in the settings file"),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn providers_settings_and_password_resets_from_the_command_line() {
    let practice = Practice::start();
    let out = practice.ok(&["provider", "list"]);
    assert!(out.contains("No providers yet"), "{out}");
    let okafor = practice.provider("Dr. Maya Okafor", "okafor@example.com");
    let lee = practice.provider("Dr. Sam Lee", "lee@example.com");
    let out = practice.ok(&["provider", "list"]);
    assert!(
        out.contains(&format!("{okafor}  Dr. Maya Okafor <okafor@example.com>"))
            && out.contains(&format!("{lee}  Dr. Sam Lee <lee@example.com>")),
        "{out}"
    );
    let listed = practice.json(&["provider", "list"]);
    assert_eq!(listed["providers"].as_array().unwrap().len(), 2);

    assert_eq!(
        practice.json(&["settings", "show"]),
        json!({"invite_ttl_seconds": 345_600, "self_service_reinvite": true,
               "welcome_message_enabled": false, "welcome_message": ""})
    );
    let out = practice.ok(&["settings", "show"]);
    assert!(
        out.contains("work for 4 days") && out.contains("Welcome message: off"),
        "{out}"
    );

    // No account yet: the reset sends a fresh invite, whose link works.
    let added = practice.json(&[
        "patient",
        "add",
        "--first-name",
        "Jordan",
        "--last-name",
        "Rivera",
        "--email",
        "jordan@example.com",
        "--provider",
        &okafor,
    ]);
    let patient = added["patient_id"].as_str().unwrap().to_owned();
    let out = practice.ok(&["patient", "password-reset", &patient]);
    assert!(out.contains("has no account yet"), "{out}");
    let link = line_after(&out, "Invite link:").to_owned();
    assert_eq!(invite_status(&practice.base, &link).await.0, 200);

    // With an account: a reset link goes to the patient, never to the terminal.
    practice.accept(&link).await;
    let answer = practice.json(&["patient", "password-reset", &patient]);
    assert_eq!(answer, json!({"status": "reset_sent"}));
    let out = practice.ok(&["patient", "password-reset", &patient]);
    assert!(
        out.contains("password reset link was emailed to Jordan Rivera")
            && !out.contains("/reset/"),
        "{out}"
    );
    let emails = practice.admin.outbox().await.emails;
    let reset = emails.last().unwrap();
    assert_eq!(reset.to, "jordan@example.com");
    assert!(reset.links[0].contains("/reset/"), "{:?}", reset.links);

    let no_email = practice.json(&[
        "patient",
        "add",
        "--first-name",
        "Sam",
        "--last-name",
        "Lee",
        "--provider",
        &okafor,
    ]);
    let message = practice.fails(&[
        "patient",
        "password-reset",
        no_email["patient_id"].as_str().unwrap(),
    ]);
    assert!(message.contains("no_email"), "{message}");
    let message = practice.fails(&["patient", "password-reset", "pat_000000000000000000000000"]);
    assert!(
        message.contains("pat_000000000000000000000000") && message.contains("not_found"),
        "{message}"
    );
}
