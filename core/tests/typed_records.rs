//! Typed, per-profile, live queries (`client.records()`), against the real server binary
//! over loopback HTTP and the real Secret Service (run under scripts/in-session.sh):
//! every screen's list comes out as `portal_model::records` types, a guardian's child
//! never sees a sibling's data, local writes read like pulled records, and a watch
//! yields only when what it shows changed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_core::{
    ClientConfig, CoreError, DocumentStatus, KeyringStore, MessageTo, PortalClient, When,
};
use portal_e2e::TestServer;
use portal_model::records::{
    AppointmentStatus, FormAnswer, InvoiceStatus, RecordKind, ResponseStatus, SenderKind,
};
use portal_model::writes::FormAnswers;
use serde_json::{Value, json};
use std::sync::Arc;

const ADMIN: &str = "core-typed-admin-R4x9kfI_7fFJUjzEBUWqX4u4QP_BVEIi";
const PASSWORD: &str = "river otter paints blue";

struct Practice {
    server: TestServer,
    provider: String,
}

impl Practice {
    async fn created(&self, path: &str, body: Value) -> Value {
        let response = self.server.admin().post(path, body).await;
        assert_eq!(response.status().as_u16(), 201, "POST {path}");
        response.json().await.unwrap()
    }

    async fn appointment(&self, patient: &str, in_hours: i64) -> String {
        self.created(
            "appointments",
            json!({"patient_id": patient, "provider_id": self.provider,
                   "starts_at": Utc::now() + Duration::hours(in_hours),
                   "duration_minutes": 30, "kind": "in_person", "location": "Room 4"}),
        )
        .await["appointment_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn message(&self, patient: &str, body: &str, thread: Option<&str>) -> String {
        self.created(
            "messages",
            json!({"patient_id": patient, "provider_id": self.provider, "body": body,
                   "subject": "Your visit", "thread_id": thread}),
        )
        .await["thread_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Alex, the guardian of Mia and Leo in one account, signed in on a device.
async fn guardian(
    keychain: &str,
    data: &std::path::Path,
) -> (Practice, PortalClient, String, String) {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let provider = server
        .admin()
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let practice = Practice { server, provider };
    let child = |name: &str| {
        json!({"first_name": name, "last_name": "Rivera", "primary_provider_id": practice.provider,
               "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}})
    };
    let admin = practice.server.admin();
    let mia = admin.create_patient(child("Mia")).await.patient_id;
    let mia_link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let leo = admin.create_patient(child("Leo")).await.patient_id;
    let leo_link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let config = ClientConfig::new(practice.server.base_url(), &[], "patientportal")
        .unwrap()
        .with_data_dir(data)
        // The test pulls by hand, to know what each pull brought.
        .with_background_sync(false)
        .with_sync_page_limit(3);
    let client = PortalClient::new(config, Arc::new(KeyringStore::new(keychain))).unwrap();
    let flow = client.flow();
    flow.open_link(&mia_link).await;
    flow.submit_password(PASSWORD).await;
    let token = client.parse_link(&leo_link).unwrap().token;
    client.auth().claim_invite(&token).await.unwrap();
    (practice, client, mia, leo)
}

#[tokio::test]
async fn every_list_reads_as_its_type_per_profile() {
    let data = tempfile::tempdir().unwrap();
    let (practice, client, mia, leo) =
        guardian("org.patientportal.test.typed.lists", data.path()).await;
    let soon = practice.appointment(&mia, 48).await;
    let later = practice.appointment(&mia, 96).await;
    practice.appointment(&leo, 24).await;
    let thread = practice
        .message(&mia, "Mia's knee scan looks fine.", None)
        .await;
    practice
        .message(&leo, "Leo's vaccination is due.", None)
        .await;
    practice
        .created(
            "invoices",
            json!({"patient_id": mia, "number": "INV-7", "due_at": Utc::now() + Duration::days(30),
                   "currency": "USD", "superbill": true,
                   "lines": [{"description": "Visit", "quantity": 1, "amount": 12000}]}),
        )
        .await;
    let template = practice
        .created(
            "forms",
            json!({"title": "Allergies", "fields": [
                {"id": "allergies", "label": "Allergies", "type": "multi_choice",
                 "options": ["Nuts", "Pollen"], "required": true},
                {"id": "notes", "label": "Notes", "type": "textarea"}]}),
        )
        .await["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = practice
        .created(
            &format!("forms/{template}/assign"),
            json!({"patient_id": mia}),
        )
        .await["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The first sync fills the copy page by page: its progress is there for a bar.
    assert_eq!(client.sync().status().status, None);
    let sync = client.sync();
    let watcher = client.sync();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let progress = seen.clone();
    sync.sync_now(move |_| progress.lock().unwrap().push(watcher.status().first_sync))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(
        seen.windows(2)
            .any(|w| matches!((w[0], w[1]), (Some(a), Some(b)) if b.pages > a.pages)),
        "no first-sync progress: {seen:?}"
    );
    let status = client.sync().status();
    assert!(
        matches!(
            status.status,
            Some(portal_core::SyncStatus::UpToDate { .. })
        ),
        "{status:?}"
    );
    assert!(status.last_success.is_some());
    assert_eq!(status.first_sync, None, "the first sync is over");
    let records = client.records();

    let profile = records.profile(&mia).await.unwrap().unwrap();
    assert_eq!(profile.first_name, "Mia");
    let team = records.care_team(&mia).await.unwrap();
    assert_eq!(team.len(), 1);
    assert_eq!(team[0].name, "Dr. Maya Okafor");

    let upcoming = records
        .appointments(&mia, When::Upcoming, 1, None)
        .await
        .unwrap();
    assert_eq!(upcoming.skipped, 0);
    assert_eq!(upcoming.items[0].id, soon);
    assert_eq!(upcoming.items[0].status, AppointmentStatus::Scheduled);
    let rest = records
        .appointments(&mia, When::Upcoming, 10, upcoming.next.clone())
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, later);
    assert!(rest.next.is_none());
    assert!(
        records
            .appointments(&mia, When::Past, 10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let threads = records.threads(&mia, 10, None).await.unwrap();
    assert_eq!(threads.items.len(), 1);
    let item = &threads.items[0];
    assert_eq!(item.thread.unread_count, 1);
    let last = item.last_message.as_ref().unwrap();
    assert_eq!(last.body, "Mia's knee scan looks fine.");
    assert_eq!(last.sender.kind, SenderKind::Provider);
    assert!(last.is_unread());

    let invoices = records.invoices(&mia, 10, None).await.unwrap();
    assert_eq!(invoices.items[0].status, InvoiceStatus::Open);
    assert_eq!(invoices.items[0].balance, 12000);
    let documents = records.documents(&mia, 10, None).await.unwrap();
    assert_eq!(documents.items.len(), 1, "the superbill");
    assert_eq!(documents.items[0].offline, DocumentStatus::NotDownloaded);
    assert_eq!(
        invoices.items[0].superbill_document_id.as_deref(),
        Some(documents.items[0].document.id.as_str())
    );

    let home = records.home(&mia).await.unwrap();
    assert_eq!(home.next_appointment.unwrap().id, soon);
    assert_eq!(home.unread_messages, 1);
    assert_eq!(home.balance_due[0].amount, 12000);
    assert_eq!(home.balance_due[0].currency, "USD");
    assert_eq!(home.forms_waiting, 1);
    assert_eq!(home.documents_unopened, 1);

    // A guardian's child never sees a sibling's data.
    let leo_threads = records.threads(&leo, 10, None).await.unwrap();
    assert_eq!(leo_threads.items.len(), 1);
    assert_ne!(leo_threads.items[0].thread.id, thread);
    assert!(
        records
            .thread_messages(&leo, &thread, 10, None)
            .await
            .unwrap()
            .items
            .is_empty(),
        "Mia's conversation read as Leo's"
    );
    assert_eq!(
        records
            .appointments(&leo, When::Upcoming, 10, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        records.home("someone-else").await.unwrap_err(),
        CoreError::UnknownProfile
    );

    // Writes made on this device read like pulled records: a draft, a message.
    let answers: FormAnswers = [(
        "allergies".to_owned(),
        FormAnswer::Choices(vec!["Pollen".to_owned()]),
    )]
    .into_iter()
    .collect();
    let draft_write = client
        .outbox()
        .answer_form(&mia, &form, &answers, false)
        .await
        .unwrap();
    assert_eq!(draft_write.kind, "save_form_draft");
    assert_eq!(draft_write.state, portal_core::WriteState::Queued);
    let forms = records.forms(&mia, 10, None).await.unwrap();
    let draft = forms.items[0].response.as_ref().unwrap();
    assert_eq!(draft.status, ResponseStatus::Draft);
    assert_eq!(
        draft.answers["allergies"],
        FormAnswer::Choices(vec!["Pollen".into()])
    );
    client
        .outbox()
        .send_message(&mia, MessageTo::Thread(thread.clone()), "Thank you!")
        .await
        .unwrap();
    let messages = records
        .thread_messages(&mia, &thread, 10, None)
        .await
        .unwrap();
    assert_eq!(messages.skipped, 0);
    assert_eq!(messages.items.len(), 2);
    assert_eq!(messages.items[1].body, "Thank you!");
    assert_eq!(messages.items[1].sender.kind, SenderKind::Patient);

    // Search, with the words around the match cut from the record's own text.
    client.sync().sync_now(|_| {}).await.unwrap();
    let hits = records.find(&mia, "knee", 10).await.unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kind, RecordKind::Message);
    assert_eq!(hits[0].thread_id.as_deref(), Some(thread.as_str()));
    assert!(hits[0].snippet.contains("knee scan"), "{hits:?}");
    assert!(records.find(&leo, "knee", 10).await.unwrap().is_empty());
    client.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_watch_yields_when_what_it_shows_changes_and_only_then() {
    let data = tempfile::tempdir().unwrap();
    let (practice, client, mia, _leo) =
        guardian("org.patientportal.test.typed.watch", data.path()).await;
    let thread = practice
        .message(&mia, "Welcome to the practice.", None)
        .await;
    client.sync().sync_now(|_| {}).await.unwrap();
    let records = client.records();
    let mut threads = records.watch_threads(&mia, 10).await.unwrap();
    assert_eq!(threads.latest().items[0].thread.unread_count, 1);
    let mut home = records.watch_home(&mia).await.unwrap();
    assert_eq!(home.latest().unread_messages, 1);

    // An invoice touches the home screen, not the conversations.
    practice
        .created(
            "invoices",
            json!({"patient_id": mia, "number": "INV-8", "due_at": Utc::now() + Duration::days(30),
                   "currency": "USD", "lines": [{"description": "Visit", "quantity": 1, "amount": 5000}]}),
        )
        .await;
    client.sync().sync_now(|_| {}).await.unwrap();
    let balance = tokio::time::timeout(std::time::Duration::from_secs(5), home.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(balance.balance_due[0].amount, 5000);
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), threads.next())
            .await
            .is_err(),
        "the conversations yielded for an invoice"
    );

    // A new message from the care team reaches the list without asking.
    practice
        .message(&mia, "Your results are in.", Some(&thread))
        .await;
    client.sync().sync_now(|_| {}).await.unwrap();
    let updated = tokio::time::timeout(std::time::Duration::from_secs(5), threads.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.items[0].thread.unread_count, 2);
    assert_eq!(
        updated.items[0].last_message.as_ref().unwrap().body,
        "Your results are in."
    );

    // A new appointment reaches the upcoming list.
    let mut upcoming = records
        .watch_appointments(&mia, When::Upcoming, 50)
        .await
        .unwrap();
    assert!(upcoming.latest().items.is_empty());
    let visit = practice.appointment(&mia, 30).await;
    client.sync().sync_now(|_| {}).await.unwrap();
    let listed = tokio::time::timeout(std::time::Duration::from_secs(5), upcoming.next())
        .await
        .expect("the upcoming appointments did not yield")
        .unwrap();
    assert_eq!(listed.items[0].id, visit);

    // Locking closes the store: the watch ends.
    client.idle_lock().lock_now();
    client.sync().network_changed();
    let sync = client.sync();
    let runner = tokio::spawn(async move { sync.run().await });
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), threads.next())
        .await
        .unwrap();
    assert!(ended.is_none(), "{ended:?}");
    runner.abort();
    client.idle_lock().unlock(PASSWORD).await.unwrap();
    client.auth().logout().await.unwrap();
}
