//! Documents against the real server: a download with progress, resumed after the
//! connection is cut mid-way, checked against its SHA-256 (damaged bytes are thrown
//! away), pinned, unpinned and exported; the bytes stay inside the encrypted database
//! (a canary is never found in the data directory); an upload made offline reaches the
//! server as exactly one document, its bytes first; a deleted document and a purged
//! profile take their bytes with them. The network misbehaves through a loopback proxy.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::Duration;
use portal_core::{
    Attachment, ClientConfig, CoreError, DocumentStatus, DownloadProgress, KeyringStore,
    ManualClock, MessageTo, PortalClient, WriteState,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_e2e::proxy::{Mode, Proxy};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const ADMIN: &str = "core-documents-admin-XDFlaHtC3BGeWjJz59-qJpMeJB9nK8UE";
const PASSWORD: &str = "river otter paints blue";
const CANARY: &[u8] = b"CANARY-PHI-4c2e1 MRI of the left knee, meniscus tear";

struct Setup {
    server: TestServer,
    admin: AdminClient,
    proxy: Proxy,
    client: PortalClient,
    clock: ManualClock,
    patient: String,
    provider: String,
    data: tempfile::TempDir,
}

/// A signed-in patient on a device that reaches the server through a proxy.
async fn setup(keychain: &str) -> Setup {
    // The session outlives the month a purge test moves the server's clock by.
    let server = TestServer::setup()
        .admin_token(ADMIN)
        .session_idle_days(60)
        .start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let patient = admin
        .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "primary_provider_id": provider}))
        .await
        .patient_id;
    let invited = admin.resend_invite(&patient).await;
    let proxy = Proxy::start(server.addr()).await;
    let data = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let client = device(&proxy, keychain, data.path(), &clock);
    client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    Setup {
        server,
        admin,
        proxy,
        client,
        clock,
        patient,
        provider,
        data,
    }
}

fn device(proxy: &Proxy, keychain: &str, data: &Path, clock: &ManualClock) -> PortalClient {
    let config = ClientConfig::new(&proxy.base_url(), &[], "patientportal")
        .unwrap()
        .with_data_dir(data)
        // The test pulls by hand, to know what each pull brought.
        .with_background_sync(false);
    PortalClient::with_clock(
        config,
        Arc::new(KeyringStore::new(keychain)),
        Arc::new(clock.clone()),
    )
    .unwrap()
}

/// A PDF-looking file of `size` bytes: a header, the canary, then pseudo-random bytes
/// (nothing for a page format to compress).
fn pdf(size: usize, seed: u64) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend_from_slice(CANARY);
    let mut x = seed | 1;
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

/// Shares a document with a patient the way staff tools do.
async fn share(server: &TestServer, patient_id: &str, title: &str, bytes: &[u8]) -> String {
    server
        .admin()
        .share_document(patient_id, title, bytes)
        .await
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// No file under `dir` holds `needle` in the clear.
fn assert_nowhere_in(dir: &Path, needle: &[u8]) {
    let files = files_under(dir);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "plaintext found in {}",
            file.display()
        );
    }
}

