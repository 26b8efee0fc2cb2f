//! A cold start answers from the keychain and the offline copy at once, and the server
//! has its say in the background: against the real server binary over loopback HTTP,
//! through a proxy that plays a dead network (a black hole: connections are taken and
//! never answered), with sessions in the real Secret Service (run under
//! scripts/in-session.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_core::{
    ClientConfig, CoreError, FlowNotice, FlowState, KeyringStore, PortalClient, SessionCheck, When,
};
use portal_e2e::TestServer;
use portal_e2e::proxy::{Mode, Proxy};
use portal_model::ErrorCode;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::watch;

const ADMIN: &str = "core-cold-start-admin-U1OHibOauWglg2aGXEkdMsv5EXa59Bcp";
const PASSWORD: &str = "river otter paints blue";
const NEW_PASSWORD: &str = "seven quiet harbour lamps";
/// Each try in the black hole gives up after this: long enough that nothing the test
/// reads locally could wait for it, short enough for a quick test.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The app as a host makes it: its server through the proxy, its files in `data`.
fn app(base: &str, keychain: &str, data: &Path) -> PortalClient {
    let config = ClientConfig::new(base, &[], "patientportal")
        .unwrap()
        .with_data_dir(data)
        .with_device_name("cold start test")
        .with_request_timeout(REQUEST_TIMEOUT)
        .unwrap();
    PortalClient::new(config, Arc::new(KeyringStore::new(keychain))).unwrap()
}

/// Waits (up to a minute) for a flow state that `wanted` accepts.
async fn flow_reaches(
    states: &mut watch::Receiver<FlowState>,
    what: &str,
    wanted: impl Fn(&FlowState) -> bool,
) -> FlowState {
    let found = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        states.wait_for(|state| wanted(state)),
    )
    .await
    .map(|state| state.unwrap().clone());
    match found {
        Ok(state) => state,
        Err(_) => panic!("the flow never showed {what}: {:?}", states.borrow()),
    }
}

