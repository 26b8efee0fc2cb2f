//! A property test over random sequences of what happens to a patient's app: writes
//! made online and offline, the network going and coming back, answers lost after the
//! server committed, syncs, edits by the practice, restarts, and access tokens expiring.
//! After each sequence the network comes back and the app syncs; then every write is
//! on the server exactly once and in the order it was made, nothing is left in the
//! outbox, and the device's copy equals the server's.
//!
//! 1,000 cases by default (`PORTAL_MODEL_CASES` for longer runs, such as 5,000). Real
//! server over loopback HTTP, real SQLCipher files; secrets in a store in memory (the
//! keychain itself is tested in the session tests).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_core::{
    ClientConfig, ListOrder, ManualClock, MessageTo, PortalClient, SecretError, SecretStore,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_e2e::proxy::{Mode, Proxy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

const ADMIN: &str = "core-model-admin";
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
    Write,
    Offline,
    Online,
    LoseAnswers,
    Sync,
    PracticeEdit,
    Restart,
    ExpireTokens,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Write),
        2 => Just(Op::Offline),
        2 => Just(Op::Online),
        1 => Just(Op::LoseAnswers),
        3 => Just(Op::Sync),
        1 => Just(Op::PracticeEdit),
        1 => Just(Op::Restart),
        1 => Just(Op::ExpireTokens),
    ]
}

struct World {
    server: TestServer,
    admin: AdminClient,
    proxy: Proxy,
    provider: String,
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
    let thread = world
        .admin
        .post(
            "messages",
            json!({"patient_id": patient, "provider_id": world.provider,
                   "body": "Welcome", "subject": "Hello"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["thread_id"]
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

    let mut written = Vec::new();
    for op in ops {
        match op {
            Op::Write => {
                let body = format!("case {case} write {}", written.len());
                client
                    .outbox()
                    .send_message(&patient, MessageTo::Thread(thread.clone()), &body)
                    .await
                    .unwrap();
                written.push(body);
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
    prop_assert!(client.outbox().items().await.unwrap().is_empty());

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
    let mut feed: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor
            .as_deref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page: Value = reqwest::Client::new()
            .get(format!(
                "{}/v1/sync?limit=1000{query}",
                world.server.base_url()
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        feed.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_str().map(str::to_owned);
        if page["has_more"] != true {
            break;
        }
    }
    let bodies: Vec<String> = feed
        .iter()
        .filter(|c| c["kind"] == "message" && c["data"]["sender"]["kind"] == "patient")
        .map(|c| c["data"]["body"].as_str().unwrap().to_owned())
        .collect();
    // Exactly once each, in the order written.
    prop_assert_eq!(&bodies, &written);

    // The device's copy equals the server's.
    let server_revs: BTreeMap<(String, String), i64> = feed
        .iter()
        .filter(|c| c["op"] == "upsert")
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
    let mut local_revs = BTreeMap::new();
    for kind in ["appointment", "thread"] {
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
        .filter(|((kind, _), _)| matches!(kind.as_str(), "appointment" | "thread" | "message"))
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
        .unwrap_or(1000);
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
        let proxy = Proxy::start(server.addr()).await;
        World {
            server,
            admin,
            proxy,
            provider,
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