/// Downloads a document with the proxy in `mode`; the progress it reported, once it
/// is available.
async fn download_through(s: &Setup, id: &str, mode: Mode) -> Vec<DownloadProgress> {
    s.proxy.set(mode);
    let mut seen = Vec::new();
    let status = s
        .client
        .documents()
        .download(id, |p| seen.push(p))
        .await
        .unwrap();
    assert_eq!(status, DocumentStatus::Available);
    seen
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_download_shows_progress_resumes_after_a_cut_and_exports_a_checked_copy() {
    let s = setup("org.patientportal.test.documents.download").await;
    let bytes = pdf(3 * 1024 * 1024 + 12_345, 7);
    let id = share(&s.server, &s.patient, "MRI report", &bytes).await;
    s.client.sync().sync_now(|_| {}).await.unwrap();
    let record = s
        .client
        .records()
        .record("document", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.data["sha256"], sha256_hex(&bytes).as_str());
    let total = bytes.len() as u64;
    assert_eq!(
        s.client.documents().status(&id).await.unwrap(),
        DocumentStatus::NotDownloaded
    );

    // The connection drops after about 1 MiB: what arrived is kept.
    s.proxy.cut_after(1024 * 1024);
    let error = s
        .client
        .documents()
        .download(&id, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, CoreError::Network(_)), "{error:?}");
    let DocumentStatus::Partial { received, total: t } =
        s.client.documents().status(&id).await.unwrap()
    else {
        panic!("a partial download is kept");
    };
    assert_eq!(t, total);
    assert!(received > 512 * 1024 && received < total, "{received}");

    // Back online: it continues from there (Range + If-Range), with progress.
    let seen = download_through(&s, &id, Mode::Pass).await;
    assert_eq!(
        seen.first().unwrap().received,
        received,
        "resumed, not restarted"
    );
    assert_eq!(seen.last().unwrap().received, total);
    assert!(seen.iter().all(|p| p.total == total));
    assert!(seen.windows(2).all(|w| w[0].received <= w[1].received));
    assert!(seen.len() >= 4, "progress every chunk: {}", seen.len());

    // The copy is encrypted at rest: the document's text is in no file.
    assert_nowhere_in(s.data.path(), CANARY);

    // An exported copy is the document, private to this user, with nothing left over.
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("mri-report.pdf");
    let written = s.client.documents().export(&id, &copy).await.unwrap();
    assert_eq!(written, total);
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(files_under(out.path()), vec![copy.clone()]);
    // A destination that cannot be written fails and leaves nothing behind.
    let nowhere = out.path().join("missing-dir").join("copy.pdf");
    assert!(s.client.documents().export(&id, &nowhere).await.is_err());
    assert_eq!(files_under(out.path()), vec![copy]);

    // Pinning keeps it; unpinning frees the bytes.
    assert_eq!(
        s.client.documents().pin(&id, |_| {}).await.unwrap(),
        DocumentStatus::Pinned
    );
    s.client.documents().unpin(&id).await.unwrap();
    assert_eq!(
        s.client.documents().status(&id).await.unwrap(),
        DocumentStatus::NotDownloaded
    );

    // Throughput of a whole download through the core (loopback, via the proxy).
    let started = Instant::now();
    assert_eq!(
        s.client.documents().pin(&id, |_| {}).await.unwrap(),
        DocumentStatus::Pinned
    );
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "downloaded {:.1} MiB in {:.0} ms: {:.1} MiB/s",
        total as f64 / 1048576.0,
        seconds * 1000.0,
        total as f64 / 1048576.0 / seconds
    );
    assert_eq!(s.client.records().check_store().await.unwrap(), "ok");
}

/// A resumed download answered `200` with the whole document (a proxy that does not
/// pass `Range` on) starts over from the first byte and still ends checked.
#[tokio::test]
async fn a_resume_answered_with_the_whole_document_starts_over() {
    let s = setup("org.patientportal.test.documents.no_ranges").await;
    let bytes = pdf(2 * 1024 * 1024 + 777, 11);
    let id = share(&s.server, &s.patient, "Discharge summary", &bytes).await;
    s.client.sync().sync_now(|_| {}).await.unwrap();
    let total = bytes.len() as u64;
    s.proxy.cut_after(512 * 1024);
    s.client
        .documents()
        .download(&id, |_| {})
        .await
        .unwrap_err();
    let DocumentStatus::Partial { received, .. } = s.client.documents().status(&id).await.unwrap()
    else {
        panic!("a partial download is kept");
    };
    assert!(received > 0 && received < total, "{received}");

    let seen = download_through(&s, &id, Mode::IgnoreRanges).await;
    assert_eq!(
        seen.first().unwrap().received,
        received,
        "it asked to resume"
    );
    let restart = seen
        .iter()
        .position(|p| p.received == 0)
        .expect("the whole document came: progress starts over at 0");
    assert!(
        seen[restart..]
            .windows(2)
            .all(|w| w[0].received <= w[1].received),
        "{seen:?}"
    );
    assert_eq!(seen.last().unwrap().received, total);
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("discharge.pdf");
    s.client.documents().export(&id, &copy).await.unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    assert_eq!(s.client.records().check_store().await.unwrap(), "ok");
}

