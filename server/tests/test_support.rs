//! The operations tests reach the server through, as a client does: the binary built
//! with `test-support` (a clock tests move, tombstone purging, both behind the admin
//! token), and `portal-server seed` for benchmarks' bulk data, in every build.

#![cfg(feature = "test-support")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_e2e::TestServer;
use portal_model::Session;
use portal_model::sync::SyncPage;
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "river otter paints blue";

/// The admin token of these tests' servers (strong enough for the server to start).
const ADMIN_TOKEN: &str = "test-support-admin-Rex2-8l_KEv4hC9z7q-G4TDBBUvC-_97";

/// This package's binary, as cargo built it for these tests.
fn server() -> TestServer {
    TestServer::setup()
        .binary(env!("CARGO_BIN_EXE_portal-server"))
        .admin_token(ADMIN_TOKEN)
        .start()
}

/// Jordan, invited and signed in: (patient id, session, primary provider id).
async fn patient(server: &TestServer) -> (String, Session, String) {
    let invited = server
        .admin()
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let session: Session = accept(server, &invited.token).await.json().await.unwrap();
    let record: serde_json::Value = server
        .admin()
        .get(&format!("patients/{}", invited.patient_id))
        .await
        .json()
        .await
        .unwrap();
    let provider = record["primary_provider_id"].as_str().unwrap().to_owned();
    (invited.patient_id, session, provider)
}

async fn accept(server: &TestServer, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v1/invites/{token}/accept", server.base_url()))
        .json(&json!({"password": PASSWORD, "device_name": "test"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_clock_moves_for_the_server_and_time_goes_on_from_there() {
    let server = server();
    let before = server.now().await;
    assert!((before - Utc::now()).abs() < Duration::seconds(30));
    let invited = server
        .admin()
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;

    let moved = server.advance_clock(Duration::days(5)).await;
    assert!(moved - before >= Duration::days(5));
    // The invite (4 days) has expired for the server.
    let expired = accept(&server, &invited.token).await;
    assert_eq!(expired.status(), StatusCode::GONE);

    let target = Utc::now() + Duration::days(400);
    let set = server.set_clock(target).await;
    assert!((set - target).abs() < Duration::seconds(5));
    assert!(server.now().await >= set);

    // Without the admin token, nothing moves.
    let refused = reqwest::Client::new()
        .put(format!("{}/v1/admin/test/clock", server.base_url()))
        .json(&json!({"advance_seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let wrong = reqwest::Client::new()
        .put(format!("{}/v1/admin/test/clock", server.base_url()))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"advance": "soon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn purging_removes_deletes_past_the_retention_and_expires_older_cursors() {
    let server = server();
    let admin = server.admin();
    let (patient_id, session, provider) = patient(&server).await;
    let created = admin
        .post(
            "appointments",
            json!({"patient_id": patient_id, "provider_id": provider,
                   "starts_at": Utc::now() + Duration::days(3), "duration_minutes": 30,
                   "kind": "in_person", "location": "Room 2"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id: serde_json::Value = created.json().await.unwrap();
    let http = reqwest::Client::new();
    let sync = |session: &Session, cursor: Option<String>| {
        let query = cursor.map(|c| format!("?cursor={c}")).unwrap_or_default();
        http.get(format!("{}/v1/sync{query}", server.base_url()))
            .bearer_auth(&session.access_token)
            .send()
    };
    let first: SyncPage = sync(&session, None).await.unwrap().json().await.unwrap();
    let deleted = admin
        .delete(&format!(
            "appointments/{}",
            id["appointment_id"].as_str().unwrap()
        ))
        .await;
    assert!(deleted.status().is_success());

    assert_eq!(server.purge_tombstones().await, 0, "a fresh delete stays");
    server.advance_clock(Duration::days(31)).await;
    assert_eq!(server.purge_tombstones().await, 1);
    // A month on, the session has expired too: a new sign-in, with the old cursor.
    let again: Session = http
        .post(format!("{}/v1/auth/login", server.base_url()))
        .json(&json!({"email": "jordan@example.com", "password": PASSWORD,
                      "device_name": "test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stale = sync(&again, Some(first.cursor)).await.unwrap();
    assert_eq!(stale.status(), StatusCode::GONE);
}

#[tokio::test]
async fn seed_writes_messages_the_feed_serves_as_it_serves_any() {
    let server = server();
    let admin = server.admin();
    let (patient_id, session, provider) = patient(&server).await;
    let sent: serde_json::Value = admin
        .post(
            "messages",
            json!({"patient_id": patient_id, "provider_id": provider, "body": "Hello"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let thread = sent["thread_id"].as_str().unwrap();

    server.seed_messages(&patient_id, thread, "bulk", 250);

    let page: SyncPage = reqwest::Client::new()
        .get(format!("{}/v1/sync?limit=1000", server.base_url()))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seeded: Vec<_> = page
        .changes
        .iter()
        .filter(|c| c.id.starts_with("bulk_"))
        .collect();
    assert_eq!(seeded.len(), 250);
    for change in seeded {
        let data = change.data.as_ref().unwrap();
        portal_model::records::Record::decode_strict(&change.kind, data).unwrap();
        assert_eq!(data["thread_id"], thread);
    }

    server.seed_appointments(&patient_id, &provider, "visit", 30);
    let page: SyncPage = reqwest::Client::new()
        .get(format!(
            "{}/v1/sync?limit=1000&cursor={}",
            server.base_url(),
            page.cursor
        ))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.changes.len(), 30);
    let mut starts = Vec::new();
    for change in &page.changes {
        let data = change.data.as_ref().unwrap();
        let portal_model::records::Record::Appointment(visit) =
            portal_model::records::Record::decode_strict(&change.kind, data).unwrap()
        else {
            panic!("{change:?}");
        };
        assert_eq!(visit.ends_at - visit.starts_at, Duration::minutes(30));
        assert_eq!(
            visit.starts_at - visit.cancellable_until,
            Duration::hours(24)
        );
        assert!(visit.starts_at > Utc::now());
        starts.push(visit.starts_at);
    }
    starts.sort();
    assert_eq!(starts[1] - starts[0], Duration::hours(1));
}
