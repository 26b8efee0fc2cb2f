//! A property test over random sequences of what happens to a patient's app: writes of
//! every kind (messages, read marks, cancellations too late and in time, confirmations,
//! form drafts and submissions, contact changes, uploads) made online and offline, the
//! network going and coming back, answers lost after the server committed, syncs,
//! edits by the practice (appointments and the patient's contact details), restarts,
//! and access tokens expiring. After each sequence the network comes back and the app
//! syncs; then every write was applied exactly once or refused with a code its kind
//! allows (`too_late`, `conflict`, `invalid_state`, `already_submitted`), never lost
//! or doubled; messages are on the server in the order written; and the device's copy
//! of every kind of record equals the server's.
//!
//! 500 cases by default (`PORTAL_MODEL_CASES` for longer runs, such as 5,000). Real
//! server over loopback HTTP, real SQLCipher files; secrets in a store in memory (the
//! keychain itself is tested in the session tests).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_core::{
    ClientConfig, ListOrder, ManualClock, MessageTo, PortalClient, SecretError, SecretStore,
    WriteState,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_e2e::proxy::{Mode, Proxy};
use portal_model::records::FormAnswer;
use portal_model::writes::{ContactChange, FieldChange, FormAnswers};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

const ADMIN: &str = "core-model-admin-nOi4egknDJx16EorEuLwBEQpivKOmg52";
const PASSWORD: &str = "river otter paints blue";

/// The host's secret store, in memory.
#[derive(Default, Clone)]
struct MemoryStore(Arc<Mutex<HashMap<String, String>>>);

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
        self.0
            .lock()
            .unwrap()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Write(WriteKind),
    Offline,
    Online,
    LoseAnswers,
    Sync,
    PracticeEdit,
    PracticeEditsContact,
    Restart,
    ExpireTokens,
}

/// What the patient writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteKind {
    Message,
    MarkRead,
    /// An appointment an hour away: past the cancellation limit.
    CancelTooLate,
    /// An appointment a week away.
    CancelInTime,
    Confirm,
    FormDraft,
    FormSubmit,
    ContactChange,
    Upload,
}

impl WriteKind {
    /// The codes by which the server may refuse a write of this kind in these
    /// histories; any other refusal, or a write that is neither applied nor refused, is
    /// a failure.
    fn may_be_refused_with(self) -> &'static [&'static str] {
        match self {
            Self::Message | Self::MarkRead | Self::Upload => &[],
            Self::CancelTooLate => &["too_late"],
            // The later appointment may have been cancelled by an earlier write.
            Self::CancelInTime | Self::Confirm => &["invalid_state"],
            Self::FormDraft | Self::FormSubmit => &["already_submitted"],
            // The practice may have changed the details since the device last pulled.
            Self::ContactChange => &["conflict"],
        }
    }

    /// True when the server must refuse it whatever happened before.
    fn always_refused(self) -> bool {
        self == Self::CancelTooLate
    }
}

fn write_kind() -> impl Strategy<Value = WriteKind> {
    prop_oneof![
        4 => Just(WriteKind::Message),
        1 => Just(WriteKind::MarkRead),
        1 => Just(WriteKind::CancelTooLate),
        1 => Just(WriteKind::CancelInTime),
        1 => Just(WriteKind::Confirm),
        1 => Just(WriteKind::FormDraft),
        1 => Just(WriteKind::FormSubmit),
        2 => Just(WriteKind::ContactChange),
        1 => Just(WriteKind::Upload),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => write_kind().prop_map(Op::Write),
        2 => Just(Op::Offline),
        2 => Just(Op::Online),
        1 => Just(Op::LoseAnswers),
        3 => Just(Op::Sync),
        1 => Just(Op::PracticeEdit),
        1 => Just(Op::PracticeEditsContact),
        1 => Just(Op::Restart),
        1 => Just(Op::ExpireTokens),
    ]
}

struct World {
    server: TestServer,
    admin: AdminClient,
    proxy: Proxy,
    provider: String,
    /// A form the practice assigns to each case's patient.
    form_template: String,
    cases: u32,
}

fn app(
    world: &World,
    keys: &MemoryStore,
    data: &std::path::Path,
    clock: &ManualClock,
) -> PortalClient {
    let config = ClientConfig::new(&world.proxy.base_url(), &[], "patientportal")
        .unwrap()
        .with_data_dir(data)
        // The model decides when to pull.
        .with_background_sync(false)
        .with_sync_page_limit(3)
        // The idle lock is not under test here.
        .with_idle_timeout(std::time::Duration::from_secs(86_400))
        .unwrap();
    PortalClient::with_clock(config, Arc::new(keys.clone()), Arc::new(clock.clone())).unwrap()
}