#[tokio::test]
async fn damaged_bytes_are_discarded_with_a_typed_error() {
    let s = setup("org.patientportal.test.documents.damaged").await;
    let bytes = pdf(600 * 1024, 11);
    let id = share(&s.server, &s.patient, "Lab results", &bytes).await;
    s.client.sync().sync_now(|_| {}).await.unwrap();

    // One byte of the answer is flipped on the way: the SHA-256 check catches it.
    s.proxy.set(Mode::CorruptAnswers);
    let error = s
        .client
        .documents()
        .download(&id, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, CoreError::DocumentCorrupt), "{error:?}");
    assert_eq!(error.code(), "document_corrupt");
    assert_eq!(
        s.client.documents().status(&id).await.unwrap(),
        DocumentStatus::NotDownloaded,
        "the damaged bytes are gone"
    );

    s.proxy.set(Mode::Pass);
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("lab.pdf");
    assert_eq!(
        s.client.documents().download(&id, |_| {}).await.unwrap(),
        DocumentStatus::Available
    );
    assert_eq!(
        s.client.documents().export(&id, &copy).await.unwrap(),
        bytes.len() as u64
    );
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    assert!(matches!(
        s.client
            .documents()
            .download("no-such-document", |_| {})
            .await,
        Err(CoreError::UnknownDocument)
    ));
}

