//! SIGKILL at random points while the app writes, sends and pulls, 200 times. After
//! each kill the database and the search file pass their integrity checks; at least a
//! quarter of the runs stored a write before their kill; in the end every write the app
//! had stored reached the server exactly once, and nothing reached it twice. Real server
//! over loopback HTTP, real SQLCipher files, real Secret Service, a real process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::{ClientConfig, KeyringStore, PortalClient};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use rand::Rng;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ADMIN: &str = "core-crash-admin-otjT2KAZjG3wWLRG7Uexi63ycSBRQFRv";
const PASSWORD: &str = "river otter paints blue";
const KEYCHAIN: &str = "org.patientportal.test.crash";

fn worker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_outbox_worker"))
}

fn runs() -> u32 {
    std::env::var("PORTAL_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_app_at_random_points_loses_and_duplicates_nothing() {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let base = server.base_url();
    let admin = AdminClient::new(base, ADMIN);
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let patient = admin
        .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "primary_provider_id": provider}))
        .await
        .patient_id;
    let invite = admin.resend_invite(&patient).await;
    let data = tempfile::tempdir().unwrap();
    let app = || {
        let config = ClientConfig::new(base, &[], "patientportal")
            .unwrap()
            .with_data_dir(data.path())
            // The workers and checks pull and send by hand.
            .with_background_sync(false);
        PortalClient::new(config, Arc::new(KeyringStore::new(KEYCHAIN))).unwrap()
    };
    app()
        .auth()
        .accept_invite(&invite.token, PASSWORD, "laptop")
        .await
        .unwrap();

    let stored = Arc::new(Mutex::new(BTreeSet::new()));
    let worker = worker();
    // A first run without a kill proves the app works and times it; kills then land
    // anywhere from start-up to the end of its work.
    let started = std::time::Instant::now();
    let clean = Command::new(&worker)
        .args([base, data.path().to_str().unwrap(), KEYCHAIN, "clean", "3"])
        .env("PORTAL_PROVIDER", &provider)
        .output()
        .unwrap();
    assert!(
        clean.status.success(),
        "the app failed: {}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let full_run = started.elapsed().as_millis() as u64;
    for line in String::from_utf8_lossy(&clean.stdout).lines() {
        if let Some(body) = line.strip_prefix("queued ") {
            stored.lock().unwrap().insert(body.to_owned());
        }
    }
    let mut completed = 0;
    // Runs that stored at least one write before the kill: a run killed during its
    // start-up tests nothing, so too few of these would make the test pass idle.
    let mut worked = 0u32;
    for run in 0..runs() {
        let mut child = Command::new(&worker)
            .args([
                base,
                data.path().to_str().unwrap(),
                KEYCHAIN,
                &run.to_string(),
                "3",
            ])
            .env("PORTAL_PROVIDER", &provider)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let seen = Arc::clone(&stored);
        let reader = std::thread::spawn(move || {
            let mut done = false;
            let mut queued = 0u32;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(body) = line.strip_prefix("queued ") {
                    seen.lock().unwrap().insert(body.to_owned());
                    queued += 1;
                }
                done |= line == "done";
            }
            (done, queued)
        });
        let delay = rand::rng().random_range(0..=full_run);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        // SIGKILL: no destructor, no flush, no goodbye.
        let _ = child.kill();
        child.wait().unwrap();
        let (done, queued) = reader.join().unwrap();
        if done {
            completed += 1;
        }
        if queued > 0 {
            worked += 1;
        }
        let check = app();
        check.auth().restore().await.unwrap();
        check.auth().session_checked().await;
        // Both files: the records database and the search index beside it.
        assert_eq!(
            check.records().check_store().await.unwrap(),
            "ok",
            "the files are damaged after the kill in run {run}"
        );
    }

    // A clean run delivers whatever was still waiting.
    let last = app();
    last.auth().restore().await.unwrap();
    last.auth().session_checked().await;
    last.sync().sync_now(|_| {}).await.unwrap();
    assert!(last.outbox().items().await.unwrap().is_empty());

    // The server's view: every stored write exactly once, nothing twice.
    let login: Value = reqwest::Client::new()
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": "jordan@example.com", "password": PASSWORD, "device_name": "check"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let mut on_server: BTreeMap<String, u32> = BTreeMap::new();
    for change in portal_e2e::feed::whole_feed(base, token).await {
        if change["kind"] == "message" {
            let body = change["data"]["body"].as_str().unwrap().to_owned();
            *on_server.entry(body).or_default() += 1;
        }
    }
    let stored = stored.lock().unwrap().clone();
    for body in &stored {
        assert_eq!(on_server.get(body), Some(&1), "'{body}' lost or doubled");
    }
    for (body, count) in &on_server {
        assert_eq!(*count, 1, "'{body}' reached the server {count} times");
    }
    eprintln!(
        "{} runs of up to {full_run} ms ({worked} stored writes before the kill, {completed} finished): {} writes stored, {} on the server",
        runs(),
        stored.len(),
        on_server.len()
    );
    assert!(!stored.is_empty());
    assert!(
        worked * 4 >= runs(),
        "only {worked} of {} runs stored a write before the kill: the kills land too early to test anything",
        runs()
    );
    last.auth().logout().await.unwrap();
}
