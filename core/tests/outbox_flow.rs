//! The outbox against the real server: writes made offline show at once, wait, and
//! reach the server once and in order when the network is back; a refusal undoes the
//! write's effect and keeps its reason; an answer lost after the server committed is
//! retried into exactly one row. The network drops through a loopback proxy.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_core::{
    ClientConfig, CoreError, KeyringStore, ManualClock, MessageTo, PortalClient, WriteState,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_e2e::proxy::{Mode, Proxy};
use portal_model::records::FormAnswer;
use portal_model::writes::{ContactChange, FieldChange, FormAnswers};
use serde_json::{Value, json};
use std::sync::Arc;

const ADMIN: &str = "core-outbox-admin-VckBqe4oD6L6NB9crj8Jg-viFShTvPWl";
const PASSWORD: &str = "river otter paints blue";

struct Setup {
    server: TestServer,
    admin: AdminClient,
    proxy: Proxy,
    client: PortalClient,
    clock: ManualClock,
    patient: String,
    provider: String,
    _data: tempfile::TempDir,
}

/// A form's answers with `allergies` as its one answer.
fn answers(allergies: &str) -> FormAnswers {
    [(
        "allergies".to_owned(),
        FormAnswer::Text(allergies.to_owned()),
    )]
    .into_iter()
    .collect()
}

async fn created(admin: &AdminClient, path: &str, body: Value) -> Value {
    let response = admin.post(path, body).await;
    assert_eq!(response.status().as_u16(), 201, "POST {path}");
    response.json().await.unwrap()
}

/// A signed-in patient on a device that reaches the server through a proxy, with a
/// first sync done.
async fn setup(keychain: &str) -> Setup {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let patient = admin
        .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "primary_provider_id": provider}))
        .await
        .patient_id;
    let invite = admin.resend_invite(&patient).await;
    let proxy = Proxy::start(server.addr()).await;
    let data = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let config = ClientConfig::new(&proxy.base_url(), &[], "patientportal")
        .unwrap()
        .with_data_dir(data.path())
        // The test sends and pulls by hand, to follow each write.
        .with_background_sync(false);
    let client = PortalClient::with_clock(
        config,
        Arc::new(KeyringStore::new(keychain)),
        Arc::new(clock.clone()),
    )
    .unwrap();
    client
        .auth()
        .accept_invite(&invite.token, PASSWORD, "laptop")
        .await
        .unwrap();
    Setup {
        server,
        admin,
        proxy,
        client,
        clock,
        patient,
        provider,
        _data: data,
    }
}