#[tokio::test]
async fn an_upload_made_offline_becomes_exactly_one_document() {
    let s = setup("org.patientportal.test.documents.upload").await;
    s.client.sync().sync_now(|_| {}).await.unwrap();
    let bytes = pdf(400 * 1024, 23);

    s.proxy.set(Mode::Refuse);
    let write = s
        .client
        .documents()
        .upload(
            &s.patient,
            "Insurance card",
            None,
            "application/pdf",
            bytes.clone(),
        )
        .await
        .unwrap();
    assert_eq!(write.kind, "upload_document");
    assert!(matches!(
        s.client.outbox().flush().await,
        Err(CoreError::Network(_))
    ));
    let item = &s.client.outbox().items().await.unwrap()[0];
    assert_eq!(
        (item.id.as_str(), item.state),
        (write.id.as_str(), WriteState::Queued)
    );
    assert!(item.args["upload_id"].is_string());
    // The file waits encrypted, like everything else.
    assert_nowhere_in(s.data.path(), CANARY);

    // The upload reaches the server but its answer is lost: the write waits and the
    // same upload id is sent again (the server answers 200 for the repeat).
    s.proxy.set(Mode::DropAnswers);
    s.clock.advance(Duration::minutes(1));
    assert!(matches!(
        s.client.outbox().flush().await,
        Err(CoreError::Network(_))
    ));
    s.proxy.set(Mode::Pass);
    s.clock.advance(Duration::minutes(1));
    let report = s.client.outbox().flush().await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");

    s.client.sync().sync_now(|_| {}).await.unwrap();
    let documents = s
        .client
        .records()
        .list(
            "document",
            &s.patient,
            portal_core::ListOrder::NewestFirst,
            50,
            None,
        )
        .await
        .unwrap();
    let mine: Vec<_> = documents
        .items
        .iter()
        .filter(|d| d.data["title"] == "Insurance card")
        .collect();
    assert_eq!(mine.len(), 1, "exactly one document on the server");
    assert_eq!(mine[0].data["category"], "upload");
    assert_eq!(mine[0].data["sha256"], sha256_hex(&bytes).as_str());
    assert!(s.client.outbox().items().await.unwrap().is_empty());
    // And it comes back down intact.
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("card.pdf");
    s.client
        .documents()
        .export(&mine[0].id, &copy)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);

    // A message with an attachment: the file is uploaded first (with its name), then
    // the message refers to it; the server files it as a document the message lists.
    let thread = s
        .admin
        .post(
            "messages",
            json!({"patient_id": s.patient, "provider_id": s.provider,
                   "body": "Please send your card.", "subject": "Insurance"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.client.sync().sync_now(|_| {}).await.unwrap();
    let scan = b"\x89PNG not really".to_vec();
    s.client
        .outbox()
        .send_message_with_attachments(
            &s.patient,
            MessageTo::Thread(thread.clone()),
            "Here it is.",
            vec![Attachment {
                name: "card (back) é.png".to_owned(),
                content_type: "image/png".to_owned(),
                bytes: scan.clone(),
            }],
        )
        .await
        .unwrap();
    let report = s.client.outbox().flush().await.unwrap();
    assert_eq!((report.sent, report.refused), (1, 0), "{report:?}");
    s.client.sync().sync_now(|_| {}).await.unwrap();
    assert!(s.client.outbox().items().await.unwrap().is_empty());
    let page = s
        .client
        .records()
        .raw_messages(&thread, 10, None)
        .await
        .unwrap();
    let reply = page
        .items
        .iter()
        .find(|m| m.data["body"] == "Here it is.")
        .unwrap();
    let attached = reply.data["attachment_ids"].as_array().unwrap();
    assert_eq!(attached.len(), 1);
    let document_id = attached[0].as_str().unwrap();
    let document = s
        .client
        .records()
        .record("document", document_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(document.data["title"], "card (back) é.png");
    assert_eq!(document.data["sha256"], sha256_hex(&scan).as_str());
    let copy = out.path().join("scan.png");
    s.client
        .documents()
        .export(document_id, &copy)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), scan);
}

#[tokio::test]
async fn a_deleted_document_and_a_purged_profile_take_their_bytes() {
    let s = setup("org.patientportal.test.documents.purge").await;
    let mia = s
        .admin
        .create_patient(json!({"first_name": "Mia", "last_name": "Rivera",
            "primary_provider_id": s.provider,
            "guardian": {"name": "Jordan Rivera", "email": "jordan@example.com"}}))
        .await;
    let mia_invite = s.admin.resend_invite(&mia.patient_id).await;
    s.client
        .auth()
        .claim_invite(&mia_invite.token)
        .await
        .unwrap();
    let own = share(&s.server, &s.patient, "Referral", &pdf(300 * 1024, 3)).await;
    let kept = share(&s.server, &s.patient, "Vaccines", &pdf(10 * 1024, 4)).await;
    let childs = share(
        &s.server,
        &mia.patient_id,
        "Growth chart",
        &pdf(300 * 1024, 5),
    )
    .await;
    s.client.sync().sync_now(|_| {}).await.unwrap();
    for id in [&own, &kept, &childs] {
        assert_eq!(
            s.client.documents().pin(id, |_| {}).await.unwrap(),
            DocumentStatus::Pinned
        );
    }

    let deleted = s.admin.delete(&format!("documents/{own}")).await;
    assert_eq!(deleted.status().as_u16(), 204);
    s.client.sync().sync_now(|_| {}).await.unwrap();
    assert_eq!(
        s.client.documents().status(&own).await.unwrap(),
        DocumentStatus::NotDownloaded
    );
    assert!(matches!(
        s.client.documents().download(&own, |_| {}).await,
        Err(CoreError::UnknownDocument)
    ));

    let removed = s
        .admin
        .delete(&format!("patients/{}/guardian", mia.patient_id))
        .await;
    assert_eq!(removed.status().as_u16(), 200);
    let report = s.client.sync().sync_now(|_| {}).await.unwrap();
    assert_eq!(report.purged_profiles, [mia.patient_id]);
    assert_eq!(
        s.client.documents().status(&childs).await.unwrap(),
        DocumentStatus::NotDownloaded
    );
    assert_eq!(
        s.client.documents().status(&kept).await.unwrap(),
        DocumentStatus::Pinned
    );
    assert_eq!(s.client.records().check_store().await.unwrap(), "ok");
}

#[tokio::test]
async fn a_full_resync_frees_the_bytes_of_documents_deleted_meanwhile() {
    let s = setup("org.patientportal.test.documents.resync").await;
    let kept = share(&s.server, &s.patient, "Lab results", &pdf(40_000, 7)).await;
    let gone = share(&s.server, &s.patient, "Old referral", &pdf(40_000, 8)).await;
    s.client.sync().sync_now(|_| {}).await.unwrap();
    for id in [&kept, &gone] {
        s.client.documents().pin(id, |_| {}).await.unwrap();
    }
    // The delete is purged from the server's feed before this device pulls again.
    let deleted = s.admin.delete(&format!("documents/{gone}")).await;
    assert_eq!(deleted.status().as_u16(), 204);
    s.server.advance_clock(chrono::Duration::days(31)).await;
    assert!(s.server.purge_tombstones().await >= 1);
    let report = s.client.sync().sync_now(|_| {}).await.unwrap();
    assert!(report.resynced, "{report:?}");
    assert_eq!(
        s.client.documents().status(&gone).await.unwrap(),
        DocumentStatus::NotDownloaded
    );
    assert_eq!(
        s.client.documents().status(&kept).await.unwrap(),
        DocumentStatus::Pinned
    );
    s.client.auth().logout().await.unwrap();
}
