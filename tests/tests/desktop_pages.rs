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
    token: String,
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
            token: invited.token,
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

    /// An intake form given to Jordan: a required text field and a required consent;
    /// Jordan's copy's id.
    async fn intake_form(&self) -> String {
        let template = self
            .created(
                "forms",
                json!({"title": "Health history", "fields": [
                    {"id": "allergies", "label": "Allergies", "type": "text", "required": true},
                    {"id": "consent", "label": "I agree to be treated", "type": "checkbox",
                     "required": true}]}),
            )
            .await["form_id"]
            .as_str()
            .unwrap()
            .to_owned();
        self.created(
            &format!("forms/{template}/assign"),
            json!({"patient_id": self.patient}),
        )
        .await["form_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The feed's latest data of each record of `kind` for Jordan (through a session
    /// of its own).
    async fn records_of(&self, kind: &str) -> Vec<Value> {
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
        let mut latest = std::collections::BTreeMap::new();
        for change in portal_e2e::feed::whole_feed(base, token).await {
            if change["kind"] == kind {
                latest.insert(change["id"].to_string(), change["data"].clone());
            }
        }
        latest
            .into_values()
            .filter(|data| !data.is_null())
            .collect()
    }

    /// How many messages with `body` the server has for Jordan.
    async fn messages_with(&self, body: &str) -> usize {
        self.records_of("message")
            .await
            .iter()
            .filter(|m| m["body"] == body)
            .count()
    }
}

/// The app signed in as Jordan through a loopback proxy to the practice (so that a
/// test can take the network away), its offline copy in a directory of its own.
struct App {
    proxy: Proxy,
    data: tempfile::TempDir,
    /// The driver (stopped when dropped) and its address, for a restart.
    driver: (portal_e2e::process::Guard, String),
    session: Session,
}

impl Practice {
    /// Opens Jordan's invite in the app behind a proxy, with `env` added to the app's
    /// environment, and chooses the password.
    async fn app_behind_proxy(&self, env: &[(&str, &str)]) -> App {
        let proxy = Proxy::start(self.server.addr()).await;
        let data = tempfile::tempdir().unwrap();
        let data_dir = data.path().to_str().unwrap().to_owned();
        let mut all = vec![
            ("PORTAL_DATA_DIR", data_dir.as_str()),
            ("PORTAL_LINK_ORIGINS", self.server.base_url()),
        ];
        all.extend_from_slice(env);
        let (driver, driver_url) = start_driver_with(&proxy.base_url(), &all);
        let session = Session::start(&driver_url, capabilities(&[&self.link]))
            .await
            .unwrap();
        choose_password(&session).await;
        App {
            proxy,
            data,
            driver: (driver, driver_url),
            session,
        }
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
    let App {
        proxy,
        data: _data,
        driver: (_driver, driver_url),
        session,
    } = practice.app_behind_proxy(&[]).await;
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
    try_now(&session).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_guardian_sees_only_the_childs_data_and_search_finds_it_offline() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    let base = practice.server.base_url().to_owned();
    // Jordan's own visit and message; Jordan is also Mia's guardian.
    practice.appointment(48).await;
    practice
        .message("Jordan's knee brace is ready.", None)
        .await;
    let mia = practice
        .admin()
        .create_patient(json!({"first_name": "Mia", "last_name": "Rivera",
            "primary_provider_id": practice.provider,
            "guardian": {"name": "Jordan Rivera", "email": "jordan@example.com"}}))
        .await;
    practice
        .created(
            "appointments",
            json!({"patient_id": mia.patient_id, "provider_id": practice.provider,
                   "starts_at": Utc::now() + Days::hours(30), "duration_minutes": 20,
                   "kind": "in_person", "location": "Room 9"}),
        )
        .await;
    practice
        .created(
            "messages",
            json!({"patient_id": mia.patient_id, "provider_id": practice.provider,
                   "body": "Mia's ear infection has cleared.", "subject": "Mia's ears"}),
        )
        .await;
    practice
        .admin()
        .share_document(&mia.patient_id, "Mia vaccination record", b"%PDF-1.4 shots")
        .await;
    let jordan_access = accept_elsewhere(&base, &practice.token, PASSWORD).await;
    let mia_invite = practice.admin().resend_invite(&mia.patient_id).await;
    let claimed = reqwest::Client::new()
        .post(format!("{base}/v1/invites/{}/claim", mia_invite.token))
        .bearer_auth(&jordan_access)
        .send()
        .await
        .unwrap();
    assert_eq!(claimed.status().as_u16(), 200);

    let proxy = Proxy::start(practice.server.addr()).await;
    let (_driver, driver_url) = start_driver_with(&proxy.base_url(), &[]);
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    click(&session, "#go-sign-in").await;
    sign_in(&session, "jordan@example.com", PASSWORD).await;
    wait_for_words(&session, "#home-next-appointment", "Dr. Maya Okafor").await;

    // Mia's portal: her visit and her conversation, none of Jordan's.
    open_section(&session, "#nav-account").await;
    click(&session, "li[data-profile='Mia'] .view-profile").await;
    wait_for_text(&session, "#signed-in-title", "Looking after Mia").await;
    open_section(&session, "#nav-appointments").await;
    wait_for_words(&session, "#appointment-list[data-ready]", "In person").await;
    let appointments = session.wait_for("#appointment-list", WAIT).await.unwrap();
    assert_eq!(
        session
            .text(&appointments)
            .await
            .unwrap()
            .lines()
            .filter(|l| l.contains("In person"))
            .count(),
        1,
        "only Mia's visit"
    );
    open_section(&session, "#nav-messages").await;
    wait_for_words(&session, "#thread-list[data-ready]", "Mia's ears").await;
    let threads = session.wait_for("#thread-list", WAIT).await.unwrap();
    assert!(!session.text(&threads).await.unwrap().contains("Your knee"));
    save_screenshot(&session, "desktop-guardian-child.png").await;

    // Offline, search finds Mia's message and document, and nothing of Jordan's.
    proxy.set(Mode::Refuse);
    open_section(&session, "#nav-search").await;
    let search = |query: &'static str| {
        let session = &session;
        async move {
            let field = session.wait_for("#search-query", WAIT).await.unwrap();
            clear(session, &field).await;
            session.type_into(&field, query).await.unwrap();
            click(session, "#search-go").await;
        }
    };
    search("infection").await;
    wait_for_words(&session, "#search-results", "ear infection").await;
    search("vaccination").await;
    wait_for_words(
        &session,
        "#search-results .hit[data-kind='document']",
        "Mia vaccination record",
    )
    .await;
    save_screenshot(&session, "desktop-search.png").await;
    search("brace").await;
    wait_for_words(&session, "#search-none", "Nothing matches").await;
    // A result opens where it lives.
    search("infection").await;
    click(&session, "#search-results .hit a").await;
    wait_for_words(
        &session,
        "#message-list",
        "Mia's ear infection has cleared.",
    )
    .await;
    session.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_document_downloads_with_progress_opens_offline_and_a_file_is_sent() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    // Three megabytes: a cut connection leaves a part of it.
    let report: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    practice
        .admin()
        .share_document(&practice.patient, "MRI report", &report)
        .await;
    practice
        .created(
            "invoices",
            json!({"patient_id": practice.patient, "number": "INV-2002",
                   "due_at": Utc::now() + Days::days(30), "currency": "USD", "superbill": true,
                   "lines": [{"description": "Knee MRI", "quantity": 1, "amount": 48_000},
                             {"description": "Follow-up visit", "quantity": 2, "amount": 9_500}]}),
        )
        .await;
    let opened = tempfile::tempdir().unwrap();
    // The "viewer" copies what it is asked to open, for the test to read.
    let viewer = format!("cp -t {}", opened.path().display());
    let App {
        proxy,
        data,
        driver: (_driver, _),
        session,
    } = practice
        .app_behind_proxy(&[("PORTAL_OPEN_WITH", viewer.as_str())])
        .await;
    wait_for_words(&session, "#home-documents", "new document").await;

    // The connection drops a megabyte into the download: the part is kept and shown.
    open_section(&session, "#nav-documents").await;
    let row = "li[data-document='MRI report']";
    proxy.cut_after(1_000_000);
    click(&session, &format!("{row} .download-document")).await;
    wait_for_words(
        &session,
        &format!("{row} .offline-state"),
        "Partly downloaded",
    )
    .await;
    session
        .wait_for(&format!("{row} progress.download"), WAIT)
        .await
        .unwrap();
    save_screenshot(&session, "desktop-download-progress.png").await;
    session
        .wait_for(&format!("{row} .notice[data-code='network']"), WAIT)
        .await
        .unwrap();
    // Back online, the download finishes where it stopped.
    proxy.set(Mode::Pass);
    click(&session, &format!("{row} .download-document")).await;
    wait_for_words(
        &session,
        &format!("{row} .offline-state"),
        "On this computer",
    )
    .await;

    // With the server gone, the document opens from this computer.
    proxy.set(Mode::Refuse);
    click(&session, &format!("{row} .open-document")).await;
    let copy = opened.path().join("MRI report.pdf");
    let deadline = Instant::now() + WAIT;
    while std::fs::read(&copy).map(|b| b.len()).unwrap_or(0) != report.len() {
        assert!(
            Instant::now() < deadline,
            "the document never reached the viewer"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(std::fs::read(&copy).unwrap(), report);
    save_screenshot(&session, "desktop-documents.png").await;

    // Billing: the invoice's lines and balance; its superbill downloads and opens.
    proxy.set(Mode::Pass);
    open_section(&session, "#nav-billing").await;
    let invoice = "li[data-invoice='INV-2002']";
    wait_for_words(&session, invoice, "Knee MRI").await;
    wait_for_words(&session, &format!("{invoice} .balance"), "$670.00").await;
    click(&session, &format!("{invoice} .superbill .open-document")).await;
    wait_for_words(
        &session,
        &format!("{invoice} .superbill .offline-state"),
        "On this computer",
    )
    .await;
    save_screenshot(&session, "desktop-billing.png").await;

    // A file picked from this computer goes to the practice.
    open_section(&session, "#nav-documents").await;
    let picked = data.path().join("insurance-card.pdf");
    std::fs::write(&picked, b"%PDF-1.4 insurance card").unwrap();
    let name = session.wait_for("#upload-name", WAIT).await.unwrap();
    session.type_into(&name, "Insurance card").await.unwrap();
    let input = session.wait_for("#upload-file", WAIT).await.unwrap();
    session
        .type_into(&input, picked.to_str().unwrap())
        .await
        .unwrap();
    let send = session.wait_for("#upload-send", WAIT).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while !session.is_enabled(&send).await.unwrap_or(false) {
        assert!(Instant::now() < deadline, "the picked file was never read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    session.click(&send).await.unwrap();
    session.wait_for("#upload-kept", WAIT).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while !practice
        .records_of("document")
        .await
        .iter()
        .any(|d| d["title"] == "Insurance card")
    {
        assert!(
            Instant::now() < deadline,
            "the upload never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for_words(&session, "#document-list", "Insurance card").await;
    session.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_form_draft_survives_a_restart_and_a_contact_conflict_shows_both_versions() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    let form = practice.intake_form().await;
    let App {
        proxy,
        data: _data,
        driver: (_driver, driver_url),
        session,
    } = practice.app_behind_proxy(&[]).await;
    wait_for_words(&session, "#home-forms", "1 form to complete").await;

    // A draft, offline.
    proxy.set(Mode::Refuse);
    open_section(&session, "#nav-forms").await;
    click(&session, "li[data-form='Health history'] a").await;
    let field = session.wait_for("#field-allergies", WAIT).await.unwrap();
    session.type_into(&field, "Penicillin").await.unwrap();
    click(&session, "#form-save").await;
    session.wait_for("#form-saved", WAIT).await.unwrap();

    // Quit and start again: the draft is there.
    session.end().await.unwrap();
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session.wait_for("#signed-in", WAIT).await.unwrap();
    open_section(&session, "#nav-forms").await;
    wait_for_words(&session, "li[data-form='Health history']", "Draft saved").await;
    click(&session, "li[data-form='Health history'] a").await;
    let field = session.wait_for("#field-allergies", WAIT).await.unwrap();
    assert_eq!(
        session.property(&field, "value").await.unwrap(),
        "Penicillin"
    );

    // Submitted without the consent, online: the practice's portal names the field.
    proxy.set(Mode::Pass);
    try_now(&session).await;
    click(&session, "#form-submit").await;
    session
        .wait_for(".field.flagged[data-field='consent'] .field-error", WAIT)
        .await
        .unwrap();
    let field = session.wait_for("#field-allergies", WAIT).await.unwrap();
    assert_eq!(
        session.property(&field, "value").await.unwrap(),
        "Penicillin"
    );
    save_screenshot(&session, "desktop-form-refused.png").await;
    click(&session, "#field-consent").await;
    click(&session, "#form-submit").await;
    session.wait_for("#form-submitted", WAIT).await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let responses = practice.records_of("form_response").await;
        if responses
            .iter()
            .any(|r| r["form_id"] == form.as_str() && r["status"] == "submitted")
        {
            assert_eq!(responses[0]["answers"]["allergies"], "Penicillin");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the form never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A new phone number typed offline, while the front desk takes down another.
    proxy.set(Mode::Refuse);
    open_section(&session, "#nav-profile").await;
    let phone = session.wait_for("#contact-phone", WAIT).await.unwrap();
    session.type_into(&phone, "+1 555 0199").await.unwrap();
    click(&session, "#contact-save").await;
    session.wait_for("#profile-pending", WAIT).await.unwrap();
    let patched = practice
        .admin()
        .patch(
            &format!("patients/{}", practice.patient),
            json!({"phone": "+1 555 0142"}),
        )
        .await;
    assert_eq!(patched.status().as_u16(), 200);
    proxy.set(Mode::Pass);
    try_now(&session).await;
    wait_for_words(
        &session,
        "#contact-conflict tr[data-field='phone'] .mine",
        "+1 555 0199",
    )
    .await;
    wait_for_words(
        &session,
        "#contact-conflict tr[data-field='phone'] .theirs",
        "+1 555 0142",
    )
    .await;
    save_screenshot(&session, "desktop-contact-conflict.png").await;

    // Keeping mine: the server ends with the patient's number.
    click(&session, "#keep-mine").await;
    wait_for_absent(&session, "#contact-conflict").await;
    let deadline = Instant::now() + WAIT;
    while practice.records_of("profile").await[0]["phone"] != "+1 555 0199" {
        assert!(
            Instant::now() < deadline,
            "the patient's number never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    session.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn an_expired_invite_is_renewed_from_the_app_and_the_new_link_leads_home() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    // Five days later the four-day invite has expired.
    let now = practice.server.advance_clock(Days::days(5)).await;
    practice
        .created(
            "appointments",
            json!({"patient_id": practice.patient, "provider_id": practice.provider,
                   "starts_at": now + Days::days(2), "duration_minutes": 30,
                   "kind": "in_person", "location": "Room 4"}),
        )
        .await;
    let (_driver, driver_url) = start_driver(practice.server.base_url());
    let session = Session::start(&driver_url, capabilities(&[&practice.link]))
        .await
        .unwrap();
    session.wait_for("#invite-expired", WAIT).await.unwrap();
    save_screenshot(&session, "desktop-invite-expired.png").await;
    let sent_before = practice.admin().outbox().await.emails.len();
    click(&session, "#renew-invite").await;
    session.wait_for("#invite-renewed", WAIT).await.unwrap();

    // The new link from the email, pasted into the app.
    let outbox = practice.admin().outbox().await;
    assert_eq!(outbox.emails.len(), sent_before + 1, "one new invitation");
    let email = outbox.emails.last().unwrap();
    assert_eq!(email.to, "jordan@example.com");
    let link = email.links.first().unwrap().clone();
    click(&session, "#start-over").await;
    let field = session.wait_for("#open-link-input", WAIT).await.unwrap();
    session.type_into(&field, &link).await.unwrap();
    click(&session, "#open-link-button").await;
    choose_password(&session).await;
    wait_for_words(&session, "#home-next-appointment", "Dr. Maya Okafor").await;
    session.end().await.unwrap();
}

/// The visible words on the page that are English catalogue texts whose Spanish
/// differs: what a Spanish screen must not show.
async fn english_left(session: &Session) -> Vec<String> {
    let english = portal_i18n::plain_texts(&portal_i18n::ENGLISH);
    let spanish: std::collections::HashMap<String, String> =
        portal_i18n::plain_texts(&portal_i18n::SPANISH)
            .into_iter()
            .collect();
    let untranslated: std::collections::HashSet<&str> = english
        .iter()
        .filter(|(key, text)| spanish.get(key).is_some_and(|es| es != text))
        .map(|(_, text)| text.as_str())
        .collect();
    let shown = session
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const out = [];
             const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             while (walk.nextNode()) {
               const text = walk.currentNode.textContent.trim();
               if (text) out.push(text);
             }
             for (const el of document.querySelectorAll('[placeholder],[aria-label],[title]')) {
               for (const name of ['placeholder', 'aria-label', 'title']) {
                 const value = el.getAttribute(name);
                 if (value) out.push(value.trim());
               }
             }
             done(out);",
            vec![],
        )
        .await
        .unwrap();
    shown
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|text| untranslated.contains(text))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn in_spanish_every_screen_and_notice_speaks_spanish() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    practice.appointment(72).await;
    practice.message("¿Cómo sigue la rodilla?", None).await;
    practice.invoice(12_550).await;
    practice
        .admin()
        .share_document(&practice.patient, "Informe de rayos X", b"%PDF-1.4 x-ray")
        .await;
    practice.intake_form().await;

    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let (_driver, driver_url) = start_driver_with(
        practice.server.base_url(),
        &[
            ("PORTAL_DATA_DIR", data_dir.as_str()),
            ("PORTAL_LANGUAGE", "es"),
        ],
    );
    let session = Session::start(&driver_url, capabilities(&[&practice.link]))
        .await
        .unwrap();
    session.wait_for("#password", WAIT).await.unwrap();
    wait_for_words(
        &session,
        "#invite-expiry",
        "Esta invitación es válida hasta",
    )
    .await;
    let left = english_left(&session).await;
    assert!(left.is_empty(), "English on the password screen: {left:?}");
    save_screenshot(&session, "desktop-es-choose-password.png").await;
    choose_password(&session).await;

    // Home, with amounts in Spanish form.
    wait_for_words(&session, "#home-messages", "1 mensaje sin leer").await;
    wait_for_words(&session, "#home-balance", "125,50").await;
    let left = english_left(&session).await;
    assert!(left.is_empty(), "English on the home page: {left:?}");
    save_screenshot(&session, "desktop-es-home.png").await;

    for (nav, ready) in [
        ("#nav-appointments", "#appointment-list"),
        ("#nav-messages", "#thread-list"),
        ("#nav-billing", "#invoice-list"),
        ("#nav-documents", "#document-list"),
        ("#nav-forms", "#form-list"),
        ("#nav-profile", "#profile-name"),
        ("#nav-search", "#search-query"),
        ("#nav-account", "#account"),
    ] {
        click(&session, nav).await;
        session.wait_for(ready, WAIT).await.unwrap();
        session.settle().await.unwrap();
        let left = english_left(&session).await;
        assert!(left.is_empty(), "English after {nav}: {left:?}");
        let violations = accessibility_violations(&session).await;
        assert!(violations.is_empty(), "after {nav}: {violations:?}");
    }
    save_screenshot(&session, "desktop-es-account.png").await;

    // The shell's notices, in Spanish: signed out, then a wrong password.
    click(&session, "#sign-out").await;
    wait_for_words(
        &session,
        ".notice[data-code='signed_out']",
        "Ha cerrado la sesión",
    )
    .await;
    let left = english_left(&session).await;
    assert!(left.is_empty(), "English on the welcome screen: {left:?}");
    click(&session, "#go-sign-in").await;
    let email = session.wait_for("#sign-in-email", WAIT).await.unwrap();
    session
        .type_into(&email, "jordan@example.com")
        .await
        .unwrap();
    let password = session.wait_for("#sign-in-password", WAIT).await.unwrap();
    session
        .type_into(&password, "not the password at all")
        .await
        .unwrap();
    click(&session, "#sign-in-submit").await;
    wait_for_words(
        &session,
        ".notice[data-code='invalid_credentials']",
        "El correo o la contraseña no son correctos",
    )
    .await;
    let left = english_left(&session).await;
    assert!(left.is_empty(), "English in a notice: {left:?}");
    save_screenshot(&session, "desktop-es-notice.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn settings_change_the_password_and_the_language_and_sign_out_of_every_account() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
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
    click(&session, "#nav-settings").await;
    session.wait_for("#settings", WAIT).await.unwrap();
    wait_for_words(&session, "#about-version", "Patient Portal 0.").await;
    // PORTAL_SERVER_URL sets this computer's practice: shown, and not to be changed here.
    wait_for_words(&session, "#about-server", practice.server.base_url()).await;
    session.wait_for("#practice-fixed", WAIT).await.unwrap();
    assert!(session.find("#change-practice").await.unwrap().is_none());
    // What the app is made of, each component with its licence, when asked for.
    click(&session, "#show-components").await;
    wait_for_words(&session, "#components", "tauri").await;
    wait_for_words(&session, "#components", "MIT").await;

    // A wrong current password changes nothing, in words.
    let type_in = |css: &'static str, text: &'static str| {
        let session = &session;
        async move {
            let field = session.wait_for(css, WAIT).await.unwrap();
            clear(session, &field).await;
            session.type_into(&field, text).await.unwrap();
        }
    };
    const NEW: &str = "a brand new otter password";
    type_in("#current-password", "not my password at all").await;
    type_in("#new-password", NEW).await;
    type_in("#new-password-again", NEW).await;
    click_when_enabled(&session, "#change-password-submit").await;
    wait_for_words(
        &session,
        ".notice[data-code='wrong_password']",
        "current password is not right",
    )
    .await;
    // The right one changes it: the old password no longer signs in, the new one does.
    type_in("#current-password", PASSWORD).await;
    click_when_enabled(&session, "#change-password-submit").await;
    wait_for_words(&session, "#password-changed", "Your password was changed").await;
    let login = |password: &'static str| {
        let base = practice.server.base_url().to_owned();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/v1/auth/login"))
                .json(&json!({"email": "jordan@example.com", "password": password,
                              "device_name": "check"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(login(PASSWORD).await, 401);
    assert_eq!(login(NEW).await, 200);
    save_screenshot(&session, "desktop-settings.png").await;

    // The idle lock after one minute instead of fifteen, now and at the next start.
    let select = session.wait_for("#idle-lock", WAIT).await.unwrap();
    assert_eq!(session.property(&select, "value").await.unwrap(), "900");
    click(&session, "#idle-lock option[value='60']").await;
    let deadline = Instant::now() + WAIT;
    while !std::fs::read_to_string(data.path().join("settings.json"))
        .unwrap_or_default()
        .contains("\"idle_lock_seconds\": 60")
    {
        assert!(Instant::now() < deadline, "the idle-lock time was not kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let select = session.wait_for("#idle-lock", WAIT).await.unwrap();
    assert_eq!(session.property(&select, "value").await.unwrap(), "60");

    // Spanish, at once and for the next start.
    click(&session, "#settings-language option[value='es']").await;
    wait_for_words(&session, "#nav-home", "Inicio").await;
    wait_for_words(&session, "#nav-settings", "Ajustes").await;
    let kept = std::fs::read_to_string(data.path().join("settings.json")).unwrap();
    assert!(kept.contains("\"es\""), "{kept}");

    // Every account on this computer: none is left.
    click(&session, "#sign-out-everywhere").await;
    wait_for_words(
        &session,
        ".notice[data-code='signed_out']",
        "Ha cerrado la sesión",
    )
    .await;
    session.wait_for("#welcome", WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn from_the_invite_to_a_sent_message_with_the_keyboard_alone() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    practice
        .message("How is the knee since Tuesday?", None)
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
    session.wait_for("#password", WAIT).await.unwrap();
    const ENTER: &str = "\u{E007}";
    tab_to(&session, "#password").await;
    press(&session, PASSWORD).await;
    tab_to(&session, "#password-confirm").await;
    press(&session, PASSWORD).await;
    tab_to(&session, "#confirm-address").await;
    press(&session, " ").await;
    tab_to(&session, "#set-password:enabled").await;
    press(&session, ENTER).await;
    session.wait_for("#home[data-ready]", WAIT).await.unwrap();

    tab_to(&session, "#nav-messages").await;
    press(&session, ENTER).await;
    session.wait_for("#thread-list", WAIT).await.unwrap();
    tab_to(&session, "#thread-list a").await;
    press(&session, ENTER).await;
    session.wait_for("#message-list", WAIT).await.unwrap();
    tab_to(&session, "#compose-body").await;
    press(&session, "Much better, thank you.").await;
    tab_to(&session, "#compose-send:enabled").await;
    press(&session, ENTER).await;
    wait_for_words(&session, "#message-list", "Much better, thank you.").await;
    let deadline = Instant::now() + WAIT;
    while practice.messages_with("Much better, thank you.").await != 1 {
        assert!(
            Instant::now() < deadline,
            "the reply never reached the practice"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    save_screenshot(&session, "desktop-keyboard-sent.png").await;

    // The check is real: an image without words and a grey-on-white line are caught.
    session
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const img = document.createElement('img');
             img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
             const faint = document.createElement('p');
             faint.textContent = 'Hard to read';
             faint.style.color = '#ddd';
             faint.style.background = '#fff';
             document.body.append(img, faint);
             done(true);",
            vec![],
        )
        .await
        .unwrap();
    let caught = accessibility_violations(&session).await;
    for rule in ["image-alt", "color-contrast"] {
        assert!(
            caught.iter().any(|v| v.starts_with(rule)),
            "{rule} not caught: {caught:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn the_first_run_asks_for_the_practice_and_an_invite_link_offers_its_own() {
    let _one = ONE_APP.lock().await;
    let practice = Practice::start().await;
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let (_driver, driver_url) =
        start_driver_without_server(&[("PORTAL_DATA_DIR", data_dir.as_str())]);

    // No practice and no link: the question, and an address where nothing answers is
    // refused in words.
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session.wait_for("#choose-server", WAIT).await.unwrap();
    save_screenshot(&session, "desktop-choose-server.png").await;
    let field = session.wait_for("#server-address", WAIT).await.unwrap();
    session
        .type_into(&field, "http://127.0.0.1:1")
        .await
        .unwrap();
    click_when_enabled(&session, "#choose-server-submit").await;
    wait_for_words(
        &session,
        ".notice[data-code='server_unreachable']",
        "No patient portal answered",
    )
    .await;
    assert!(
        !data.path().join("settings.json").exists(),
        "an address that did not answer was kept"
    );
    session.end().await.unwrap();

    // The invite link offers its own portal; once confirmed, the link opens there.
    let session = Session::start(&driver_url, capabilities(&[&practice.link]))
        .await
        .unwrap();
    let field = session.wait_for("#server-address", WAIT).await.unwrap();
    assert_eq!(
        session.property(&field, "value").await.unwrap(),
        practice.server.base_url()
    );
    wait_for_words(
        &session,
        "#server-address-hint",
        "comes from the link you opened",
    )
    .await;
    click_when_enabled(&session, "#choose-server-submit").await;
    choose_password(&session).await;
    let kept = std::fs::read_to_string(data.path().join("settings.json")).unwrap();
    assert!(kept.contains(practice.server.base_url()), "{kept}");
    session.end().await.unwrap();

    // The next start asks nothing.
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session.wait_for("#home[data-ready]", WAIT).await.unwrap();

    // Another practice, from the settings: every account here is signed out, the
    // address forgotten, and the first run's question asked again.
    let other = Practice::start().await;
    click(&session, "#nav-settings").await;
    wait_for_words(&session, "#about-server", practice.server.base_url()).await;
    click(&session, "#change-practice").await;
    wait_for_words(
        &session,
        "#change-practice-confirm",
        "signed out of every account",
    )
    .await;
    session
        .execute_async(
            "document.querySelector('#change-practice-confirm').scrollIntoView(); arguments[0]()",
            vec![],
        )
        .await
        .unwrap();
    save_screenshot(&session, "desktop-change-practice.png").await;
    click(&session, "#change-practice-yes").await;
    let field = session.wait_for("#server-address", WAIT).await.unwrap();
    assert_eq!(session.property(&field, "value").await.unwrap(), "");
    let kept = std::fs::read_to_string(data.path().join("settings.json")).unwrap();
    assert!(!kept.contains(practice.server.base_url()), "{kept}");
    session
        .type_into(&field, other.server.base_url())
        .await
        .unwrap();
    click_when_enabled(&session, "#choose-server-submit").await;
    session.wait_for("#welcome", WAIT).await.unwrap();
    let kept = std::fs::read_to_string(data.path().join("settings.json")).unwrap();
    assert!(kept.contains(other.server.base_url()), "{kept}");
    session.end().await.unwrap();

    // The new practice's invite opens there, and its patient signs in.
    let session = Session::start(&driver_url, capabilities(&[&other.link]))
        .await
        .unwrap();
    choose_password(&session).await;
    session.wait_for("#home[data-ready]", WAIT).await.unwrap();
    session.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_message_from_the_care_team_raises_a_notification_that_opens_its_thread() {
    let _one = ONE_APP.lock().await;
    let service = portal_e2e::notifications::NotificationService::start().await;
    let practice = Practice::start().await;
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
    session.wait_for("#home[data-ready]", WAIT).await.unwrap();

    // The person turns to another program; a message arrives: the notification says
    // only that the care team wrote.
    let elsewhere = Elsewhere::open();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let thread = practice.message("Your results are in.", None).await;
    let deadline = Instant::now() + WAIT;
    while service.shown().is_empty() {
        assert!(Instant::now() < deadline, "no notification was raised");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = service.shown()[0].clone();
    assert_eq!(first.summary, "New message from your care team");
    assert!(!first.body.contains("results"), "{first:?}");
    assert!(first.actions.contains(&"default".to_owned()), "{first:?}");

    // Clicking it opens the conversation.
    service.click(first.id).await;
    wait_for_words(&session, "#conversation-subject", "Your knee").await;
    wait_for_words(&session, "#message-list", "Your results are in.").await;

    // With the sender's name allowed in the settings, the next one names them.
    click(&session, "#nav-settings").await;
    click(&session, "#notify-sender").await;
    let deadline = Instant::now() + WAIT;
    while !std::fs::read_to_string(data.path().join("settings.json"))
        .unwrap_or_default()
        .contains("\"notify_sender\": true")
    {
        assert!(Instant::now() < deadline, "the setting was not kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    elsewhere.focus();
    tokio::time::sleep(Duration::from_millis(300)).await;
    practice.message("One more thing.", Some(&thread)).await;
    let deadline = Instant::now() + WAIT;
    while service.shown().len() < 2 {
        assert!(Instant::now() < deadline, "no second notification");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        service.shown()[1].summary,
        "New message from Dr. Maya Okafor"
    );

    // Locked, the app still hears of news, and says no more than that.
    click(&session, "#lock-now").await;
    session.wait_for("#unlock-password", WAIT).await.unwrap();
    elsewhere.focus();
    tokio::time::sleep(Duration::from_millis(300)).await;
    practice.message("After the lock.", Some(&thread)).await;
    let deadline = Instant::now() + WAIT;
    while service.shown().len() < 3 {
        assert!(Instant::now() < deadline, "no notification while locked");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let locked = service.shown()[2].clone();
    assert_eq!(locked.summary, "Something new in your patient portal");
    assert!(!locked.body.contains("After"), "{locked:?}");
}
