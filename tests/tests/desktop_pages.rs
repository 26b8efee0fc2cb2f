//! The desktop app's signed-in pages end to end: the real server binary (behind a proxy
//! where a test takes the network away), the real app in a real WebKitGTK webview
//! driven through tauri-driver, and the real Secret Service.
//!
//! Needs what scripts/test.sh provides (see `portal_e2e::desktop`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration as Days, Utc};
use portal_e2e::desktop::*;
use portal_e2e::proxy::{Mode, Proxy};
use portal_e2e::webdriver::Session;
use portal_e2e::{AdminClient, TestServer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A practice with Jordan, their provider, and Jordan's invite link.
struct Practice {
    server: TestServer,
    provider: String,
    patient: String,
    link: String,
}

impl Practice {
    async fn start() -> Self {
        let server = start_practice();
        let admin = server.admin();
        let provider = admin
            .create_provider("Dr. Maya Okafor", "maya@clinic.example")
            .await;
        let created = admin
            .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
                "email": "jordan@example.com", "primary_provider_id": provider}))
            .await;
        let invited = admin.resend_invite(&created.patient_id).await;
        Self {
            provider,
            patient: created.patient_id,
            link: invited.link,
            server,
        }
    }

    fn admin(&self) -> &AdminClient {
        self.server.admin()
    }

    async fn created(&self, path: &str, body: Value) -> Value {
        let response = self.admin().post(path, body).await;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "POST {path}: {answer}");
        answer
    }

    /// An in-person appointment `in_hours` from now; its id.
    async fn appointment(&self, in_hours: i64) -> String {
        self.created(
            "appointments",
            json!({"patient_id": self.patient, "provider_id": self.provider,
                   "starts_at": Utc::now() + Days::hours(in_hours), "duration_minutes": 30,
                   "kind": "in_person", "location": "Room 4"}),
        )
        .await["appointment_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A message from the provider (a new conversation without `thread`); the thread id.
    async fn message(&self, body: &str, thread: Option<&str>) -> String {
        let mut message = json!({"patient_id": self.patient, "provider_id": self.provider,
            "body": body});
        match thread {
            Some(id) => message["thread_id"] = json!(id),
            None => message["subject"] = json!("Your knee"),
        }
        self.created("messages", message).await["thread_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn invoice(&self, amount: i64) {
        self.created(
            "invoices",
            json!({"patient_id": self.patient, "number": "INV-1001",
                   "due_at": Utc::now() + Days::days(30), "currency": "USD",
                   "lines": [{"description": "Office visit", "quantity": 1, "amount": amount}]}),
        )
        .await;
    }

    /// How many messages with `body` the server has for Jordan (read as a device
    /// does, through a session of its own).
    async fn messages_with(&self, body: &str) -> usize {
        let base = self.server.base_url();
        let login: Value = reqwest::Client::new()
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({"email": "jordan@example.com", "password": PASSWORD,
                          "device_name": "check"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["access_token"].as_str().unwrap();
        let feed = portal_e2e::feed::whole_feed(base, token).await;
        let mut latest = std::collections::HashMap::new();
        for change in feed {
            if change["kind"] == "message" {
                latest.insert(change["id"].to_string(), change);
            }
        }
        latest
            .values()
            .filter(|c| c["data"]["body"] == body)
            .count()
    }
}

async fn click(session: &Session, css: &str) {
    session
        .click(&session.wait_for(css, WAIT).await.unwrap())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn the_home_shows_the_patients_data_and_a_message_from_the_practice_appears_live() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    let visit = practice.appointment(72).await;
    let thread = practice
        .message("How is the knee since Tuesday?", None)
        .await;
    practice.invoice(12_500).await;
    practice
        .admin()
        .share_document(&practice.patient, "Knee X-ray report", b"%PDF-1.4 x-ray")
        .await;

    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let (_driver, driver_url) = start_driver_with(
        practice.server.base_url(),
        &[("PORTAL_DATA_DIR", data_dir.as_str())],
    );
    let session = Session::start(&driver_url, capabilities(&[&practice.link]))
        .await
        .unwrap();
    choose_password(&session).await;

    // Home: the next visit with its provider, the unread message, the balance, the
    // new document.
    wait_for_words(&session, "#home-next-appointment", "Dr. Maya Okafor").await;
    wait_for_words(&session, "#home-messages", "1 unread message").await;
    wait_for_words(&session, "#home-balance", "$125.00").await;
    wait_for_words(&session, "#home-documents", "1 new document to review").await;
    wait_for_text(&session, "#unread-badge", "1").await;
    wait_for_words(&session, "#sync-line", "Updated").await;
    save_screenshot(&session, "desktop-home.png").await;

    // Appointments: the visit, upcoming; its page says where and offers confirm.
    click(&session, "#nav-appointments").await;
    click(&session, &format!("li[data-appointment='{visit}'] a")).await;
    wait_for_words(&session, "#appointment", "Room 4").await;
    wait_for_text(&session, "#appointment-status", "Scheduled").await;
    click(&session, "#confirm-appointment").await;
    wait_for_text(&session, "#appointment-status", "Confirmed").await;
    save_screenshot(&session, "desktop-appointment.png").await;

    // Messages: the conversation; opening it marks it read.
    click(&session, "#nav-messages").await;
    session
        .wait_for("#thread-list[data-ready]", WAIT)
        .await
        .unwrap();
    save_screenshot(&session, "desktop-messages.png").await;
    click(&session, "li[data-thread='Your knee'] a").await;
    wait_for_words(&session, "#message-list", "How is the knee since Tuesday?").await;
    wait_for_absent(&session, "#unread-badge").await;

    // The practice writes; the open conversation shows it within 2 seconds, untouched.
    practice
        .message("Please bring your brace on Friday.", Some(&thread))
        .await;
    let written = Instant::now();
    let deadline = written + Duration::from_secs(2);
    loop {
        let list = session.wait_for("#message-list", WAIT).await.unwrap();
        if session
            .text(&list)
            .await
            .unwrap_or_default()
            .contains("Please bring your brace on Friday.")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the practice's message did not appear within 2 s: {}",
            session.page_text().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "a message from the practice appeared in {} ms",
        written.elapsed().as_millis()
    );

    // A reply online: kept, then sent; the server has it once.
    let reply = "I will bring it. The knee is better.";
    let field = session.wait_for("#compose-body", WAIT).await.unwrap();
    session.type_into(&field, reply).await.unwrap();
    click(&session, "#compose-send").await;
    wait_for_words(&session, "#message-list", reply).await;
    wait_for_absent(&session, "[data-delivery='queued']").await;
    save_screenshot(&session, "desktop-conversation.png").await;
    let deadline = Instant::now() + WAIT;
    while practice.messages_with(reply).await != 1 {
        assert!(
            Instant::now() < deadline,
            "the reply never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    session.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn offline_a_message_waits_across_a_restart_and_a_late_cancellation_is_refused_in_words() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    // Tomorrow morning: the 24-hour cancel window has closed already.
    let visit = practice.appointment(3).await;
    practice.message("See you tomorrow.", None).await;
    let proxy = Proxy::start(practice.server.addr()).await;
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let (_driver, driver_url) = start_driver_with(
        &proxy.base_url(),
        &[
            ("PORTAL_DATA_DIR", data_dir.as_str()),
            ("PORTAL_LINK_ORIGINS", practice.server.base_url()),
        ],
    );
    let session = Session::start(&driver_url, capabilities(&[&practice.link]))
        .await
        .unwrap();
    choose_password(&session).await;
    wait_for_words(&session, "#home-messages", "1 unread message").await;

    // The server goes away.
    proxy.set(Mode::Refuse);
    click(&session, "#nav-messages").await;
    click(&session, "li[data-thread='Your knee'] a").await;
    let body = "Can I come at 10 instead of 9?";
    let field = session.wait_for("#compose-body", WAIT).await.unwrap();
    session.type_into(&field, body).await.unwrap();
    click(&session, "#compose-send").await;
    wait_for_words(&session, "[data-delivery='queued']", "Waiting to send").await;
    session.wait_for("#offline", WAIT).await.unwrap();
    save_screenshot(&session, "desktop-offline-queued.png").await;

    // Cancelling offline, past the window: kept, waiting.
    click(&session, "#nav-appointments").await;
    click(&session, &format!("li[data-appointment='{visit}'] a")).await;
    click(&session, "#cancel-appointment").await;
    let reason = session.wait_for("#cancel-reason", WAIT).await.unwrap();
    session.type_into(&reason, "Car trouble").await.unwrap();
    click(&session, "#cancel-send").await;
    wait_for_words(
        &session,
        "#appointment-pending",
        "sent when you are back online",
    )
    .await;
    wait_for_text(&session, "#appointment-status", "Cancelled").await;

    // Quit and start again, still offline: the message is still waiting.
    session.end().await.unwrap();
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session.wait_for("#signed-in", WAIT).await.unwrap();
    click(&session, "#nav-messages").await;
    click(&session, "li[data-thread='Your knee'] a").await;
    wait_for_words(&session, "[data-delivery='queued']", "Waiting to send").await;
    assert_eq!(practice.messages_with(body).await, 0);

    // The server is back: the message is delivered once, and shows as sent.
    proxy.set(Mode::Pass);
    click(&session, "#try-now").await;
    wait_for_absent(&session, "[data-delivery='queued']").await;
    wait_for_words(&session, "#message-list", body).await;
    let deadline = Instant::now() + WAIT;
    while practice.messages_with(body).await != 1 {
        assert!(
            Instant::now() < deadline,
            "the message never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The cancellation came too late: refused in words, the visit as it was.
    click(&session, "#nav-appointments").await;
    click(&session, &format!("li[data-appointment='{visit}'] a")).await;
    wait_for_words(
        &session,
        ".refused[data-code='too_late']",
        "too late to cancel online",
    )
    .await;
    wait_for_text(&session, "#appointment-status", "Scheduled").await;
    session.wait_for("#message-practice", WAIT).await.unwrap();
    save_screenshot(&session, "desktop-too-late.png").await;
    // Discarding the refusal leaves the visit booked.
    click(&session, ".refused .discard").await;
    wait_for_absent(&session, ".refused").await;
    wait_for_text(&session, "#appointment-status", "Scheduled").await;
    assert_eq!(practice.messages_with(body).await, 1);
    session.end().await.unwrap();
}
