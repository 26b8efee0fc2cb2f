//! At `trace` level for every crate (core, reqwest, hyper, rustls, the server), no
//! token, password or reset link reaches the log while a person accepts an invite,
//! signs in, restarts, resets the password and signs out. (Its own test binary: it
//! installs the process's global log subscriber.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::{ClientConfig, KeyringStore, PortalClient};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use std::io::Write;
use std::sync::{Arc, Mutex};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_trace_logs() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .init();

    let server = TestServer::setup()
        .admin_token("log-admin")
        .rust_log("trace")
        .start();
    let admin = AdminClient::new(server.base_url(), "log-admin");
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let keychain = "org.patientportal.test.logs";
    let make = || {
        let config = ClientConfig::new(server.base_url(), &[], "patientportal").unwrap();
        PortalClient::new(config, Arc::new(KeyringStore::new(keychain))).unwrap()
    };
    let password = "canary passphrase one two";
    let new_password = "canary passphrase three four";
    let client = make();
    let link = client.parse_link(&invited.link).unwrap();
    client.auth().inspect_invite(&link.token).await.unwrap();
    client
        .auth()
        .accept_invite(&link.token, password, "laptop")
        .await
        .unwrap();
    let restarted = make();
    restarted.auth().restore().await.unwrap();
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
    let account = restarted.auth().signed_in().unwrap().account.id;
    let stored = portal_core::SecretStore::get(
        &KeyringStore::new(keychain),
        &restarted.auth().session_key(&account),
    )
    .unwrap()
    .unwrap();
    let tokens: serde_json::Value = serde_json::from_str(&stored).unwrap();
    restarted.auth().logout().await.unwrap();

    let client_log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The server's own log, at trace level, as its process wrote it.
    let server_log = server.log();
    for (whose, log) in [("the client's", &client_log), ("the server's", &server_log)] {
        assert!(
            log.len() > 1000,
            "{whose} log is suspiciously short: the test would prove nothing"
        );
        for secret in [
            link.token.as_str(),
            reset.token.as_str(),
            password,
            new_password,
            tokens["access_token"].as_str().unwrap(),
            tokens["refresh_token"].as_str().unwrap(),
            "log-admin",
        ] {
            assert!(!log.contains(secret), "a secret reached {whose} trace log");
        }
    }
}
