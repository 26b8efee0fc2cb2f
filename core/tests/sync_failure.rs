//! A sync page that fails halfway leaves the store exactly as it was: an answer cut
//! mid-body by the network (a loopback proxy), and an apply step that fails inside the
//! page's transaction (the `failpoints` feature). A dump of every table of the account's
//! database, read with its key from the real Secret Service, is the same before and
//! after; then a healthy pull brings everything. Real server binary over loopback HTTP
//! (run under scripts/in-session.sh, with `--features failpoints`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::{ClientConfig, CoreError, KeyringStore, PortalClient, SecretStore, failpoints};
use portal_e2e::TestServer;
use portal_e2e::proxy::{Mode, Proxy};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

const ADMIN: &str = "core-sync-failure-admin-znfMopoAIkHN-z-lbKIRNagNHb-nzXMl";
const PASSWORD: &str = "river otter paints blue";
const KEYCHAIN: &str = "org.patientportal.test.sync-failure";

/// Every row of every table of the database at `db`, as text, table by table in a
/// fixed order.
fn dump(db: &Path, key_hex: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_update(None, "key", format!("x'{key_hex}'"))
        .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.iter().any(|t| t == "records"), "{tables:?}");
    let mut out = Vec::new();
    for table in tables {
        let mut query = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = query.column_count();
        let mut rows: Vec<String> = query
            .query_map([], |row| {
                let values: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", values.join(" | ")))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.extend(rows);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_fails_halfway_leaves_the_store_exactly_as_it_was() {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let proxy = Proxy::start(server.addr()).await;
    let admin = server.admin();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let patient = invited.patient_id.clone();
    let data = tempfile::tempdir().unwrap();
    let config = ClientConfig::new(&proxy.base_url(), &[], "patientportal")
        .unwrap()
        .with_data_dir(data.path())
        // Each pull is the test's own.
        .with_background_sync(false)
        .with_sync_page_limit(50);
    let client = PortalClient::new(config, Arc::new(KeyringStore::new(KEYCHAIN))).unwrap();
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    client.sync().sync_now(|_| {}).await.unwrap();
    let primary = client
        .records()
        .profile(&patient)
        .await
        .unwrap()
        .unwrap()
        .primary_provider_id;
    let thread: Value = admin
        .post(
            "messages",
            json!({"patient_id": patient, "provider_id": primary,
                   "body": "Welcome", "subject": "Hello"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let thread = thread["thread_id"].as_str().unwrap().to_owned();
    server.seed_messages(&patient, &thread, "first", 80);
    client.sync().sync_now(|_| {}).await.unwrap();

    // 120 more messages wait on the server: three pages.
    server.seed_messages(&patient, &thread, "second", 120);
    let db = client
        .data_dir_of_current()
        .unwrap()
        .join(portal_core::DATABASE_FILE);
    let key = KeyringStore::new(KEYCHAIN)
        .get(&client.auth().session_key(&signed_in.account.id).replacen(
            "session:",
            "store-key:",
            1,
        ))
        .unwrap()
        .expect("no store key in the keychain");
    let before = dump(&db, &key);

    // The network cuts the first page's answer in the middle of its body.
    proxy.cut_after(2_000);
    let cut = client.sync().sync_now(|_| {}).await;
    // A dropped connection, or a body that ends too soon to read: either way, an error.
    assert!(
        matches!(
            cut,
            Err(CoreError::Network(_) | CoreError::UnexpectedResponse { .. })
        ),
        "{cut:?}"
    );
    proxy.set(Mode::Pass);
    assert_eq!(
        dump(&db, &key),
        before,
        "a page cut mid-body changed the store"
    );

    // The page arrives whole, but applying it fails at its 25th change.
    failpoints::fail_apply_at(24);
    let failed = client.sync().sync_now(|_| {}).await;
    assert!(matches!(failed, Err(CoreError::Storage(_))), "{failed:?}");
    assert_eq!(
        dump(&db, &key),
        before,
        "a page that failed while applied changed the store"
    );

    // A healthy pull brings all of it, and the files are sound.
    failpoints::clear();
    let report = client.sync().sync_now(|_| {}).await.unwrap();
    assert_eq!(report.changes, 120, "{report:?}");
    let after = dump(&db, &key);
    assert_ne!(after, before);
    assert_eq!(
        after.iter().filter(|r| r.starts_with("records: ")).count(),
        before.iter().filter(|r| r.starts_with("records: ")).count() + 120
    );
    assert_eq!(client.records().check_store().await.unwrap(), "ok");
    client.auth().logout().await.unwrap();
}