impl Setup {
    async fn appointment(&self, in_hours: i64) -> String {
        created(
            &self.admin,
            "appointments",
            json!({"patient_id": self.patient, "provider_id": self.provider,
                   "starts_at": Utc::now() + Duration::hours(in_hours),
                   "duration_minutes": 30, "kind": "in_person"}),
        )
        .await["appointment_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The patient's messages with `body` as the server has them.
    async fn server_messages_with(&self, body: &str) -> usize {
        let fresh = reqwest::Client::new()
            .post(format!("{}/v1/auth/login", self.server.base_url()))
            .json(&json!({"email": "jordan@example.com", "password": PASSWORD,
                          "device_name": "check"}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let token = fresh["access_token"].as_str().unwrap();
        let page: Value = reqwest::Client::new()
            .get(format!("{}/v1/sync?limit=1000", self.server.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "message" && c["data"]["body"] == body)
            .count()
    }

    async fn state(&self, kind: &str, id: &str) -> Value {
        self.client
            .records()
            .record(kind, id)
            .await
            .unwrap()
            .unwrap()
            .data
            .value()
            .clone()
    }
}

#[tokio::test]
async fn writes_made_offline_show_at_once_and_reach_the_server_once_in_order() {
    let s = setup("org.patientportal.test.outbox.offline").await;
    let visit = s.appointment(72).await;
    let sent = created(
        &s.admin,
        "messages",
        json!({"patient_id": s.patient, "provider_id": s.provider,
               "body": "Your results are in.", "subject": "Results"}),
    )
    .await;
    let thread = sent["thread_id"].as_str().unwrap().to_owned();
    let first = sent["message_id"].as_str().unwrap().to_owned();
    let template = created(
        &s.admin,
        "forms",
        json!({"title": "Health history", "fields": [
            {"id": "allergies", "label": "Allergies", "type": "text", "required": true}]}),
    )
    .await["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Assigning makes the patient's own copy of the form, with its own id.
    let form = created(
        &s.admin,
        &format!("forms/{template}/assign"),
        json!({"patient_id": s.patient}),
    )
    .await["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.client.sync().sync_now(|_| {}).await.unwrap();
    assert_eq!(
        s.client
            .records()
            .summary(&s.patient)
            .await
            .unwrap()
            .unread_messages,
        1
    );

    // Offline, a minute later: every write is kept and shown at once.
    s.proxy.set(Mode::Refuse);
    s.clock.advance(Duration::minutes(1));
    let reply = "Thank you, see you Thursday.";
    let p = &s.patient;
    s.client
        .outbox()
        .mark_read(p, &thread, &first)
        .await
        .unwrap();
    let reply_write = s
        .client
        .outbox()
        .send_message(p, MessageTo::Thread(thread.clone()), reply)
        .await
        .unwrap();
    assert_eq!(reply_write.kind, "send_message");
    assert_eq!(reply_write.state, WriteState::Queued);
    assert_eq!(reply_write.args["body"], reply);
    let mut followed = s.client.outbox().watch_item(&reply_write.id).await.unwrap();
    assert_eq!(followed.latest(), Some(reply_write.clone()));
    s.client
        .outbox()
        .confirm_appointment(p, &visit)
        .await
        .unwrap();
    s.client
        .outbox()
        .answer_form(p, &form, &answers("pen"), false)
        .await
        .unwrap();
    s.client
        .outbox()
        .answer_form(p, &form, &answers("penicillin"), true)
        .await
        .unwrap();
    let phone = ContactChange {
        phone: FieldChange::set("+1 555 0100"),
        ..ContactChange::default()
    };
    s.client.outbox().update_contact(p, &phone).await.unwrap();

    assert_eq!(
        s.client.records().summary(p).await.unwrap().unread_messages,
        0
    );
    let messages = s
        .client
        .records()
        .raw_messages(&thread, 50, None)
        .await
        .unwrap();
    assert_eq!(messages.items.len(), 2);
    assert_eq!(messages.items[1].data["body"], reply);
    assert_eq!(messages.items[1].data["pending"], true);
    assert_eq!(s.state("appointment", &visit).await["status"], "confirmed");
    assert_eq!(s.state("profile", p).await["phone"], "+1 555 0100");
    let queued = s.client.outbox().items().await.unwrap();
    assert_eq!(queued.len(), 6);
    assert!(queued.iter().all(|w| w.state == WriteState::Queued));

    // Sending fails without a network; the first write waits with backoff.
    assert!(matches!(
        s.client.outbox().flush().await,
        Err(CoreError::Network(_))
    ));
    let report = s.client.outbox().flush().await.unwrap();
    assert!(report.retry_at_ms.is_some(), "{report:?}");
    assert_eq!(report.sent, 0);
    assert_eq!(s.server_messages_with(reply).await, 0);

    // Back online, once the backoff has passed: all of it goes, in order, once.
    s.proxy.set(Mode::Pass);
    s.clock.advance(Duration::seconds(10));
    s.client.sync().sync_now(|_| {}).await.unwrap();
    let left = s.client.outbox().items().await.unwrap();
    assert!(left.is_empty(), "{left:#?}");
    assert_eq!(s.server_messages_with(reply).await, 1);
    // The reply's watch followed it forward only, and ends with it settled.
    let mut states = Vec::new();
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), followed.next())
            .await
            .expect("the write's watch fell silent");
        match next {
            Some(Some(item)) => states.push(item.state),
            Some(None) => break,
            None => panic!("the write's watch ended before the write settled"),
        }
    }
    let rank = |state: &WriteState| match state {
        WriteState::Queued => 0,
        WriteState::Sending => 1,
        WriteState::Sent => 2,
        WriteState::Failed => 3,
    };
    assert!(
        states.windows(2).all(|w| rank(&w[0]) <= rank(&w[1]))
            && !states.contains(&WriteState::Failed),
        "{states:?}"
    );
    assert_eq!(s.client.outbox().item(&reply_write.id).await.unwrap(), None);
    let messages = s
        .client
        .records()
        .raw_messages(&thread, 50, None)
        .await
        .unwrap();
    assert_eq!(messages.items.len(), 2, "{:?}", messages.items);
    assert_eq!(messages.items[1].data["body"], reply);
    assert!(messages.items[1].data.get("pending").is_none());
    assert!(!messages.items[1].id.starts_with("local-"));
    assert_eq!(s.state("appointment", &visit).await["status"], "confirmed");
    assert_eq!(s.state("profile", p).await["phone"], "+1 555 0100");
    let responses = s
        .client
        .records()
        .list(
            "form_response",
            p,
            portal_core::ListOrder::NewestFirst,
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(responses.items.len(), 1);
    assert_eq!(responses.items[0].data["status"], "submitted");
    assert_eq!(
        responses.items[0].data["answers"]["allergies"],
        "penicillin"
    );
    assert_eq!(
        s.client.records().summary(p).await.unwrap().unread_messages,
        0
    );
    s.client.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_refused_write_is_undone_and_kept_with_its_reason() {
    let s = setup("org.patientportal.test.outbox.refused").await;
    // Starting in two hours: too late to cancel.
    let soon = s.appointment(2).await;
    s.client.sync().sync_now(|_| {}).await.unwrap();
    let p = &s.patient;
    let id = s
        .client
        .outbox()
        .cancel_appointment(p, &soon, Some("Feeling better"))
        .await
        .unwrap()
        .id;
    assert_eq!(s.state("appointment", &soon).await["status"], "cancelled");
    let report = s.client.outbox().flush().await.unwrap();
    assert_eq!(report.refused, 1);
    assert_eq!(s.state("appointment", &soon).await["status"], "scheduled");
    let items = s.client.outbox().items().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].state, WriteState::Failed);
    assert_eq!(items[0].error.as_ref().unwrap().code, "too_late");
    assert!(!items[0].error.as_ref().unwrap().message.is_empty());

    // Retry lays the effect again (and is refused again); discard drops it for good.
    assert!(s.client.outbox().retry(&id).await.unwrap());
    assert_eq!(s.state("appointment", &soon).await["status"], "cancelled");
    s.client.outbox().flush().await.unwrap();
    assert_eq!(s.state("appointment", &soon).await["status"], "scheduled");
    assert!(s.client.outbox().discard(&id).await.unwrap());
    assert!(s.client.outbox().items().await.unwrap().is_empty());
    assert!(!s.client.outbox().discard(&id).await.unwrap());

    // A contact change based on a profile the practice changed meanwhile: conflict.
    let patched = s
        .admin
        .patch(
            &format!("patients/{p}"),
            json!({"last_name": "Rivera-Lopez"}),
        )
        .await;
    assert_eq!(patched.status().as_u16(), 200);
    let jo = ContactChange {
        preferred_name: FieldChange::set("Jo"),
        ..ContactChange::default()
    };
    s.client.outbox().update_contact(p, &jo).await.unwrap();
    assert_eq!(s.state("profile", p).await["preferred_name"], "Jo");
    s.client.outbox().flush().await.unwrap();
    assert_ne!(s.state("profile", p).await["preferred_name"], "Jo");
    let items = s.client.outbox().items().await.unwrap();
    assert_eq!(items[0].error.as_ref().unwrap().code, "conflict");
    s.client.auth().logout().await.unwrap();
}

#[tokio::test]
async fn an_answer_lost_after_the_server_committed_is_retried_into_exactly_one_row() {
    let s = setup("org.patientportal.test.outbox.lost").await;
    s.client.sync().sync_now(|_| {}).await.unwrap();
    let body = "Can I move my appointment to the afternoon?";
    s.client
        .outbox()
        .send_message(
            &s.patient,
            MessageTo::NewThread {
                provider_id: s.provider.clone(),
                subject: "Rescheduling".to_owned(),
            },
            body,
        )
        .await
        .unwrap();
    // The server commits, but its answer never arrives.
    s.proxy.set(Mode::DropAnswers);
    assert!(matches!(
        s.client.outbox().flush().await,
        Err(CoreError::Network(_))
    ));
    assert_eq!(s.server_messages_with(body).await, 1);
    assert_eq!(
        s.client.outbox().items().await.unwrap()[0].state,
        WriteState::Queued
    );

    s.proxy.set(Mode::Pass);
    s.clock.advance(Duration::seconds(10));
    let report = s.client.outbox().flush().await.unwrap();
    assert_eq!(report.sent, 1);
    s.client.sync().sync_now(|_| {}).await.unwrap();
    assert_eq!(s.server_messages_with(body).await, 1);
    let threads = s
        .client
        .records()
        .list(
            "thread",
            &s.patient,
            portal_core::ListOrder::NewestFirst,
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(threads.items.len(), 1, "{:?}", threads.items);
    assert!(!threads.items[0].id.starts_with("local-"));
    s.client.auth().logout().await.unwrap();
}
