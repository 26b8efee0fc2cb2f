//! Bookings and package purchases: a first-time patient is added and invited
//! automatically, and the provider is emailed either way.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Harness, error_code};
use portal_model::ErrorCode;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn booking(provider: &str, email: &str) -> Value {
    json!({"patient": {"first_name": "Robin", "last_name": "Park", "email": email},
           "provider_id": provider, "starts_at": "2026-12-10T15:00:00Z", "duration_minutes": 50,
           "kind": "in_person", "location": "Room 3"})
}

#[tokio::test]
async fn a_first_booking_adds_and_invites_the_patient_and_tells_the_provider() {
    let h = Harness::start().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let response = h
        .admin
        .post("bookings", booking(&provider, "Robin@Example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let first: Value = response.json().await.unwrap();
    assert_eq!(first["new_patient"], true);
    let emails = h.outbox().await.emails;
    let invite = emails.iter().find(|e| e.to == "robin@example.com").unwrap();
    assert!(invite.links[0].contains("/invite/"));
    let notice = emails
        .iter()
        .find(|e| e.to == "maya@clinic.example")
        .unwrap();
    assert!(notice.subject.contains("New booking: Robin Park"));
    assert!(notice.text.contains("added to your patients and invited"));

    // The second booking finds the patient: no new patient, no new invite.
    let other = h
        .admin
        .create_provider("Sam Lindqvist", "sam@clinic.example")
        .await;
    let second: Value = h
        .admin
        .post("bookings", booking(&other, "robin@example.com"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["new_patient"], false);
    assert_eq!(second["patient_id"], first["patient_id"]);
    let emails = h.outbox().await.emails;
    assert_eq!(
        emails
            .iter()
            .filter(|e| e.to == "robin@example.com")
            .count(),
        1
    );
    let last = emails.last().unwrap();
    assert_eq!(last.to, "sam@clinic.example");
    assert!(!last.text.contains("invited"));
    let record: Value = h
        .admin
        .get(&format!(
            "patients/{}",
            first["patient_id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        record["care_team_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == &json!(other))
    );
}

#[tokio::test]
async fn bad_bookings_change_nothing() {
    let h = Harness::start().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let mut bad = booking(&provider, "robin@example.com");
    bad["duration_minutes"] = json!(0);
    let response = h.admin.post("bookings", bad).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
    let unknown = h
        .admin
        .post("bookings", booking("prv_nope", "robin@example.com"))
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(
        h.outbox().await.emails.is_empty(),
        "nothing was sent for refused bookings"
    );
}
