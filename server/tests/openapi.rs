//! The OpenAPI document: the served one is the committed `docs/openapi.json`, and
//! schemathesis, driven by it against the real binary, gets no 5xx answer.
//!
//! After changing the API, regenerate the file with
//! `PORTAL_UPDATE_OPENAPI=1 cargo test -p portal-server --test openapi`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::Harness;
use portal_e2e::AdminClient;
use portal_e2e::process::{Guard, free_port, run_with_timeout, wait_for_port};
use portal_model::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

/// The document as the repository keeps it: pretty JSON with a final newline.
fn canonical(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap();
    text.push('\n');
    text
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let h = Harness::start().await;
    let response = h.http.get(h.url("/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.unwrap();
    // The in-process generator and the served document agree.
    assert_eq!(
        served,
        serde_json::to_value(portal_server::http::openapi()).unwrap()
    );
    let served = canonical(&served);
    let path = committed_path();
    if std::env::var_os("PORTAL_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &served).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != served {
        let first_difference = committed
            .lines()
            .zip(served.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(served.lines().count()));
        panic!(
            "docs/openapi.json differs from the served document (first at line {}). \
             Regenerate it: PORTAL_UPDATE_OPENAPI=1 cargo test -p portal-server --test openapi",
            first_difference + 1
        );
    }
}

#[tokio::test]
async fn every_operation_answers_errors_in_the_protocol_format() {
    let document = serde_json::to_value(portal_server::http::openapi()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let secured = operation.get("security").is_some();
            let responses = operation["responses"].as_object().unwrap();
            if secured {
                assert!(responses.contains_key("401"), "{method} {path}: no 401");
            }
            if path.starts_with("/v1/admin/") {
                assert_eq!(
                    operation["security"],
                    json!([{"admin_token": []}]),
                    "{method} {path}"
                );
            }
        }
    }
    // Every route of http/mod.rs: a lower count means a route lost its operation.
    assert!(operations >= 50, "only {operations} operations");
}

const ADMIN: &str = "schemathesis-admin-token-EvCkVBljhwX18kj4FGjzeSjGqls3sV9W";

/// Posts to the admin API and returns the JSON answer, which must be 201.
async fn created(admin: &AdminClient, path: &str, body: Value) -> Value {
    let response = admin.post(path, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "POST {path}");
    response.json().await.unwrap()
}

/// A practice with one of everything, so that schemathesis reaches past "not found":
/// the ids, tokens and codes it may put in paths and bodies (see schemathesis_hooks.py),
/// and a signed-in patient's access token.
async fn fixtures(admin: &AdminClient, base: &str) -> (Value, String) {
    let http = reqwest::Client::new();
    let invited = admin.invite_new_patient("Robin", "robin@example.com").await;
    let response = http
        .post(format!("{base}/v1/invites/{}/accept", invited.token))
        .json(&json!({"password": "river otter paints blue", "device_name": "schemathesis"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let session: Session = response.json().await.unwrap();
    let patient_id = invited.patient_id;
    let provider_id = created(
        admin,
        "providers",
        json!({"name": "Dr. Lee", "email": "lee@clinic.example"}),
    )
    .await["provider_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let care_team = admin
        .put(
            &format!("patients/{patient_id}/care-team"),
            json!({"primary_provider_id": provider_id, "care_team_ids": [provider_id]}),
        )
        .await;
    assert_eq!(care_team.status(), StatusCode::OK);
    // A second patient whose invite stays open.
    let waiting = admin.invite_new_patient("Sam", "sam@example.com").await;
    let starts_at = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let appointment = created(
        admin,
        "appointments",
        json!({"patient_id": patient_id, "provider_id": provider_id, "starts_at": starts_at,
               "duration_minutes": 30, "kind": "in_person", "location": "Room 2"}),
    )
    .await;
    let message = created(
        admin,
        "messages",
        json!({"patient_id": patient_id, "provider_id": provider_id, "body": "Hello",
               "subject": "Welcome"}),
    )
    .await;
    let invoice = created(
        admin,
        "invoices",
        json!({"patient_id": patient_id, "number": "INV-1", "due_at": starts_at,
               "currency": "USD", "superbill": true,
               "lines": [{"description": "Visit", "quantity": 1, "amount": 12000}]}),
    )
    .await;
    let template = created(
        admin,
        "forms",
        json!({"title": "Intake", "fields": [
            {"id": "allergies", "label": "Allergies", "type": "textarea", "required": true},
            {"id": "consent", "label": "Consent", "type": "checkbox"}]}),
    )
    .await;
    let form_id = template["form_id"].as_str().unwrap().to_owned();
    let assigned = created(
        admin,
        &format!("forms/{form_id}/assign"),
        json!({"patient_id": patient_id}),
    )
    .await;
    let group = created(
        admin,
        "groups",
        json!({"name": "Prenatal", "provider_id": provider_id, "intake_form_ids": [form_id]}),
    )
    .await;
    let group_id = group["group_id"].as_str().unwrap().to_owned();
    let join = created(admin, &format!("groups/{group_id}/join-links"), json!({})).await;
    let join_code = join["url"]
        .as_str()
        .unwrap()
        .rsplit_once("/join/")
        .unwrap()
        .1
        .to_owned();
    let document = http
        .post(format!("{base}/v1/admin/documents"))
        .bearer_auth(ADMIN)
        .multipart(
            reqwest::multipart::Form::new()
                .text("patient_id", patient_id.clone())
                .text("title", "Lab results")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"results".to_vec())
                        .mime_str("text/plain")
                        .unwrap(),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(document.status(), StatusCode::CREATED);
    let document: Value = document.json().await.unwrap();
    let reset = http
        .post(format!("{base}/v1/auth/password-reset"))
        .json(&json!({"email": "robin@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::ACCEPTED);
    let outbox = admin.outbox().await;
    let reset_token = outbox
        .emails
        .iter()
        .flat_map(|email| &email.links)
        .find_map(|link| link.rsplit_once("/reset/"))
        .unwrap()
        .1
        .to_owned();
    let ids = json!({
        "patient_id": patient_id,
        "provider_id": provider_id,
        "appointment_id": appointment["appointment_id"],
        "thread_id": message["thread_id"],
        "message_id": message["message_id"],
        "invoice_id": invoice["invoice_id"],
        "form_template_id": form_id,
        "form_id": assigned["form_id"],
        "group_id": group_id,
        "document_id": document["document_id"],
        "invite_token": waiting.token,
        "reset_token": reset_token,
        "join_code": join_code,
    });
    (ids, session.access_token)
}

/// schemathesis (pinned in tests/python-requirements.txt) runs every documented
/// operation against the real binary, with an admin token and a patient's access token,
/// and fails on any 5xx answer or an answer the document does not describe.
#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error() {
    portal_e2e::install_tls_provider();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Guard::spawn(
        "portal-server",
        Command::new(env!("CARGO_BIN_EXE_portal-server"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", "sqlite::memory:"])
            .env("PORTAL_ADMIN_TOKEN", ADMIN)
            .env("PORTAL_OUTBOX_API", "true")
            // The fuzzer's thousands of requests come from one address: let them reach
            // the handlers (the limits have their own tests).
            .env("PORTAL_PUBLIC_PER_SECOND", "10000")
            .env("PORTAL_PUBLIC_BURST", "100000")
            .env("RUST_LOG", "warn"),
    );
    wait_for_port(port, Duration::from_secs(30));
    let admin = AdminClient::new(&base, ADMIN);
    let (ids, access_token) = fixtures(&admin, &base).await;

    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let config = tests.join("schemathesis.toml");
    let hooks = tests.join("schemathesis_hooks.py");
    let report = tempfile::tempdir().unwrap();
    // A deeper run than the suite's: PORTAL_SCHEMATHESIS_EXAMPLES=200.
    let examples = std::env::var("PORTAL_SCHEMATHESIS_EXAMPLES").ok();
    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        let mut command = Command::new("schemathesis");
        command
            .arg("--config-file")
            .arg(&config)
            .args(["run", &format!("{base}/v1/openapi.json")])
            .args(["--url", &base]);
        if let Some(examples) = examples {
            command.args(["--max-examples", &examples]);
        }
        run_with_timeout(
            "schemathesis (scripts/setup.sh installs it)",
            command
                .arg("--report-dir")
                .arg(report.path())
                // Its cache directory goes there too, not into the checkout.
                .current_dir(report.path())
                .env("PORTAL_ST_ADMIN_TOKEN", ADMIN)
                .env("PORTAL_ST_PATIENT_TOKEN", &access_token)
                .env("PORTAL_ST_IDS", ids.to_string())
                .env("SCHEMATHESIS_HOOKS", &hooks)
                .env("NO_COLOR", "1"),
            Duration::from_secs(600),
        )
    })
    .await
    .unwrap();
    eprintln!("schemathesis took {:.0?}", started.elapsed());
    assert!(status.success(), "schemathesis found failures (above)");
}
