//! The account's encrypted offline copy: a first sync in pages into a SQLCipher file,
//! reads served offline after a restart, a resync after `cursor_expired`, a purged
//! profile, quarantine of a file its key cannot open, and sign-out removing it all.
//! Real server over loopback HTTP, real files, real Secret Service.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::{Duration, Utc};
use portal_core::{
    ClientConfig, KeyringStore, ListOrder, ManualClock, PortalClient, Restored, SecretStore,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

const ADMIN: &str = "core-offline-admin-IZfNyJo3u300zmvQm0kTCLfRgkZMNnoJ";
const PASSWORD: &str = "river otter paints blue";
const CANARY: &str = "CANARY-PHI-7f3a9 knee pain since March";

struct Practice {
    server: TestServer,
    admin: AdminClient,
    provider: String,
}

async fn practice() -> Practice {
    // The session outlives the month a purge test moves the server's clock by.
    let server = TestServer::setup()
        .admin_token(ADMIN)
        .session_idle_days(60)
        .start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    Practice {
        server,
        admin,
        provider,
    }
}

impl Practice {
    /// A patient of this practice's provider, invited by email.
    async fn invite(&self, first_name: &str, email: &str) -> portal_e2e::admin::Invited {
        let created = self
            .admin
            .create_patient(json!({"first_name": first_name, "last_name": "Rivera",
                "email": email, "primary_provider_id": self.provider}))
            .await;
        self.admin.resend_invite(&created.patient_id).await
    }

    async fn created(&self, path: &str, body: Value) -> Value {
        let response = self.admin.post(path, body).await;
        assert_eq!(response.status().as_u16(), 201, "POST {path}");
        response.json().await.unwrap()
    }

    async fn appointment(&self, patient: &str, in_hours: i64) -> String {
        let starts_at = Utc::now() + Duration::hours(in_hours);
        self.created(
            "appointments",
            json!({"patient_id": patient, "provider_id": self.provider,
                   "starts_at": starts_at, "duration_minutes": 30, "kind": "in_person",
                   "location": "Room 4"}),
        )
        .await["appointment_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn message(&self, patient: &str, body: &str) -> (String, String) {
        let sent = self
            .created(
                "messages",
                json!({"patient_id": patient, "provider_id": self.provider, "body": body,
                       "subject": "Your visit"}),
            )
            .await;
        (
            sent["message_id"].as_str().unwrap().to_owned(),
            sent["thread_id"].as_str().unwrap().to_owned(),
        )
    }

    async fn invoice(&self, patient: &str, number: &str, amount: i64) {
        self.created(
            "invoices",
            json!({"patient_id": patient, "number": number,
                   "due_at": Utc::now() + Duration::days(30), "currency": "USD",
                   "lines": [{"description": "Office visit", "quantity": 1, "amount": amount}]}),
        )
        .await;
    }
}

fn device(base: &str, keychain: &str, data: &Path, clock: &ManualClock) -> PortalClient {
    let config = ClientConfig::new(base, &[], "patientportal")
        .unwrap()
        .with_data_dir(data)
        // The test pulls by hand, to know what each pull brought.
        .with_background_sync(false)
        .with_sync_page_limit(4);
    PortalClient::with_clock(
        config,
        Arc::new(KeyringStore::new(keychain)),
        Arc::new(clock.clone()),
    )
    .unwrap()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_first_sync_fills_an_encrypted_database_that_reads_offline() {
    let p = practice().await;
    let base = p.server.base_url();
    let keychain = "org.patientportal.test.offline.first";
    let data = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let invited = p.invite("Jordan", "jordan@example.com").await;
    let patient = invited.patient_id.clone();
    let soon = p.appointment(&patient, 48).await;
    p.appointment(&patient, 24 * 14).await;
    let past = p.appointment(&patient, -24 * 7).await;
    let (_, thread) = p.message(&patient, CANARY).await;
    p.invoice(&patient, "INV-1001", 15_000).await;
    p.invoice(&patient, "INV-1002", 2_550).await;

    let client = device(base, keychain, data.path(), &clock);
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let report = client.sync().sync_now(|p| seen.push(p)).await.unwrap();
    // Pages of 4: progress after each, the last one says there is no more.
    assert!(report.pages >= 3, "{report:?}");
    assert_eq!(seen.len() as u32, report.pages);
    assert!(seen.iter().rev().skip(1).all(|p| p.has_more));
    assert!(!seen.last().unwrap().has_more);
    assert!(!report.resynced && !report.quarantined);

    let summary = client.records().summary(&patient).await.unwrap();
    assert_eq!(summary.unread_messages, 1);
    assert_eq!(summary.next_appointment.unwrap().id, soon);
    assert_eq!(summary.balance_due, [("USD".to_owned(), 17_550)]);
    let upcoming = client
        .records()
        .raw_appointments(&patient, true, 1, None)
        .await
        .unwrap();
    assert_eq!(upcoming.items[0].id, soon);
    let rest = client
        .records()
        .raw_appointments(&patient, true, 1, upcoming.next.clone())
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_ne!(rest.items[0].id, soon);
    assert_eq!(rest.next, None);
    let earlier = client
        .records()
        .raw_appointments(&patient, false, 10, None)
        .await
        .unwrap();
    assert_eq!(earlier.items.len(), 1);
    assert_eq!(earlier.items[0].id, past);
    let messages = client
        .records()
        .raw_messages(&thread, 50, None)
        .await
        .unwrap();
    assert_eq!(messages.items[0].data["body"], CANARY);
    let invoices = client
        .records()
        .list("invoice", &patient, ListOrder::NewestFirst, 50, None)
        .await
        .unwrap();
    assert_eq!(invoices.items.len(), 2);
    // Local search, by word prefix, over message bodies and thread subjects.
    let found = client.records().search(&patient, "kne", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "message");
    assert_eq!(found[0].data["body"], CANARY);
    let by_subject = client
        .records()
        .search(&patient, "visit", 10)
        .await
        .unwrap();
    assert!(by_subject.iter().any(|r| r.kind == "thread"));
    assert!(
        client
            .records()
            .search(&patient, "OR \"", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(client.records().check_store().await.unwrap(), "ok");

    // At rest: a private directory, private files, and no plaintext anywhere.
    let dir = client.data_dir_of_current().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for file in files_under(&dir) {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    let session_key = client.auth().session_key(&signed_in.account.id);
    let tokens: Value = serde_json::from_str(
        &KeyringStore::new(keychain)
            .get(&session_key)
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    // The database's key, as the keychain keeps it beside the session.
    let store_key = KeyringStore::new(keychain)
        .get(&session_key.replacen("session:", "store-key:", 1))
        .unwrap()
        .expect("no store key in the keychain");
    // The whole canary, and each of its words on its own: a field stored in pieces
    // (an index's tokens, say) would show only as words.
    let mut secrets: Vec<&str> = vec![
        CANARY,
        "jordan@example.com",
        "INV-1001",
        access.as_str(),
        refresh.as_str(),
        store_key.as_str(),
    ];
    secrets.extend(CANARY.split_whitespace());
    for file in files_under(data.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"), "{}", file.display());
        for canary in &secrets {
            assert!(
                !contains(&bytes, canary.as_bytes()),
                "'{canary}' in clear in {}",
                file.display()
            );
        }
    }

    // A restart with the server gone: everything is read from the device.
    p.server.stop();
    let offline = device(base, keychain, data.path(), &clock);
    assert!(matches!(
        offline.auth().restore().await.unwrap(),
        Restored::Cached(_)
    ));
    assert_eq!(
        offline
            .records()
            .summary(&patient)
            .await
            .unwrap()
            .unread_messages,
        1
    );
    assert_eq!(
        offline
            .records()
            .raw_messages(&thread, 50, None)
            .await
            .unwrap()
            .items[0]
            .data["body"],
        CANARY
    );
    assert!(matches!(
        offline.sync().sync_now(|_| {}).await,
        Err(portal_core::CoreError::Network(_))
    ));

    // Signing out leaves no files, and in the keychain only the sign-out the server
    // has yet to hear of (ended once it is reachable; see session_flow.rs).
    offline.auth().logout().await.unwrap();
    assert!(
        files_under(data.path()).is_empty(),
        "{:?}",
        files_under(data.path())
    );
    assert!(!dir.exists());
    assert_eq!(offline.auth().pending_signouts().await.unwrap(), 1);
    let listing = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", keychain])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert_eq!(listing.matches("pending-signouts:").count(), 1, "{listing}");
    assert!(!listing.contains("session:"), "{listing}");
    assert!(!listing.contains("store-key:"), "{listing}");
}

#[tokio::test]
async fn an_expired_cursor_resyncs_and_a_lost_profile_is_purged() {
    let p = practice().await;
    let base = p.server.base_url();
    let keychain = "org.patientportal.test.offline.resync";
    let data = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let alex = p.admin.invite_new_patient("Alex", "alex@example.com").await;
    let mia = p
        .admin
        .create_patient(json!({"first_name": "Mia", "last_name": "Rivera",
            "primary_provider_id": p.provider,
            "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}}))
        .await;
    let mia_invite = p.admin.resend_invite(&mia.patient_id).await;
    let client = device(base, keychain, data.path(), &clock);
    client
        .auth()
        .accept_invite(&alex.token, PASSWORD, "laptop")
        .await
        .unwrap();
    client.auth().claim_invite(&mia_invite.token).await.unwrap();
    let doomed = p.appointment(&alex.patient_id, 24).await;
    let mia_visit = p.appointment(&mia.patient_id, 30).await;
    client.sync().sync_now(|_| {}).await.unwrap();
    assert!(
        client
            .records()
            .record("appointment", &doomed)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        client
            .records()
            .record("appointment", &mia_visit)
            .await
            .unwrap()
            .is_some()
    );

    // A delete, kept for 30 days in the feed, then purged: this device's cursor is too
    // old, so it starts over and replaces its copy.
    let deleted = p.admin.delete(&format!("appointments/{doomed}")).await;
    assert_eq!(deleted.status().as_u16(), 204);
    p.server.advance_clock(Duration::days(31)).await;
    clock.advance(Duration::minutes(1));
    assert!(p.server.purge_tombstones().await >= 1);
    let report = client.sync().sync_now(|_| {}).await.unwrap();
    assert!(report.resynced, "{report:?}");
    assert!(
        client
            .records()
            .record("appointment", &doomed)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        client
            .records()
            .record("appointment", &mia_visit)
            .await
            .unwrap()
            .is_some()
    );

    // The practice removes Alex as Mia's guardian: Mia's records leave this device.
    let removed = p
        .admin
        .delete(&format!("patients/{}/guardian", mia.patient_id))
        .await;
    assert_eq!(removed.status().as_u16(), 200);
    let report = client.sync().sync_now(|_| {}).await.unwrap();
    assert_eq!(
        report.purged_profiles,
        std::slice::from_ref(&mia.patient_id)
    );
    assert!(
        client
            .records()
            .record("appointment", &mia_visit)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        client
            .records()
            .record("profile", &mia.patient_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        client
            .records()
            .record("profile", &alex.patient_id)
            .await
            .unwrap()
            .is_some()
    );
    client.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_database_its_key_cannot_open_is_set_aside_and_downloaded_again() {
    let p = practice().await;
    let base = p.server.base_url();
    let keychain = "org.patientportal.test.offline.quarantine";
    let data = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let invited = p
        .admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let visit = p.appointment(&invited.patient_id, 24).await;
    let client = device(base, keychain, data.path(), &clock);
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    client.sync().sync_now(|_| {}).await.unwrap();
    let dir = client.data_dir_of_current().unwrap();
    let original = std::fs::read(dir.join(portal_core::DATABASE_FILE)).unwrap();

    // The keychain entry is replaced by a different key (a restore from backup, say).
    let key_entry =
        client
            .auth()
            .session_key(&signed_in.account.id)
            .replacen("session:", "store-key:", 1);
    KeyringStore::new(keychain)
        .set(&key_entry, &"ab".repeat(32))
        .unwrap();
    let restarted = device(base, keychain, data.path(), &clock);
    restarted.auth().restore().await.unwrap();
    let report = restarted.sync().sync_now(|_| {}).await.unwrap();
    assert!(report.quarantined, "{report:?}");
    assert!(
        restarted
            .records()
            .record("appointment", &visit)
            .await
            .unwrap()
            .is_some()
    );
    // The old file is kept, byte for byte, beside the new one.
    let kept: Vec<_> = files_under(&dir)
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(".quarantined-"))
        .collect();
    assert!(
        kept.iter().any(|f| std::fs::read(f).unwrap() == original),
        "{kept:?}"
    );
    restarted.auth().logout().await.unwrap();
    assert!(!dir.exists());
}

/// Right after sign-in, a screen's queries and the sync all read at once: the database
/// is made once, with one key, and nothing is set aside (each used to make its own key,
/// and all but one copy were quarantined).
#[tokio::test]
async fn many_first_reads_at_once_open_one_database_with_one_key() {
    let p = practice().await;
    let base = p.server.base_url();
    let keychain = "org.patientportal.test.offline.first-reads";
    let data = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let invited = p
        .admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    p.appointment(&invited.patient_id, 24).await;
    let client = Arc::new(device(base, keychain, data.path(), &clock));
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let profile = signed_in.current_profile_id.clone().unwrap();
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, profile) = (client.clone(), profile.clone());
        reads.spawn(async move { client.records().home(&profile).await.map(drop) });
    }
    let sync = {
        let client = client.clone();
        tokio::spawn(async move { client.sync().sync_now(|_| {}).await })
    };
    while let Some(read) = reads.join_next().await {
        read.unwrap().unwrap();
    }
    let report = sync.await.unwrap().unwrap();
    assert!(!report.quarantined, "{report:?}");
    let set_aside: Vec<_> = files_under(data.path())
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("quarantined"))
        .collect();
    assert!(set_aside.is_empty(), "set aside: {set_aside:?}");
    // The copy the sync filled is the one that reads back after a restart.
    let restarted = device(base, keychain, data.path(), &clock);
    assert!(matches!(
        restarted.auth().restore().await.unwrap(),
        Restored::Cached(_)
    ));
    let home = restarted.records().home(&profile).await.unwrap();
    assert!(home.next_appointment.is_some());
    client.auth().logout().await.unwrap();
}
