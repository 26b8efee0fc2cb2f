//! Invoices with line items, status changes, and superbill PDFs the patient downloads.

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
use portal_model::sync::ChangeOp;
use portal_model::{ErrorCode, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn invoice(patient_id: &str, number: &str, superbill: bool) -> Value {
    json!({"patient_id": patient_id, "number": number, "due_at": "2026-12-31T00:00:00Z", "currency": "USD",
           "superbill": superbill,
           "lines": [{"description": "Psychotherapy, 53 minutes (90837)", "quantity": 1, "amount": 18000},
                     {"description": "Interactive complexity (90785)", "quantity": 2, "amount": 1550}]})
}

/// The text of a PDF as a reader extracts it (poppler's `pdftotext`, which
/// `scripts/setup.sh` installs), and the fonts it uses as `pdffonts` lists them.
fn pdf_text_and_fonts(pdf: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("superbill.pdf");
    std::fs::write(&file, pdf).unwrap();
    let run = |tool: &str, args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("{tool} (poppler-utils, scripts/setup.sh) did not run: {e}")
            });
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("pdftotext", &[file.as_os_str(), "-".as_ref()]);
    let fonts = run("pdffonts", &[file.as_os_str()]);
    (text, fonts)
}

fn pdf_text(pdf: &[u8]) -> String {
    pdf_text_and_fonts(pdf).0
}

/// The superbill of a patient called `first_name` Rivera, as a reader shows it.
async fn superbill_of(
    h: &Harness,
    first_name: &str,
    email: &str,
    number: &str,
) -> (String, String) {
    let invited = h.admin.invite_new_patient(first_name, email).await;
    let session: Session = h
        .accept(&invited.token, "river otter paints blue")
        .await
        .json()
        .await
        .unwrap();
    let created = h
        .admin
        .post("invoices", invoice(&invited.patient_id, number, true))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let page = h.feed(&session, None).await;
    let superbill_id = page
        .changes
        .iter()
        .find(|c| c.kind == "invoice")
        .and_then(|c| c.data.as_ref())
        .and_then(|data| data["superbill_document_id"].as_str())
        .unwrap()
        .to_owned();
    let pdf = h
        .http
        .get(h.url(&format!("/v1/documents/{superbill_id}/content")))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    pdf_text_and_fonts(&pdf)
}

#[tokio::test]
async fn superbills_print_names_in_any_script_with_their_fonts_embedded() {
    let h = Harness::start().await;
    for (n, (name, email)) in [
        ("José Núñez", "jose@example.com"),
        ("李小龙", "lee@example.com"),
        ("Ελένη Zoë-Ångström", "eleni@example.com"),
    ]
    .into_iter()
    .enumerate()
    {
        let (text, fonts) = superbill_of(&h, name, email, &format!("INV-{n}")).await;
        assert!(
            text.contains(&format!("Patient: {name} Rivera")),
            "{name} must print as typed, not as question marks: {text}"
        );
        assert!(text.contains("Total: 211.00 USD"), "{text}");
        // Every font is embedded (as a subset): `pdffonts` lists `emb` as `yes` for each.
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{fonts}");
        for row in rows {
            let columns: Vec<&str> = row.split_whitespace().collect();
            let emb = columns.len().checked_sub(5).map(|i| columns[i]);
            assert_eq!(emb, Some("yes"), "not embedded: {row}\n{fonts}");
        }
    }
}

#[tokio::test]
async fn invoices_reach_the_patient_with_a_superbill_pdf() {
    let h = Harness::start().await;
    let (patient, token) = h.invited_patient("jordan@example.com").await;
    let session: Session = h
        .accept(&token, "river otter paints blue")
        .await
        .json()
        .await
        .unwrap();
    let created = h
        .admin
        .post("invoices", invoice(&patient, "INV-1001", true))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["invoice_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = h.feed(&session, None).await;
    let record = page
        .changes
        .iter()
        .find(|c| c.kind == "invoice")
        .unwrap()
        .data
        .clone()
        .unwrap();
    assert_eq!(
        (record["total"].as_i64(), record["balance"].as_i64()),
        (Some(21100), Some(21100))
    );
    assert_eq!(record["status"], "open");
    assert_eq!(record["lines"].as_array().unwrap().len(), 2);
    let superbill_id = record["superbill_document_id"].as_str().unwrap().to_owned();
    let document = page
        .changes
        .iter()
        .find(|c| c.id == superbill_id)
        .unwrap()
        .data
        .clone()
        .unwrap();
    assert_eq!(
        (
            document["category"].as_str(),
            document["content_type"].as_str()
        ),
        (Some("superbill"), Some("application/pdf"))
    );
    let pdf = h
        .http
        .get(h.url(&format!("/v1/documents/{superbill_id}/content")))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert!(
        text.contains("Patient: Jordan Rivera"),
        "the superbill names the patient: {text}"
    );
    assert!(text.contains("Total: 211.00 USD"), "{text}");
    assert_eq!(document["sha256"], sha256_hex(&pdf).as_str());

    let paid = h
        .admin
        .patch(&format!("invoices/{id}"), json!({"status": "paid"}))
        .await;
    assert_eq!(paid.status(), StatusCode::NO_CONTENT);
    let next = h.feed(&session, Some(&page.cursor)).await;
    let updated = next.changes.iter().find(|c| c.id == id).unwrap();
    assert_eq!(updated.rev, 2);
    assert_eq!(updated.data.as_ref().unwrap()["balance"], 0);

    let deleted = h.admin.delete(&format!("invoices/{id}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let last = h.feed(&session, Some(&next.cursor)).await;
    assert_eq!(last.changes[0].op, ChangeOp::Delete);
}

#[tokio::test]
async fn bad_invoices_are_refused() {
    let h = Harness::start().await;
    let (patient, _) = h.invited_patient("jordan@example.com").await;
    assert_eq!(
        h.admin
            .post("invoices", invoice(&patient, "INV-1", false))
            .await
            .status(),
        StatusCode::CREATED
    );
    let duplicate = h
        .admin
        .post("invoices", invoice(&patient, "INV-1", false))
        .await;
    assert_eq!(
        error_code(duplicate, StatusCode::CONFLICT).await.error.code,
        ErrorCode::Conflict
    );
    for (field, value) in [
        ("currency", json!("usd")),
        ("number", json!(" ")),
        ("lines", json!([])),
        (
            "lines",
            json!([{"description": "x", "quantity": 0, "amount": 100}]),
        ),
        (
            "lines",
            json!([{"description": "x", "quantity": 1, "amount": -5}]),
        ),
    ] {
        let mut body = invoice(&patient, "INV-2", false);
        body[field] = value;
        let response = h.admin.post("invoices", body).await;
        assert_eq!(
            error_code(response, StatusCode::BAD_REQUEST)
                .await
                .error
                .code,
            ErrorCode::BadRequest,
            "{field}"
        );
    }
    let status = h
        .admin
        .patch("invoices/inv_nope", json!({"status": "refunded"}))
        .await;
    assert_eq!(status.status(), StatusCode::BAD_REQUEST);
}
