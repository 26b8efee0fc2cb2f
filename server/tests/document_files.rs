//! Documents: shared by staff, downloaded by patients with ETag and byte ranges (so a
//! download resumes), and uploaded by patients, idempotently by upload id.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

/// Hex SHA-256, as documents' ETags and `sha256` fields give it.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

use common::{Harness, error_code};
use portal_model::sync::MutationResults;
use portal_model::{ErrorCode, Session};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn pdf_bytes() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..5000u32).flat_map(|i| (i % 251) as u8..=(i % 251) as u8));
    bytes
}

impl Harness {
    async fn share(
        &self,
        patient_id: &str,
        title: &str,
        category: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let form = Form::new()
            .text("patient_id", patient_id.to_owned())
            .text("title", title.to_owned())
            .text("category", category.to_owned())
            .part(
                "file",
                Part::bytes(bytes)
                    .file_name("doc.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        self.http
            .post(self.url("/v1/admin/documents"))
            .bearer_auth(common::ADMIN)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    async fn download(
        &self,
        session: &Session,
        id: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .get(self.url(&format!("/v1/documents/{id}/content")))
            .bearer_auth(&session.access_token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }
}

async fn patient(h: &Harness, email: &str) -> (String, Session) {
    let (id, token) = h.invited_patient(email).await;
    let session: Session = h
        .accept(&token, "river otter paints blue")
        .await
        .json()
        .await
        .unwrap();
    (id, session)
}

#[tokio::test]
async fn shared_documents_download_whole_or_in_ranges() {
    let h = Harness::start().await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    let (_, other) = patient(&h, "avery@example.com").await;
    let bytes = pdf_bytes();
    let response = h
        .share(&jordan, "Lab results", "shared", bytes.clone())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["document_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = h.feed(&session, None).await;
    let record = page
        .changes
        .iter()
        .find(|c| c.kind == "document")
        .unwrap()
        .data
        .clone()
        .unwrap();
    let sha = sha256_hex(&bytes);
    assert_eq!(record["sha256"], sha.as_str());
    assert_eq!(record["size"], bytes.len());
    assert_eq!(record["content_type"], "application/pdf");
    assert_eq!(record["title"], "Lab results");

    let whole = h.download(&session, &id, &[]).await;
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["etag"], format!("\"{sha}\"").as_str());
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap().to_vec(), bytes);

    // Resume: the rest after what arrived, then check the whole against the SHA-256.
    let first = h.download(&session, &id, &[("range", "bytes=0-999")]).await;
    assert_eq!(first.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        first.headers()["content-range"],
        format!("bytes 0-999/{}", bytes.len()).as_str()
    );
    let mut joined = first.bytes().await.unwrap().to_vec();
    let rest = h
        .download(
            &session,
            &id,
            &[
                ("range", "bytes=1000-"),
                ("if-range", &format!("\"{sha}\"")),
            ],
        )
        .await;
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    joined.extend(rest.bytes().await.unwrap());
    assert_eq!(sha256_hex(&joined), sha);

    let tail = h.download(&session, &id, &[("range", "bytes=-9")]).await;
    assert_eq!(
        tail.bytes().await.unwrap().to_vec(),
        bytes[bytes.len() - 9..].to_vec()
    );
    let stale = h
        .download(
            &session,
            &id,
            &[("range", "bytes=0-9"), ("if-range", "\"something-else\"")],
        )
        .await;
    assert_eq!(
        stale.status(),
        StatusCode::OK,
        "a stale If-Range gets the whole document"
    );
    let beyond = h
        .download(&session, &id, &[("range", "bytes=999999-")])
        .await;
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{}", bytes.len()).as_str()
    );
    let cached = h
        .download(&session, &id, &[("if-none-match", &format!("\"{sha}\""))])
        .await;
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let theirs = h.download(&other, &id, &[]).await;
    assert_eq!(
        error_code(theirs, StatusCode::NOT_FOUND).await.error.code,
        ErrorCode::NotFound
    );
    let anonymous = h
        .http
        .get(h.url(&format!("/v1/documents/{id}/content")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let deleted = h.admin.delete(&format!("documents/{id}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        h.download(&session, &id, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn patients_upload_once_and_file_the_upload_as_a_document() {
    let h = Harness::start().await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    let put = |id: &'static str, body: &'static [u8]| {
        h.http
            .put(h.url(&format!("/v1/uploads/{id}")))
            .bearer_auth(&session.access_token)
            .header("content-type", "image/jpeg")
            .body(body)
            .send()
    };
    assert_eq!(
        put("upl-1", b"first photo").await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        put("upl-1", b"first photo").await.unwrap().status(),
        StatusCode::OK
    );
    let clash = put("upl-1", b"another photo").await.unwrap();
    assert_eq!(
        error_code(clash, StatusCode::CONFLICT).await.error.code,
        ErrorCode::Conflict
    );
    assert_eq!(
        put("bad id!", b"x").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );

    let results: MutationResults = h
        .http
        .post(h.url("/v1/mutations"))
        .bearer_auth(&session.access_token)
        .json(&json!({"mutations": [
            {"id": "00000000-0000-4000-8000-000000000001", "kind": "upload_document", "profile_id": jordan,
             "args": {"upload_id": "upl-1", "title": "Insurance card"}},
            {"id": "00000000-0000-4000-8000-000000000002", "kind": "upload_document", "profile_id": jordan,
             "args": {"upload_id": "upl-404", "title": "Missing"}}
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(results.results[0].code, None);
    assert_eq!(results.results[1].code.as_deref(), Some("upload_missing"));
    let page = h.feed(&session, None).await;
    let document = page.changes.iter().find(|c| c.kind == "document").unwrap();
    let data = document.data.as_ref().unwrap();
    assert_eq!(
        (data["category"].as_str(), data["content_type"].as_str()),
        (Some("upload"), Some("image/jpeg"))
    );
    let bytes = h
        .download(&session, &document.id, &[])
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), b"first photo");
}

#[tokio::test]
async fn bad_document_uploads_are_refused() {
    let h = Harness::start().await;
    let (jordan, _) = patient(&h, "jordan@example.com").await;
    let wrong_category = h.share(&jordan, "X", "secret", b"abc".to_vec()).await;
    assert_eq!(
        error_code(wrong_category, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
    let empty = h.share(&jordan, "X", "shared", Vec::new()).await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let no_file = h
        .http
        .post(h.url("/v1/admin/documents"))
        .bearer_auth(common::ADMIN)
        .multipart(Form::new().text("patient_id", jordan.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(no_file, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
}

/// Puts `body` as upload `id` with `content_type` and, if given, a file name header.
async fn put_upload(
    h: &Harness,
    session: &Session,
    id: &str,
    content_type: &str,
    disposition: Option<&str>,
    body: &'static [u8],
) -> StatusCode {
    let mut request = h
        .http
        .put(h.url(&format!("/v1/uploads/{id}")))
        .bearer_auth(&session.access_token)
        .header("content-type", content_type)
        .body(body);
    if let Some(disposition) = disposition {
        request = request.header("content-disposition", disposition);
    }
    request.send().await.unwrap().status()
}

/// A new mutation id for each call.
fn next_mutation_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Runs one mutation and returns its result's code (`None`: applied).
async fn mutate_one(
    h: &Harness,
    session: &Session,
    kind: &str,
    profile: &str,
    args: Value,
) -> Option<String> {
    let results = h
        .mutate(
            session,
            json!([{"id": next_mutation_id(), "kind": kind, "profile_id": profile, "args": args}]),
        )
        .await;
    results.results[0].code.clone()
}

#[tokio::test]
async fn documents_download_as_attachments_that_never_render_as_pages() {
    let h = Harness::start().await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    // A page with a script, uploaded as HTML and filed as a document.
    let page: &'static [u8] = b"<html><script>alert(document.cookie)</script></html>";
    assert_eq!(
        put_upload(&h, &session, "page-1", "text/html", None, page).await,
        StatusCode::CREATED
    );
    let filed = mutate_one(
        &h,
        &session,
        "upload_document",
        &jordan,
        json!({"upload_id": "page-1", "title": "Referral letter"}),
    )
    .await;
    assert_eq!(filed, None);
    let feed = h.feed(&session, None).await;
    let document = feed.changes.iter().find(|c| c.kind == "document").unwrap();
    assert_eq!(
        document.data.as_ref().unwrap()["content_type"],
        "application/octet-stream",
        "the feed describes it as something to render"
    );
    let served = h.download(&session, &document.id, &[]).await;
    assert_eq!(served.status(), StatusCode::OK);
    let headers = served.headers();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], "sandbox");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Referral letter\"; filename*=UTF-8''Referral%20letter"
    );
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );

    // A PDF stays a PDF, still as an attachment.
    let shared = h.share(&jordan, "Lab results", "shared", pdf_bytes()).await;
    let id = shared.json::<Value>().await.unwrap()["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pdf = h.download(&session, &id, &[]).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(
        pdf.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
}

#[tokio::test]
async fn names_that_hide_their_extension_lose_the_trick_and_patients_file_only_uploads() {
    let h = Harness::start().await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    let body: &'static [u8] = b"MZ not really a program";
    assert_eq!(
        put_upload(&h, &session, "rlo-1", "application/pdf", None, body).await,
        StatusCode::CREATED
    );
    // U+202E (right-to-left override) shows "invoice\u{202E}fdp.exe" as "invoiceexe.pdf".
    let filed = mutate_one(
        &h,
        &session,
        "upload_document",
        &jordan,
        json!({"upload_id": "rlo-1", "title": "invoice\u{202E}fdp.exe"}),
    )
    .await;
    assert_eq!(filed, None);
    // The same name given as the file's own, for a message attachment.
    assert_eq!(
        put_upload(
            &h,
            &session,
            "rlo-2",
            "application/pdf",
            Some("attachment; filename*=UTF-8''scan%E2%80%AEfdp.exe"),
            body
        )
        .await,
        StatusCode::CREATED
    );
    let provider = h.primary_provider(&jordan).await;
    let sent = mutate_one(
        &h,
        &session,
        "send_message",
        &jordan,
        json!({"provider_id": provider, "subject": "Scan", "body": "Attached.",
               "attachment_ids": ["rlo-2"]}),
    )
    .await;
    assert_eq!(sent, None);
    let feed = h.feed(&session, None).await;
    let mut titles: Vec<String> = feed
        .changes
        .iter()
        .filter(|c| c.kind == "document")
        .map(|c| {
            c.data.as_ref().unwrap()["title"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    titles.sort();
    assert_eq!(titles, ["invoicefdp.exe", "scanfdp.exe"]);

    // An invoice or a superbill comes from the practice, never from the patient.
    for category in ["invoice", "superbill", "shared"] {
        assert_eq!(
            put_upload(&h, &session, "fake-1", "application/pdf", None, body).await,
            if category == "invoice" {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            }
        );
        let refused = mutate_one(
            &h,
            &session,
            "upload_document",
            &jordan,
            json!({"upload_id": "fake-1", "title": "Paid in full", "category": category}),
        )
        .await;
        assert_eq!(refused.as_deref(), Some("invalid_args"), "{category}");
    }
}

#[tokio::test]
async fn the_audit_log_names_the_staff_credential_the_client_address_and_each_download() {
    let h = Harness::start().await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    // Staff share a document from 127.0.0.5, the patient downloads from 127.0.0.7.
    let staff = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 5]))
        .build()
        .unwrap();
    let form = Form::new()
        .text("patient_id", jordan.clone())
        .text("title", "Lab results")
        .text("category", "shared")
        .part(
            "file",
            Part::bytes(pdf_bytes())
                .file_name("doc.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let shared = staff
        .post(h.url("/v1/admin/documents"))
        .bearer_auth(common::ADMIN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(shared.status(), StatusCode::CREATED);
    let id = shared.json::<Value>().await.unwrap()["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let phone = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 7]))
        .build()
        .unwrap();
    let download = |range: Option<&'static str>| {
        let mut request = phone
            .get(h.url(&format!("/v1/documents/{id}/content")))
            .bearer_auth(&session.access_token);
        if let Some(range) = range {
            request = request.header("range", range);
        }
        request.send()
    };
    assert_eq!(download(None).await.unwrap().status(), StatusCode::OK);
    // Resuming is the same download; starting again is another.
    assert_eq!(
        download(Some("bytes=100-")).await.unwrap().status(),
        StatusCode::PARTIAL_CONTENT
    );
    assert_eq!(
        download(Some("bytes=0-99")).await.unwrap().status(),
        StatusCode::PARTIAL_CONTENT
    );

    let audit: portal_model::admin::AuditLog = h.admin.get("audit").await.json().await.unwrap();
    // The credential by its fingerprint (the first 12 hex digits of its SHA-256), never
    // the token itself.
    let fingerprint: String = {
        use sha2::Digest;
        sha2::Sha256::digest(common::ADMIN.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()[..12]
            .to_owned()
    };
    let created = audit
        .entries
        .iter()
        .find(|e| e.action == "document.create")
        .unwrap_or_else(|| panic!("no document.create in {:?}", audit.entries));
    assert_eq!(created.actor, format!("admin:{fingerprint}"));
    assert_eq!(created.client.as_deref(), Some("127.0.0.5"));
    let downloads: Vec<_> = audit
        .entries
        .iter()
        .filter(|e| e.action == "document.download")
        .collect();
    assert_eq!(downloads.len(), 2, "{downloads:?}");
    for entry in downloads {
        assert_eq!(entry.subject, id);
        assert!(entry.actor.starts_with("account:"), "{entry:?}");
        assert_eq!(entry.client.as_deref(), Some("127.0.0.7"));
    }
    let serialized = serde_json::to_string(&audit).unwrap();
    assert!(!serialized.contains(common::ADMIN));
}

/// An upload of `bytes` under `id`: the answer's status and `Retry-After`.
async fn put_bytes(
    h: &Harness,
    session: &Session,
    id: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Option<String>) {
    let answer = h
        .http
        .put(h.url(&format!("/v1/uploads/{id}")))
        .bearer_auth(&session.access_token)
        .header("content-type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let wait = answer
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (answer.status(), wait)
}

#[tokio::test]
async fn uploads_have_an_hourly_rate_and_a_quota_and_unfiled_ones_are_cleaned_up() {
    let h = Harness::start_adjusted(|options| portal_server::ServerOptions {
        upload_quota_mib: 2,
        ..options
    })
    .await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    let (_, avery) = patient(&h, "avery@example.com").await;
    let unique = |n: u32, size: usize| {
        let mut bytes = format!("%PDF-1.4 upload {n}\n").into_bytes();
        bytes.resize(size, b'.');
        bytes
    };

    // The quota: 2 MiB held at a time.
    assert_eq!(
        put_bytes(&h, &session, "big-1", unique(1, 1_500_000))
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, wait) = put_bytes(&h, &session, "big-2", unique(2, 1_000_000)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Room comes back when the first upload is cleaned up, a week on.
    let wait: u64 = wait.unwrap().parse().unwrap();
    assert!((7 * 86_400 - 60..=7 * 86_400).contains(&wait), "{wait}");
    // Another account is not affected.
    assert_eq!(
        put_bytes(&h, &avery, "big-1", unique(3, 1_000_000)).await.0,
        StatusCode::CREATED
    );

    // The rate: 60 uploads an hour (the one above counts).
    for n in 0..59 {
        let (status, _) =
            put_bytes(&h, &session, &format!("small-{n}"), unique(100 + n, 100)).await;
        assert_eq!(status, StatusCode::CREATED, "upload {n}");
    }
    let (status, wait) = put_bytes(&h, &session, "small-60", unique(200, 100)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = wait.unwrap().parse().unwrap();
    assert!((3_500..=3_600).contains(&wait), "{wait}");
    // Repeating an upload already made is not a new one.
    assert_eq!(
        put_bytes(&h, &session, "small-0", unique(100, 100)).await.0,
        StatusCode::OK
    );

    // One upload is filed as a document; the rest never are.
    let filed = mutate_one(
        &h,
        &session,
        "upload_document",
        &jordan,
        json!({"upload_id": "small-1", "title": "Insurance card"}),
    )
    .await;
    assert_eq!(filed, None);
    let housekeeping = || async {
        h.admin
            .post("test/housekeeping", json!({}))
            .await
            .json::<portal_model::admin::test_support::Housekept>()
            .await
            .unwrap()
    };
    assert_eq!(housekeeping().await.uploads, 0);
    let documents: Vec<_> = h
        .feed(&session, None)
        .await
        .changes
        .into_iter()
        .filter(|c| c.kind == "document")
        .collect();
    assert_eq!(documents.len(), 1);
    let id = documents[0].id.clone();
    h.clock.advance(chrono::Duration::days(8));
    let removed = housekeeping().await;
    // Every upload goes; the files go too, but the filed document's.
    assert_eq!(removed.uploads, 61, "{removed:?}");
    assert_eq!(removed.files, 60, "{removed:?}");
    // A week on, the access token has long expired: sign in again.
    let session: Session = h
        .http
        .post(h.url("/v1/auth/login"))
        .json(&json!({"email": "jordan@example.com", "password": "river otter paints blue", "device_name": "phone"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        h.download(&session, &id, &[]).await.status(),
        StatusCode::OK
    );
    // The quota and the rate are free again.
    assert_eq!(
        put_bytes(&h, &session, "big-2", unique(2, 1_000_000))
            .await
            .0,
        StatusCode::CREATED
    );
}

/// Bytes that differ from chunk to chunk (so a chunk out of place shows).
fn varied(size: usize) -> Vec<u8> {
    (0..size as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// `(seq, length)` of each stored chunk of the content `sha`, read from the server's
/// SQLite file.
fn stored_chunks(db: &std::path::Path, sha: &str) -> Vec<(i64, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut statement = conn
        .prepare("SELECT seq, length(bytes) FROM blob_chunks WHERE blob_key = ?1 ORDER BY seq")
        .unwrap();
    statement
        .query_map([sha], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test]
async fn large_files_are_stored_in_chunks_and_a_range_reads_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.db");
    let h = Harness::start_with(portal_server::Database::SqliteFile(db.clone())).await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    let bytes = varied(1_000_003);
    let response = h.share(&jordan, "Scan", "shared", bytes.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sha = sha256_hex(&bytes);
    assert_eq!(
        stored_chunks(&db, &sha),
        vec![(0, 262_144), (1, 262_144), (2, 262_144), (3, 213_571)],
        "256 KiB chunks, not one value"
    );

    let whole = h.download(&session, &id, &[]).await;
    assert_eq!(whole.headers()["content-length"], "1000003");
    assert_eq!(whole.bytes().await.unwrap().to_vec(), bytes);
    for (start, end) in [
        (0, 0),
        (262_140, 262_150),
        (262_144, 524_287),
        (100, 800_000),
        (999_990, 1_000_002),
    ] {
        let part = h
            .download(&session, &id, &[("range", &format!("bytes={start}-{end}"))])
            .await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            part.headers()["content-length"],
            (end - start + 1).to_string().as_str()
        );
        assert_eq!(
            part.bytes().await.unwrap().to_vec(),
            bytes[start..=end].to_vec(),
            "bytes {start}-{end}"
        );
    }

    // Take the first chunk away: a range within the third still reads (it never
    // touches the first), while the whole file breaks off instead of sending wrong
    // bytes.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "DELETE FROM blob_chunks WHERE blob_key = ?1 AND seq = 0",
        [&sha],
    )
    .unwrap();
    let third = h
        .download(&session, &id, &[("range", "bytes=524288-524388")])
        .await;
    assert_eq!(third.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        third.bytes().await.unwrap().to_vec(),
        bytes[524_288..=524_388].to_vec()
    );
    // The answer breaks off: before its head, or within its body.
    let broken = h
        .http
        .get(h.url(&format!("/v1/documents/{id}/content")))
        .bearer_auth(&session.access_token)
        .send()
        .await;
    let arrived_whole = match broken {
        Ok(answer) => answer.bytes().await.is_ok(),
        Err(_) => false,
    };
    assert!(
        !arrived_whole,
        "a file missing a chunk must not arrive as if whole"
    );
}

/// Sends `pieces` as a chunked body (no `Content-Length`, as a client streaming a file
/// it is still reading) to `PUT /v1/uploads/{id}`; returns the answer's status code.
async fn put_in_pieces(
    h: &Harness,
    session: &Session,
    id: &str,
    pieces: impl Iterator<Item = Vec<u8>>,
) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = h.server.base_url().trim_start_matches("http://").to_owned();
    let address = address.trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "PUT /v1/uploads/{id} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/pdf\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        session.access_token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in pieces {
        let mut frame = format!("{:x}\r\n", piece.len()).into_bytes();
        frame.extend_from_slice(&piece);
        frame.extend_from_slice(b"\r\n");
        // The server may answer (413) and close before the body ends.
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text}"))
}

#[tokio::test]
async fn uploads_are_stored_as_they_arrive_and_one_past_the_limit_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.db");
    let h = Harness::start_with(portal_server::Database::SqliteFile(db.clone())).await;
    let (jordan, session) = patient(&h, "jordan@example.com").await;
    let bytes = varied(700_001);
    let pieces = bytes.chunks(10_000).map(<[u8]>::to_vec).collect::<Vec<_>>();
    assert_eq!(
        put_in_pieces(&h, &session, "scan-1", pieces.clone().into_iter()).await,
        201
    );
    assert_eq!(
        put_in_pieces(&h, &session, "scan-1", pieces.into_iter()).await,
        200,
        "the same upload again is no new upload"
    );
    assert_eq!(
        mutate_one(
            &h,
            &session,
            "upload_document",
            &jordan,
            json!({"upload_id": "scan-1", "title": "Scan"}),
        )
        .await,
        None
    );
    let page = h.feed(&session, None).await;
    let id = page
        .changes
        .iter()
        .find(|c| c.kind == "document")
        .unwrap()
        .id
        .clone();
    let whole = h.download(&session, &id, &[]).await;
    assert_eq!(whole.bytes().await.unwrap().to_vec(), bytes);
    assert_eq!(stored_chunks(&db, &sha256_hex(&bytes)).len(), 3);

    // 26 MiB with no length declared: refused when the 25 MiB limit is passed, and
    // what had arrived is gone.
    let too_big = (0..26).map(|_| vec![b'x'; 1 << 20]);
    assert_eq!(put_in_pieces(&h, &session, "huge", too_big).await, 413);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let left: (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM blob_staging),
                    (SELECT COUNT(*) FROM blob_chunks WHERE blob_key LIKE 'staging:%')",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(left, (0, 0), "an upload refused midway leaves no chunks");
}
