//! The background sync against the real server, run by the core itself from sign-in to
//! sign-out: it pulls when the server announces a change, tells the UI what changed by
//! kind and id, notices going offline, keeps writes made meanwhile, sends them once when
//! the network is back, only listens while locked (saying that something arrived, not
//! what), and stops on sign-out. The network drops through a loopback proxy.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_core::{
    ChangeNotice, ClientConfig, KeyringStore, MessageTo, PortalClient, SyncStatus, WriteState,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_e2e::proxy::{Mode, Proxy};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::broadcast::Receiver;

const ADMIN: &str = "core-syncloop-admin-h6uaiSZc3szjoFNhlldMajKPbopeqvEA";
const PASSWORD: &str = "river otter paints blue";
const WAIT: std::time::Duration = std::time::Duration::from_secs(40);

/// Waits for the first notice that `wanted` accepts.
async fn expect(
    changes: &mut Receiver<ChangeNotice>,
    what: &str,
    wanted: impl Fn(&ChangeNotice) -> bool,
) {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            match changes.recv().await {
                Ok(notice) if wanted(&notice) => return,
                Ok(_) => {}
                Err(error) => panic!("notices ended: {error}"),
            }
        }
    })
    .await;
    assert!(found.is_ok(), "no notice: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_sync_follows_the_server_and_the_network() {
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
    let config = ClientConfig::new(&proxy.base_url(), &[], "patientportal")
        .unwrap()
        .with_data_dir(data.path());
    let client = Arc::new(
        PortalClient::new(
            config,
            Arc::new(KeyringStore::new("org.patientportal.test.syncloop")),
        )
        .unwrap(),
    );
    // Nothing to start: signing in starts the sync.
    let mut changes = client.changes();
    assert!(!client.sync().in_background());
    client
        .auth()
        .accept_invite(&invite.token, PASSWORD, "laptop")
        .await
        .unwrap();
    assert!(client.sync().in_background());
    expect(&mut changes, "first sync up to date", |n| {
        matches!(n, ChangeNotice::Sync(SyncStatus::UpToDate { .. }))
    })
    .await;

    // The practice books a visit: the event stream brings it, named by kind and id.
    let visit: Value = admin
        .post(
            "appointments",
            json!({"patient_id": patient, "provider_id": provider,
                   "starts_at": Utc::now() + Duration::days(3), "duration_minutes": 30,
                   "kind": "telehealth", "telehealth_url": "https://video.example.org/r/1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let visit = visit["appointment_id"].as_str().unwrap().to_owned();
    let wanted = visit.clone();
    expect(&mut changes, "the new appointment", move |n| {
        matches!(n, ChangeNotice::Records { kind, ids } if kind == "appointment" && ids.contains(&wanted))
    })
    .await;
    assert!(
        client
            .records()
            .record("appointment", &visit)
            .await
            .unwrap()
            .is_some()
    );

    // The network goes; the host says so. The sync notices and says offline.
    proxy.set(Mode::Refuse);
    client.sync().network_changed();
    expect(&mut changes, "offline", |n| {
        matches!(n, ChangeNotice::Sync(SyncStatus::Offline { .. }))
    })
    .await;

    // A message written offline waits, visible, with its state.
    let body = "Is the video link the same as last time?";
    let id = client
        .outbox()
        .send_message(
            &patient,
            MessageTo::NewThread {
                provider_id: provider.clone(),
                subject: "Video visit".to_owned(),
            },
            body,
        )
        .await
        .unwrap()
        .id;
    let outbox = client.outbox().items().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_ne!(outbox[0].state, WriteState::Sent);

    // The network is back: the write goes once, and the copy is current again.
    proxy.set(Mode::Pass);
    client.sync().network_changed();
    let sent = id.clone();
    expect(&mut changes, "the write sent", move |n| {
        matches!(n, ChangeNotice::Write { id, state: Some(WriteState::Sent) } if *id == sent)
    })
    .await;
    expect(&mut changes, "up to date again", |n| {
        matches!(n, ChangeNotice::Sync(SyncStatus::UpToDate { .. }))
    })
    .await;
    let threads = client
        .records()
        .list(
            "thread",
            &patient,
            portal_core::ListOrder::NewestFirst,
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(threads.items.len(), 1);
    assert!(!threads.items[0].id.starts_with("local-"));
    let messages = client
        .records()
        .raw_messages(&threads.items[0].id, 10, None)
        .await
        .unwrap();
    assert_eq!(messages.items.len(), 1);
    assert_eq!(messages.items[0].data["body"], body);

    // Locked, it stops pulling and closes the store, but still hears the server: a new
    // message is announced as activity, without a word of what it is.
    client.idle_lock().lock_now();
    expect(&mut changes, "stopped at the lock", |n| {
        matches!(n, ChangeNotice::Sync(SyncStatus::Stopped))
    })
    .await;
    assert!(client.sync().in_background());
    let from_care_team: Value = admin
        .post(
            "messages",
            json!({"patient_id": patient, "provider_id": provider,
                   "body": "Your results are in", "subject": "Results"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut while_locked = Vec::new();
    let found = tokio::time::timeout(WAIT, async {
        loop {
            let notice = changes.recv().await.unwrap();
            if notice == ChangeNotice::NewActivity {
                return;
            }
            while_locked.push(notice);
        }
    })
    .await;
    assert!(found.is_ok(), "no activity while locked: {while_locked:?}");
    assert!(
        while_locked
            .iter()
            .all(|n| !matches!(n, ChangeNotice::Records { .. })),
        "records were pulled while locked: {while_locked:?}"
    );
    assert!(matches!(
        client.records().record("thread", "any").await,
        Err(portal_core::CoreError::Locked)
    ));

    // Unlocked, it pulls what arrived.
    client.idle_lock().unlock(PASSWORD).await.unwrap();
    let thread = from_care_team["thread_id"].as_str().unwrap().to_owned();
    let wanted = thread.clone();
    expect(&mut changes, "the message after the unlock", move |n| {
        matches!(n, ChangeNotice::Records { kind, ids } if kind == "thread" && ids.contains(&wanted))
    })
    .await;
    assert!(
        client
            .records()
            .record("thread", &thread)
            .await
            .unwrap()
            .is_some()
    );

    // Signing out stops it.
    client.auth().logout().await.unwrap();
    assert!(!client.sync().in_background());
}

/// A write that failed during an outage waits out a backoff (2 s doubling to 5 min).
/// Once the server answers again it goes at once, not at its next try: with the
/// client's clock standing still here, that next try would never come.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_that_waited_out_an_outage_go_as_soon_as_the_server_answers() {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let proxy = Proxy::start(server.addr()).await;
    let data = tempfile::tempdir().unwrap();
    let config = ClientConfig::new(&proxy.base_url(), &[], "patientportal")
        .unwrap()
        .with_data_dir(data.path());
    let clock = portal_core::ManualClock::default();
    let client = PortalClient::with_clock(
        config,
        Arc::new(KeyringStore::new("org.patientportal.test.syncloop.outage")),
        Arc::new(clock.clone()),
    )
    .unwrap();
    let mut changes = client.changes();
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let patient = signed_in.current_profile_id.clone().unwrap();
    expect(&mut changes, "first sync up to date", |n| {
        matches!(n, ChangeNotice::Sync(SyncStatus::UpToDate { .. }))
    })
    .await;
    let thread = client
        .records()
        .threads(&patient, 1, None)
        .await
        .unwrap()
        .items
        .first()
        .map(|t| t.thread.id.clone());

    proxy.set(Mode::Refuse);
    client.sync().network_changed();
    let to = match thread {
        Some(id) => MessageTo::Thread(id),
        None => MessageTo::NewThread {
            provider_id: client.records().care_team(&patient).await.unwrap()[0]
                .id
                .clone(),
            subject: "Outage".to_owned(),
        },
    };
    let id = client
        .outbox()
        .send_message(&patient, to, "Written during the outage")
        .await
        .unwrap()
        .id;
    // Tried once, refused by the network, and put back to wait.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let item = client.outbox().item(&id).await.unwrap().unwrap();
        if item.attempts >= 1 && item.state == WriteState::Queued {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never tried: {item:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    proxy.set(Mode::Pass);
    client.sync().network_changed();
    let sent = id.clone();
    expect(&mut changes, "the waiting write sent", move |n| {
        matches!(n, ChangeNotice::Write { id, state: Some(WriteState::Sent) } if *id == sent)
    })
    .await;
    client.auth().logout().await.unwrap();
}
