//! Sessions on a device: sign in, pick up the session after a restart, sign out, the
//! server ending a session, offline start-up, and a guardian claiming a second child.
//! Real server over loopback HTTP; real Secret Service (run under scripts/in-session.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::{ClientConfig, CoreError, KeyringStore, PortalClient, Restored, SessionCheck};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_model::ErrorCode;
use serde_json::json;
use std::sync::Arc;

const ADMIN: &str = "core-session-admin-MvSXccYE5Vdl-ypQrx5eFgAP7C-vnCcn";
const PASSWORD: &str = "river otter paints blue";

async fn practice() -> (TestServer, AdminClient) {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    (server, admin)
}

/// A client as the app makes it at start-up: a fresh object over the same keychain.
fn app(base_url: &str, keychain: &str) -> PortalClient {
    let config = ClientConfig::new(base_url, &[], "patientportal").unwrap();
    PortalClient::new(config, Arc::new(KeyringStore::new(keychain))).unwrap()
}

/// A practice with Jordan signed in through an invite on a device whose keychain
/// entries are filed under `keychain`.
struct Device {
    server: TestServer,
    admin: AdminClient,
    base: String,
    client: PortalClient,
    signed_in: portal_core::SignedIn,
}

async fn signed_in_device(keychain: &str) -> Device {
    let (server, admin) = practice().await;
    let base = server.base_url().to_owned();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(&base, keychain);
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    Device {
        server,
        admin,
        base,
        client,
        signed_in,
    }
}

async fn me_status(base: &str, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/v1/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_restart_picks_up_the_session_and_sign_out_ends_it_everywhere() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.restart";
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let first = app(base, keychain);
    let signed_in = first
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();

    let restarted = app(base, keychain);
    assert_eq!(restarted.auth().signed_in(), None);
    assert_eq!(
        restarted.auth().restore().await.unwrap(),
        Restored::Cached(signed_in.clone())
    );
    // In use at once, before the server answers; then the server confirms it.
    assert_eq!(restarted.auth().signed_in(), Some(signed_in.clone()));
    assert_eq!(
        restarted.auth().session_checked().await,
        SessionCheck::Confirmed(signed_in.clone())
    );
    assert_eq!(restarted.auth().signed_in(), Some(signed_in.clone()));

    restarted.auth().logout().await.unwrap();
    assert!(
        !restarted
            .auth()
            .has_stored_session(&signed_in.account.id)
            .await
            .unwrap()
    );
    assert_eq!(
        app(base, keychain).auth().restore().await.unwrap(),
        Restored::Nobody
    );

    // Signing in again works, and a wrong password is the server's typed refusal.
    match restarted
        .auth()
        .login("jordan@example.com", "not my password", "laptop")
        .await
    {
        Err(CoreError::Server { code, .. }) => assert_eq!(code, ErrorCode::InvalidCredentials),
        other => panic!("expected invalid_credentials, got {other:?}"),
    }
    let again = restarted
        .auth()
        .login(" Jordan@Example.com ", PASSWORD, "laptop")
        .await
        .unwrap();
    assert_eq!(again.account.id, signed_in.account.id);
    let again = app(base, keychain);
    assert!(matches!(
        again.auth().restore().await.unwrap(),
        Restored::Cached(_)
    ));
    assert!(matches!(
        again.auth().session_checked().await,
        SessionCheck::Confirmed(_)
    ));
    again.auth().logout().await.unwrap();
}

#[tokio::test]
async fn sign_out_revokes_the_session_on_the_server() {
    let keychain = "org.patientportal.test.revoke";
    let Device {
        server: _server,
        base,
        client,
        signed_in,
        ..
    } = signed_in_device(keychain).await;
    let key = client.auth().session_key(&signed_in.account.id);
    let stored = portal_core::SecretStore::get(&KeyringStore::new(keychain), &key)
        .unwrap()
        .unwrap();
    let tokens: serde_json::Value = serde_json::from_str(&stored).unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me_status(&base, &access).await, 200);
    client.auth().logout().await.unwrap();
    assert_eq!(me_status(&base, &access).await, 401);
}

#[tokio::test]
async fn signing_out_at_the_lock_screen_ends_the_session_on_the_server() {
    let keychain = "org.patientportal.test.late-sign-out";
    let Device {
        server,
        base,
        client,
        signed_in,
        ..
    } = signed_in_device(keychain).await;
    let key = client.auth().session_key(&signed_in.account.id);
    let stored = portal_core::SecretStore::get(&KeyringStore::new(keychain), &key)
        .unwrap()
        .unwrap();
    let tokens: serde_json::Value = serde_json::from_str(&stored).unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    // The access token has run out (it lives as long as the idle lock), and the app
    // locked: signing out from there must still end the session on the server.
    server.advance_clock(chrono::Duration::minutes(16)).await;
    client.idle_lock().lock_now();
    client.auth().logout().await.unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{base}/v1/auth/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 401);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["code"], "session_revoked", "{body}");
}

