//! At `trace` level for every crate (core, reqwest, hyper, rustls, the server), no
//! token, password or link secret reaches either log while a person accepts an invite,
//! syncs, writes, downloads and uploads documents (each with its access token gone
//! stale, so that each kind of traffic rotates the session once), restarts, resets the
//! password and signs out. Every token the run issued is looked for: each session's
//! access and refresh tokens as the keychain received them, and the admin token. A
//! positive control shows that they were in fact sent: a proxy records what crossed
//! it. (Its own test binary: it installs the process's global log subscriber.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::Duration;
use portal_core::{ClientConfig, KeyringStore, MessageTo, PortalClient, SecretError, SecretStore};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_e2e::proxy::Proxy;
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};

const ADMIN: &str = "log-admin-7c1e0-k-Yir8tzoTWNP73lM7clp30yds4VRg3g";

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The real keychain, noting each session's tokens as they are written to it.
#[derive(Clone)]
struct Noting {
    keychain: KeyringStore,
    /// (access token, refresh token) of each pair, in the order they were kept.
    pairs: Arc<Mutex<Vec<(String, String)>>>,
}

impl SecretStore for Noting {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        self.keychain.get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
        if key.starts_with("session:") {
            let tokens: Value = serde_json::from_str(value).unwrap();
            self.pairs.lock().unwrap().push((
                tokens["access_token"].as_str().unwrap().to_owned(),
                tokens["refresh_token"].as_str().unwrap().to_owned(),
            ));
        }
        self.keychain.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.keychain.delete(key)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_trace_logs() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .init();

    // Access tokens last a minute: moving the server's clock two minutes on makes the
    // next call of each kind refresh the session.
    let server = TestServer::setup()
        .admin_token(ADMIN)
        .access_token_seconds(60)
        .rust_log("trace")
        .start();
    let proxy = Proxy::start(server.addr()).await;
    proxy.record_requests();
    let base = proxy.base_url();
    let admin = AdminClient::new(&base, ADMIN);
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let document = admin
        .share_document(&invited.patient_id, "Lab results", b"%PDF-1.4\nresults")
        .await;
    let keychain = Noting {
        keychain: KeyringStore::new("org.patientportal.test.logs"),
        pairs: Arc::default(),
    };
    let data = tempfile::tempdir().unwrap();
    let make = || {
        // The emailed links name the server itself; the client reaches it through
        // the proxy.
        let config = ClientConfig::new(&base, &[server.base_url()], "patientportal")
            .unwrap()
            .with_data_dir(data.path())
            // Each kind of traffic is started by hand, one at a time.
            .with_background_sync(false);
        PortalClient::new(config, Arc::new(keychain.clone())).unwrap()
    };
    let stale = || async { server.advance_clock(Duration::minutes(2)).await };
    let password = "canary passphrase one two";
    let new_password = "canary passphrase three four";
    let patient = invited.patient_id.as_str();

    let client = make();
    let link = client.parse_link(&invited.link).unwrap();
    client.auth().inspect_invite(&link.token).await.unwrap();
    client
        .auth()
        .accept_invite(&link.token, password, "laptop")
        .await
        .unwrap();
    client.sync().sync_now(|_| {}).await.unwrap();
    let provider = client
        .records()
        .profile(patient)
        .await
        .unwrap()
        .unwrap()
        .primary_provider_id;
    // Sync, outbox, document and upload traffic, each with a stale access token.
    stale().await;
    client.sync().sync_now(|_| {}).await.unwrap();
    stale().await;
    client
        .outbox()
        .send_message(
            patient,
            MessageTo::NewThread {
                provider_id: provider.clone(),
                subject: "Question".to_owned(),
            },
            "Is the clinic open on Saturday?",
        )
        .await
        .unwrap();
    let flushed = client.outbox().flush().await.unwrap();
    assert_eq!(flushed.sent, 1, "{flushed:?}");
    stale().await;
    client
        .documents()
        .download(&document, |_| {})
        .await
        .unwrap();
    stale().await;
    client
        .documents()
        .upload(
            patient,
            "Insurance card",
            None,
            "application/pdf",
            b"%PDF-1.4\ncard".to_vec(),
        )
        .await
        .unwrap();
    let flushed = client.outbox().flush().await.unwrap();
    assert_eq!(flushed.sent, 1, "{flushed:?}");
    drop(client);

    // A restart with a stale token: the session check refreshes it.
    stale().await;
    let restarted = make();
    restarted.auth().restore().await.unwrap();
    assert!(matches!(
        restarted.auth().session_checked().await,
        portal_core::SessionCheck::Confirmed(_)
    ));
    restarted
        .auth()
        .request_password_reset("jordan@example.com")
        .await
        .unwrap();
    let reset_link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let reset = restarted.parse_link(&reset_link).unwrap();
    restarted.auth().inspect_reset(&reset.token).await.unwrap();
    restarted
        .auth()
        .complete_password_reset(&reset.token, new_password)
        .await
        .unwrap();
    restarted
        .auth()
        .login("jordan@example.com", new_password, "laptop")
        .await
        .unwrap();
    // The new session's access token goes out with a pull; signing out sends its
    // refresh token.
    restarted.sync().sync_now(|_| {}).await.unwrap();
    restarted.auth().logout().await.unwrap();

    let pairs = keychain.pairs.lock().unwrap().clone();
    // The accept session, a rotation per kind of traffic and the restart's, then the
    // sign-in after the reset.
    assert!(
        pairs.len() >= 7,
        "only {} token pairs were issued",
        pairs.len()
    );
    let mut secrets: Vec<&str> = vec![
        link.token.as_str(),
        reset.token.as_str(),
        password,
        new_password,
        ADMIN,
    ];
    for (access, refresh) in &pairs {
        secrets.push(access);
        secrets.push(refresh);
    }

    // The positive control: what the log check looks for really went over the wire.
    // Every secret but the accept session's newest refresh token (never needed before
    // the reset ended that session) was sent; the list below allows for each session's
    // newest one.
    let unsent: Vec<&&str> = secrets
        .iter()
        .filter(|secret| !proxy.requests_contain(secret))
        .collect();
    let newest_refreshes = [
        // The accept session ended with the reset; the last sign-in with the sign-out.
        pairs
            .iter()
            .rev()
            .skip(1)
            .map(|(_, refresh)| refresh.as_str())
            .next(),
        pairs.last().map(|(_, refresh)| refresh.as_str()),
    ];
    assert!(
        unsent.len() <= 2
            && unsent
                .iter()
                .all(|secret| newest_refreshes.contains(&Some(**secret))),
        "{} of {} secrets never crossed the proxy, not only the sessions' last refresh tokens",
        unsent.len(),
        secrets.len()
    );

    let client_log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The server's own log, at trace level, as its process wrote it.
    let server_log = server.log();
    for (whose, log) in [("the client's", &client_log), ("the server's", &server_log)] {
        assert!(
            log.len() > 1000,
            "{whose} log is suspiciously short: the test would prove nothing"
        );
        for (n, secret) in secrets.iter().enumerate() {
            assert!(
                !log.contains(secret),
                "secret number {n} (of {}) reached {whose} trace log",
                secrets.len()
            );
        }
    }
}