/// A write the app made, and what it was.
struct Made {
    id: String,
    kind: WriteKind,
    /// The message's body, the upload's title, or the contact change's preferred name.
    text: String,
}

/// The record kinds the device's copy is compared on.
const COMPARED: [&str; 7] = [
    "appointment",
    "thread",
    "message",
    "form",
    "form_response",
    "document",
    "profile",
];

/// Runs one sequence and checks the end state.
async fn run_case(world: &mut World, ops: &[Op]) -> Result<(), TestCaseError> {
    world.cases += 1;
    let case = world.cases;
    world.proxy.set(Mode::Pass);
    let email = format!("patient{case}@example.com");
    let patient = world
        .admin
        .create_patient(json!({"first_name": "Case", "last_name": format!("{case}"),
            "email": email, "primary_provider_id": world.provider}))
        .await
        .patient_id;
    let invite = world.admin.resend_invite(&patient).await;
    let welcome = world
        .admin
        .post(
            "messages",
            json!({"patient_id": patient, "provider_id": world.provider,
                   "body": "Welcome", "subject": "Hello"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let thread = welcome["thread_id"].as_str().unwrap().to_owned();
    let first_message = welcome["message_id"].as_str().unwrap().to_owned();
    // Appointments by the server's clock, which the token expiries move on.
    let now = world.server.now().await;
    let appointment = |in_hours: i64| {
        json!({"patient_id": patient, "provider_id": world.provider,
               "starts_at": now + Duration::hours(in_hours),
               "duration_minutes": 30, "kind": "in_person"})
    };
    let created = |response: reqwest::Response| async move {
        assert_eq!(response.status().as_u16(), 201);
        response.json::<Value>().await.unwrap()
    };
    let soon =
        created(world.admin.post("appointments", appointment(1)).await).await["appointment_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let later = created(world.admin.post("appointments", appointment(24 * 7)).await).await
        ["appointment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = created(
        world
            .admin
            .post(
                &format!("forms/{}/assign", world.form_template),
                json!({"patient_id": patient}),
            )
            .await,
    )
    .await["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let keys = MemoryStore::default();
    let data = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let mut client = app(world, &keys, data.path(), &clock);
    client
        .auth()
        .accept_invite(&invite.token, PASSWORD, "model")
        .await
        .unwrap();
    client.sync().sync_now(|_| {}).await.unwrap();

    let mut made: Vec<Made> = Vec::new();
    for op in ops {
        match op {
            Op::Write(kind) => {
                let n = made.len();
                let outbox = client.outbox();
                let (item, text) = match kind {
                    WriteKind::Message => {
                        let body = format!("case {case} write {n}");
                        let to = MessageTo::Thread(thread.clone());
                        (outbox.send_message(&patient, to, &body).await, body)
                    }
                    WriteKind::MarkRead => (
                        outbox.mark_read(&patient, &thread, &first_message).await,
                        String::new(),
                    ),
                    WriteKind::CancelTooLate => (
                        outbox
                            .cancel_appointment(&patient, &soon, Some("Stuck at work"))
                            .await,
                        String::new(),
                    ),
                    WriteKind::CancelInTime => (
                        outbox.cancel_appointment(&patient, &later, None).await,
                        String::new(),
                    ),
                    WriteKind::Confirm => (
                        outbox.confirm_appointment(&patient, &later).await,
                        String::new(),
                    ),
                    WriteKind::FormDraft | WriteKind::FormSubmit => {
                        let answer = format!("case {case} answer {n}");
                        let answers: FormAnswers =
                            [("allergies".to_owned(), FormAnswer::Text(answer.clone()))]
                                .into_iter()
                                .collect();
                        let submit = *kind == WriteKind::FormSubmit;
                        (
                            outbox.answer_form(&patient, &form, &answers, submit).await,
                            answer,
                        )
                    }
                    WriteKind::ContactChange => {
                        let name = format!("Case {case}.{n}");
                        let change = ContactChange {
                            preferred_name: FieldChange::set(&name),
                            ..ContactChange::default()
                        };
                        (outbox.update_contact(&patient, &change).await, name)
                    }
                    WriteKind::Upload => {
                        let title = format!("case {case} upload {n}");
                        let bytes = format!("%PDF-1.4\n{title}").into_bytes();
                        let upload = client
                            .documents()
                            .upload(&patient, &title, None, "application/pdf", bytes)
                            .await;
                        (upload, title)
                    }
                };
                let item = item.unwrap();
                prop_assert_eq!(item.state, WriteState::Queued);
                made.push(Made {
                    id: item.id,
                    kind: *kind,
                    text,
                });
            }
            Op::Offline => world.proxy.set(Mode::Refuse),
            Op::Online => world.proxy.set(Mode::Pass),
            Op::LoseAnswers => world.proxy.set(Mode::DropAnswers),
            Op::Sync => {
                // Offline or with answers lost this fails; nothing may be lost by it.
                let _ = client.sync().sync_now(|_| {}).await;
                clock.advance(Duration::seconds(1));
            }
            Op::PracticeEdit => {
                let response = world
                    .admin
                    .post(
                        "appointments",
                        json!({"patient_id": patient, "provider_id": world.provider,
                               "starts_at": Utc::now() + Duration::days(7),
                               "duration_minutes": 30, "kind": "in_person"}),
                    )
                    .await;
                prop_assert_eq!(response.status().as_u16(), 201);
            }
            Op::PracticeEditsContact => {
                let response = world
                    .admin
                    .patch(
                        &format!("patients/{patient}"),
                        json!({"last_name": format!("Case {case} edited {}", made.len())}),
                    )
                    .await;
                prop_assert_eq!(response.status().as_u16(), 200);
            }
            Op::Restart => {
                drop(client);
                client = app(world, &keys, data.path(), &clock);
                let _ = client.auth().restore().await;
                // As an app that runs a moment: the server has its say on the session.
                client.auth().session_checked().await;
            }
            Op::ExpireTokens => {
                world.server.advance_clock(Duration::minutes(16)).await;
                clock.advance(Duration::minutes(16));
            }
        }
    }

    // The network is back for good; backoffs have run out.
    world.proxy.set(Mode::Pass);
    clock.advance(Duration::minutes(10));
    if client.auth().signed_in().is_none() {
        client.auth().restore().await.unwrap();
        client.auth().session_checked().await;
    }
    client.sync().sync_now(|_| {}).await.unwrap();
    client.sync().sync_now(|_| {}).await.unwrap();

    // Each write was applied (it left the outbox) or refused with a code its kind
    // allows (it stays, failed, with its reason); nothing else is left.
    let left = client.outbox().items().await.unwrap();
    for item in &left {
        prop_assert!(
            made.iter().any(|m| m.id == item.id),
            "an unknown write in the outbox: {:?}",
            item
        );
        prop_assert_eq!(item.state, WriteState::Failed, "{:?}", item);
    }
    let mut applied: Vec<&Made> = Vec::new();
    for write in &made {
        match left.iter().find(|item| item.id == write.id) {
            None => {
                prop_assert!(!write.kind.always_refused(), "{:?} was applied", write.kind);
                applied.push(write);
            }
            Some(item) => {
                let code = item.error.as_ref().map(|e| e.code.as_str()).unwrap_or("");
                prop_assert!(
                    write.kind.may_be_refused_with().contains(&code),
                    "{:?} refused with '{}'",
                    write.kind,
                    code
                );
            }
        }
    }

    // The server's view, in commit order, read with the device's own session.
    let token = {
        let entries = keys.0.lock().unwrap();
        let (_, tokens) = entries
            .iter()
            .find(|(key, _)| key.starts_with("session:"))
            .expect("the device keeps its session");
        serde_json::from_str::<Value>(tokens).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let feed = portal_e2e::feed::whole_feed(world.server.base_url(), &token).await;
    let latest = |kind: &str, id: &str| {
        feed.iter()
            .rev()
            .find(|c| c["kind"] == kind && c["id"] == id)
            .map(|c| c["data"].clone())
            .unwrap_or(Value::Null)
    };
    let applied_of = |kind: WriteKind| applied.iter().filter(move |m| m.kind == kind);

    // Messages: exactly once each, in the order written.
    let bodies: Vec<String> = feed
        .iter()
        .filter(|c| c["kind"] == "message" && c["data"]["sender"]["kind"] == "patient")
        .map(|c| c["data"]["body"].as_str().unwrap().to_owned())
        .collect();
    let written: Vec<String> = applied_of(WriteKind::Message)
        .map(|m| m.text.clone())
        .collect();
    prop_assert_eq!(&bodies, &written);
    // Uploads: each applied one is one document.
    for upload in applied_of(WriteKind::Upload) {
        let documents = feed
            .iter()
            .filter(|c| c["kind"] == "document" && c["data"]["title"] == upload.text.as_str())
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<std::collections::BTreeSet<_>>();
        prop_assert_eq!(
            documents.len(),
            1,
            "'{}' became {:?}",
            upload.text,
            documents
        );
    }
    // The later appointment: cancelled if a cancellation went through, else confirmed
    // if a confirmation did.
    let status = latest("appointment", &later)["status"].clone();
    let expected = if applied_of(WriteKind::CancelInTime).next().is_some() {
        "cancelled"
    } else if applied_of(WriteKind::Confirm).next().is_some() {
        "confirmed"
    } else {
        "scheduled"
    };
    prop_assert_eq!(status, expected);
    prop_assert_eq!(latest("appointment", &soon)["status"].clone(), "scheduled");
    // The form: submitted at most once, with that submission's answer.
    let submissions: Vec<&&Made> = applied_of(WriteKind::FormSubmit).collect();
    prop_assert!(
        submissions.len() <= 1,
        "submitted {} times",
        submissions.len()
    );
    let answers = feed
        .iter()
        .rev()
        .find(|c| c["kind"] == "form_response" && c["data"]["form_id"] == form.as_str())
        .map(|c| c["data"].clone());
    if let Some(submitted) = submissions.first() {
        let response = answers.unwrap_or(Value::Null);
        prop_assert_eq!(response["status"].clone(), "submitted");
        prop_assert_eq!(
            response["answers"]["allergies"].clone(),
            submitted.text.as_str()
        );
    }
    // Contact details: the last change that went through.
    if let Some(last) = applied_of(WriteKind::ContactChange).next_back() {
        prop_assert_eq!(
            latest("profile", &patient)["preferred_name"].clone(),
            last.text.as_str()
        );
    }

    // The device's copy equals the server's, for every kind compared.
    let server_revs: BTreeMap<(String, String), i64> = feed
        .iter()
        .filter(|c| c["op"] == "upsert" && COMPARED.contains(&c["kind"].as_str().unwrap()))
        .map(|c| {
            (
                (
                    c["kind"].as_str().unwrap().to_owned(),
                    c["id"].as_str().unwrap().to_owned(),
                ),
                c["rev"].as_i64().unwrap(),
            )
        })
        .collect();
    let deleted: std::collections::BTreeSet<(String, String)> = feed
        .iter()
        .filter(|c| c["op"] == "delete")
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut local_revs = BTreeMap::new();
    for kind in COMPARED.iter().filter(|k| **k != "message") {
        let page = client
            .records()
            .list(kind, &patient, ListOrder::OldestFirst, 500, None)
            .await
            .unwrap();
        for record in page.items {
            local_revs.insert((record.kind, record.id), record.rev);
        }
    }
    for record in client
        .records()
        .raw_messages(&thread, 500, None)
        .await
        .unwrap()
        .items
    {
        local_revs.insert((record.kind, record.id), record.rev);
    }
    let expected: BTreeMap<_, _> = server_revs
        .into_iter()
        .filter(|(key, _)| !deleted.contains(key))
        .collect();
    prop_assert_eq!(local_revs, expected);
    client.auth().logout().await.unwrap();
    Ok(())
}

#[test]
fn random_histories_lose_nothing_duplicate_nothing_and_converge() {
    let cases = std::env::var("PORTAL_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut world = runtime.block_on(async {
        // Sessions outlive the hours that token expiries move the server's clock by.
        let server = TestServer::setup()
            .admin_token(ADMIN)
            .session_idle_days(365)
            .setting("PORTAL_SESSION_MAX_DAYS", "730")
            .start();
        let admin = AdminClient::new(server.base_url(), ADMIN);
        let provider = admin
            .create_provider("Dr. Maya Okafor", "maya@clinic.example")
            .await;
        let form_template = admin
            .post(
                "forms",
                json!({"title": "Health history", "fields": [
                    {"id": "allergies", "label": "Allergies", "type": "text", "required": true}]}),
            )
            .await
            .json::<Value>()
            .await
            .unwrap()["form_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let proxy = Proxy::start(server.addr()).await;
        World {
            server,
            admin,
            proxy,
            provider,
            form_template,
            cases: 0,
        }
    });
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let world = std::cell::RefCell::new(&mut world);
    let result = runner.run(&proptest::collection::vec(op(), 1..12), |ops| {
        let mut world = world.borrow_mut();
        runtime.block_on(run_case(&mut world, &ops))
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}