#[tokio::test]
async fn signing_out_offline_ends_the_server_session_once_the_server_is_reachable() {
    let keychain = "org.patientportal.test.offline-sign-out";
    let (server, admin) = practice().await;
    let proxy = portal_e2e::proxy::Proxy::start(server.addr()).await;
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(&proxy.base_url(), keychain);
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let store = KeyringStore::new(keychain);
    let key = client.auth().session_key(&signed_in.account.id);
    let stored = portal_core::SecretStore::get(&store, &key)
        .unwrap()
        .unwrap();
    let tokens: serde_json::Value = serde_json::from_str(&stored).unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    // Offline: the device forgets the session at once, the server cannot hear of it.
    proxy.set(portal_e2e::proxy::Mode::Refuse);
    client.auth().logout().await.unwrap();
    assert!(
        !client
            .auth()
            .has_stored_session(&signed_in.account.id)
            .await
            .unwrap()
    );
    assert_eq!(me_status(server.base_url(), &access).await, 200);

    // The next start with the network ends it on the server, in the background.
    proxy.set(portal_e2e::proxy::Mode::Pass);
    let restarted = app(&proxy.base_url(), keychain);
    assert_eq!(restarted.auth().restore().await.unwrap(), Restored::Nobody);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while me_status(server.base_url(), &access).await != 401 {
        assert!(
            std::time::Instant::now() < deadline,
            "the session signed out offline is still alive on the server"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Nothing is kept once the server confirmed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while restarted.auth().pending_signouts().await.unwrap() != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the sign-out is still kept"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_session_ended_by_a_password_reset_asks_to_sign_in_again() {
    let keychain = "org.patientportal.test.ended";
    let Device {
        server: _server,
        admin,
        base,
        client: _client,
        signed_in,
    } = signed_in_device(keychain).await;

    // The password is reset elsewhere: every session ends.
    let http = reqwest::Client::new();
    http.post(format!("{base}/v1/auth/password-reset"))
        .json(&json!({"email": "jordan@example.com"}))
        .send()
        .await
        .unwrap();
    let link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let token = link.rsplit_once("/reset/").unwrap().1.to_owned();
    let done = http
        .post(format!("{base}/v1/auth/password-reset/{token}"))
        .json(&json!({"password": "seven quiet harbour lamps"}))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 204);

    let restarted = app(&base, keychain);
    assert_eq!(
        restarted.auth().restore().await.unwrap(),
        Restored::Cached(signed_in.clone())
    );
    assert_eq!(
        restarted.auth().session_checked().await,
        SessionCheck::Ended {
            account_id: signed_in.account.id.clone(),
            email: "jordan@example.com".into(),
            code: ErrorCode::SessionRevoked
        }
    );
    assert_eq!(restarted.auth().signed_in(), None);
    assert!(
        !restarted
            .auth()
            .has_stored_session(&signed_in.account.id)
            .await
            .unwrap()
    );
    assert_eq!(
        app(&base, keychain).auth().restore().await.unwrap(),
        Restored::Nobody
    );
}

#[tokio::test]
async fn offline_start_up_shows_the_cached_account() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.offline";
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let signed_in = app(base, keychain)
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    server.stop();
    let offline = app(base, keychain);
    assert_eq!(
        offline.auth().restore().await.unwrap(),
        Restored::Cached(signed_in.clone())
    );
    match offline.auth().session_checked().await {
        SessionCheck::Unreachable { account_id, .. } => {
            assert_eq!(account_id, signed_in.account.id);
        }
        other => panic!("expected the server to be out of reach, got {other:?}"),
    }
    assert_eq!(offline.auth().signed_in(), Some(signed_in.clone()));
    // Signing out offline still removes everything from this device.
    offline.auth().logout().await.unwrap();
    assert!(
        !offline
            .auth()
            .has_stored_session(&signed_in.account.id)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_guardian_claims_a_second_child_into_the_account() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.claim";
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let child = |name: &str| {
        json!({"first_name": name, "last_name": "Rivera", "primary_provider_id": provider,
               "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}})
    };
    let mia = admin.create_patient(child("Mia")).await;
    let first = admin.resend_invite(&mia.patient_id).await;
    let client = app(base, keychain);
    client
        .auth()
        .accept_invite(&first.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let leo = admin.create_patient(child("Leo")).await;
    let second = admin.resend_invite(&leo.patient_id).await;

    let after = client.auth().claim_invite(&second.token).await.unwrap();
    let names: Vec<&str> = after
        .profiles
        .iter()
        .map(|p| p.first_name.as_str())
        .collect();
    assert_eq!(names, ["Leo", "Mia"]);
    // The cached account knows both children after a restart.
    let restarted = app(base, keychain);
    match restarted.auth().restore().await.unwrap() {
        Restored::Cached(s) => assert_eq!(s.profiles.len(), 2),
        other => panic!("expected a restored session, got {other:?}"),
    }
    assert!(matches!(
        restarted.auth().session_checked().await,
        SessionCheck::Confirmed(_)
    ));
    restarted.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_forgotten_password_is_reset_from_the_emailed_link() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.reset";
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(base, keychain);
    client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();

    client
        .auth()
        .request_password_reset("Jordan@Example.com")
        .await
        .unwrap();
    let link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let parsed = client.parse_link(&link).unwrap();
    assert_eq!(parsed.kind, portal_core::LinkKind::Reset);
    assert_eq!(
        client.auth().inspect_reset(&parsed.token).await.unwrap(),
        portal_core::ResetState::Valid {
            email_hint: "j•••@example.com".into()
        }
    );
    match client
        .auth()
        .complete_password_reset(&parsed.token, "short")
        .await
    {
        Err(CoreError::WeakPassword(_)) => {}
        other => panic!("expected a local refusal, got {other:?}"),
    }
    client
        .auth()
        .complete_password_reset(&parsed.token, "seven quiet harbour lamps")
        .await
        .unwrap();
    assert_eq!(
        client.auth().signed_in(),
        None,
        "the reset ended this device's session"
    );
    assert_eq!(
        client.auth().inspect_reset(&parsed.token).await.unwrap(),
        portal_core::ResetState::Used
    );
    client
        .auth()
        .login("jordan@example.com", "seven quiet harbour lamps", "laptop")
        .await
        .unwrap();
    // An unknown address gets the same quiet answer.
    client
        .auth()
        .request_password_reset("nobody@example.com")
        .await
        .unwrap();
    client.auth().logout().await.unwrap();
}