#[tokio::test]
async fn a_cold_start_shows_the_cache_at_once_and_a_reset_elsewhere_ends_it_once_online() {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let proxy = Proxy::start(server.addr()).await;
    let base = proxy.base_url();
    let admin = server.admin();
    let keychain = "org.patientportal.test.cold-start";
    let data = tempfile::tempdir().unwrap();

    // Jordan signs in, has an appointment, and the device syncs it.
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let provider = admin.create_provider("Dr. Lee", "lee@clinic.example").await;
    let first = app(&base, keychain, data.path());
    let signed_in = first
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let patient = invited.patient_id.clone();
    let created = admin
        .post(
            "appointments",
            json!({"patient_id": patient, "provider_id": provider,
                   "starts_at": Utc::now() + Duration::days(3),
                   "duration_minutes": 30, "kind": "in_person", "location": "Room 4"}),
        )
        .await;
    assert_eq!(created.status().as_u16(), 201);
    first.sync().sync_now(|_| {}).await.unwrap();
    let synced = first
        .records()
        .appointments(&patient, When::Upcoming, 50, None)
        .await
        .unwrap();
    assert_eq!(synced.items.len(), 1);
    drop(first);

    // Staff reset the password through the admin API and Jordan completes it on another
    // device: every session ends on the server. This device does not know yet.
    let sent = admin
        .post(&format!("patients/{patient}/password-reset"), json!({}))
        .await;
    assert_eq!(sent.status().as_u16(), 202);
    let link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let token = link.rsplit_once("/reset/").unwrap().1.to_owned();
    let done = reqwest::Client::new()
        .post(format!(
            "{}/v1/auth/password-reset/{token}",
            server.base_url()
        ))
        .json(&json!({"password": NEW_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 204);

    // The network is a black hole. The app starts: signed in from what the device
    // keeps, with the cached appointment, while the server's answer cannot have come.
    proxy.set(Mode::BlackHole);
    let restarted = app(&base, keychain, data.path());
    let flow = restarted.flow();
    let mut states = flow.subscribe();
    match flow.start().await {
        FlowState::SignedIn {
            signed_in: shown,
            offline: false,
            notice: None,
            ..
        } => assert_eq!(shown, signed_in),
        other => panic!("expected the cached session at once, got {other:?}"),
    }
    let cached = restarted
        .records()
        .appointments(&patient, When::Upcoming, 50, None)
        .await
        .unwrap();
    assert_eq!(cached.items, synced.items);
    let mut watch = restarted
        .records()
        .watch_appointments(&patient, When::Upcoming, 50)
        .await
        .unwrap();
    assert_eq!(watch.latest().items, synced.items);
    assert_eq!(
        restarted.auth().session_check(),
        SessionCheck::Checking {
            account_id: signed_in.account.id.clone()
        },
        "the check cannot have an answer from a black hole yet"
    );

    // The first try times out: the flow marks the session offline and keeps the data.
    flow_reaches(&mut states, "the offline mark", |state| {
        matches!(state, FlowState::SignedIn { offline: true, .. })
    })
    .await;
    assert!(matches!(
        restarted.auth().session_check(),
        SessionCheck::Unreachable { .. }
    ));
    assert_eq!(
        restarted
            .records()
            .appointments(&patient, When::Upcoming, 50, None)
            .await
            .unwrap()
            .items,
        synced.items
    );

    // The network heals: the check asks again and hears that the session ended. The
    // store closes, the watch ends, and the flow asks Jordan to sign in.
    proxy.set(Mode::Pass);
    restarted.sync().network_changed();
    let ended = flow_reaches(&mut states, "the sign-in screen", |state| {
        matches!(state, FlowState::SignIn { .. })
    })
    .await;
    assert_eq!(
        ended,
        FlowState::SignIn {
            notice: Some(FlowNotice::SessionEnded),
            email: Some("jordan@example.com".into()),
            claim_for: None,
        }
    );
    assert_eq!(
        restarted.auth().session_check(),
        SessionCheck::Ended {
            account_id: signed_in.account.id.clone(),
            email: "jordan@example.com".into(),
            code: ErrorCode::SessionRevoked,
        }
    );
    let after = tokio::time::timeout(std::time::Duration::from_secs(10), watch.next())
        .await
        .expect("the watch did not end with the session");
    assert_eq!(after, None);
    assert!(matches!(
        restarted
            .records()
            .appointments(&patient, When::Upcoming, 50, None)
            .await,
        Err(CoreError::NotSignedIn)
    ));
    assert!(
        !restarted
            .auth()
            .has_stored_session(&signed_in.account.id)
            .await
            .unwrap()
    );

    // The offline copy was kept: with the new password, the appointment is there before
    // any sync.
    match flow.sign_in("jordan@example.com", NEW_PASSWORD).await {
        FlowState::SignedIn { .. } => {}
        other => panic!("expected to be signed in again, got {other:?}"),
    }
    assert_eq!(restarted.auth().session_check(), SessionCheck::NotNeeded);
    assert_eq!(
        restarted
            .records()
            .appointments(&patient, When::Upcoming, 50, None)
            .await
            .unwrap()
            .items,
        synced.items
    );
    restarted.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_cold_start_confirmed_by_the_server_brings_the_profiles_added_elsewhere() {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let admin = server.admin();
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let child = |name: &str| {
        json!({"first_name": name, "last_name": "Rivera", "primary_provider_id": provider,
               "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}})
    };
    let laptop_keys = "org.patientportal.test.cold-start-laptop";
    let phone_keys = "org.patientportal.test.cold-start-phone";
    let laptop_data = tempfile::tempdir().unwrap();
    let phone_data = tempfile::tempdir().unwrap();

    // Alex signs in on the laptop as Mia's guardian, and closes the app.
    let mia = admin.create_patient(child("Mia")).await;
    let invite = admin.resend_invite(&mia.patient_id).await;
    let laptop = app(server.base_url(), laptop_keys, laptop_data.path());
    let signed_in = laptop
        .auth()
        .accept_invite(&invite.token, PASSWORD, "laptop")
        .await
        .unwrap();
    assert_eq!(signed_in.profiles.len(), 1);
    drop(laptop);

    // On the phone, Alex adds Leo to the account.
    let leo = admin.create_patient(child("Leo")).await;
    let second = admin.resend_invite(&leo.patient_id).await;
    let phone = app(server.base_url(), phone_keys, phone_data.path());
    phone
        .auth()
        .login("alex@example.com", PASSWORD, "phone")
        .await
        .unwrap();
    let on_phone = phone.auth().claim_invite(&second.token).await.unwrap();
    assert_eq!(on_phone.profiles.len(), 2);

    // The laptop starts with what it kept (Mia alone), then shows what the server
    // confirmed (Leo too), keeping Mia as the profile in use.
    let restarted = app(server.base_url(), laptop_keys, laptop_data.path());
    let flow = restarted.flow();
    let mut states = flow.subscribe();
    match flow.start().await {
        FlowState::SignedIn {
            signed_in: shown, ..
        } => assert_eq!(shown, signed_in),
        other => panic!("expected the cached session, got {other:?}"),
    }
    match restarted.auth().session_checked().await {
        SessionCheck::Confirmed(fresh) => {
            assert_eq!(fresh.profiles.len(), 2);
            assert_eq!(
                fresh.current_profile_id.as_deref(),
                Some(mia.patient_id.as_str())
            );
        }
        other => panic!("expected the server to confirm, got {other:?}"),
    }
    let shown = flow_reaches(&mut states, "both children", |state| {
        matches!(state, FlowState::SignedIn { signed_in, .. } if signed_in.profiles.len() == 2)
    })
    .await;
    assert!(matches!(shown, FlowState::SignedIn { offline: false, .. }));
    assert_eq!(restarted.auth().signed_in().unwrap().profiles.len(), 2);
    restarted.auth().logout().await.unwrap();
    phone.auth().logout().await.unwrap();
}
