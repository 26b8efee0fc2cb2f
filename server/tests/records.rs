//! Staff edits (email, care team), guardians claiming children into one account, and the
//! audit log, over real HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Harness, error_code};
use portal_model::admin::{AuditLog, PatientRecord};
use portal_model::{ErrorCode, InviteInfo, InviteRole, Me, ProfilesAnswer, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "river otter paints blue";

impl Harness {
    async fn patch(&self, patient_id: &str, body: Value) -> reqwest::Response {
        self.admin
            .patch(&format!("patients/{patient_id}"), body)
            .await
    }

    async fn claim(&self, token: &str, access_token: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/invites/{token}/claim")))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn changing_the_email_revokes_outstanding_invites() {
    let h = Harness::start().await;
    let (patient_id, token) = h.invited_patient("jordan@old.example").await;
    let response = h
        .patch(
            &patient_id,
            json!({"email": "Jordan@New.example", "first_name": "Jordy"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let record: PatientRecord = response.json().await.unwrap();
    assert_eq!(record.email.as_deref(), Some("jordan@new.example"));
    assert_eq!(record.first_name, "Jordy");
    assert_eq!(
        error_code(h.inspect(&token).await, StatusCode::GONE)
            .await
            .error
            .code,
        ErrorCode::InviteRevoked
    );

    let fresh = h.admin.resend_invite(&patient_id).await;
    assert_eq!(
        h.outbox().await.emails.pop().unwrap().to,
        "jordan@new.example"
    );
    assert_eq!(h.inspect(&fresh.token).await.status(), StatusCode::OK);

    // Same address again (any case): nothing changes, the fresh invite stays valid.
    assert_eq!(
        h.patch(&patient_id, json!({"email": "JORDAN@new.example"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(h.inspect(&fresh.token).await.status(), StatusCode::OK);

    let other = h.invited_patient("avery@example.com").await.0;
    let taken = error_code(
        h.patch(&other, json!({"email": "jordan@new.example"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(taken.error.code, ErrorCode::EmailInUse);
    let cleared: PatientRecord = h
        .patch(&other, json!({"email": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared.email, None);
    let no_email = error_code(
        h.admin
            .post(&format!("patients/{other}/invite"), json!({}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(no_email.error.code, ErrorCode::NoEmail);
    let unknown = error_code(
        h.patch("pat_missing", json!({"first_name": "X"})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(unknown.error.code, ErrorCode::NotFound);
    let blank = error_code(
        h.patch(&other, json!({"first_name": "  "})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(blank.error.code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn the_care_team_is_set_by_staff_and_seen_by_the_patient() {
    let h = Harness::start().await;
    let (patient_id, token) = h.invited_patient("jordan@example.com").await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();
    let therapist = h
        .admin
        .create_provider("Sam Lindqvist", "sam@clinic.example")
        .await;
    let dietitian = h
        .admin
        .create_provider("Ana Costa", "ana@clinic.example")
        .await;

    let response = h
        .admin
        .put(
            &format!("patients/{patient_id}/care-team"),
            json!({"primary_provider_id": therapist, "care_team_ids": [dietitian, therapist]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let record: PatientRecord = response.json().await.unwrap();
    assert_eq!(record.primary_provider_id, therapist);
    let mut expected = vec![therapist.clone(), dietitian.clone()];
    expected.sort();
    assert_eq!(record.care_team_ids, expected);

    let me: Me = h
        .http
        .get(h.url("/v1/me"))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = me.care_teams[0]
        .providers
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["Sam Lindqvist", "Ana Costa"]);

    let bad = h
        .admin
        .put(
            &format!("patients/{patient_id}/care-team"),
            json!({"primary_provider_id": "prv_nope"}),
        )
        .await;
    assert_eq!(
        error_code(bad, StatusCode::BAD_REQUEST).await.error.code,
        ErrorCode::BadRequest
    );
}

#[tokio::test]
async fn a_guardian_with_an_account_claims_a_second_child() {
    let h = Harness::start().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let child = |name: &str| {
        json!({"first_name": name, "last_name": "Rivera", "primary_provider_id": provider,
               "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}})
    };
    h.admin.create_patient(child("Mia")).await;
    let first = h.last_token().await;
    let session: Session = h.accept(&first, PASSWORD).await.json().await.unwrap();
    assert_eq!(session.profiles.len(), 1);

    h.admin.create_patient(child("Leo")).await;
    let second = h.last_token().await;
    let info: InviteInfo = h.inspect(&second).await.json().await.unwrap();
    assert!(info.account_exists);
    assert_eq!(info.role, InviteRole::Guardian);
    let exists = error_code(
        h.accept(&second, "another good passphrase").await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(exists.error.code, ErrorCode::AccountExists);

    // Somebody else's account cannot take the child.
    let (_, stranger_token) = h.invited_patient("stranger@example.com").await;
    let stranger: Session = h
        .accept(&stranger_token, PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let mismatch = error_code(
        h.claim(&second, &stranger.access_token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(mismatch.error.code, ErrorCode::EmailMismatch);

    let claimed = h.claim(&second, &session.access_token).await;
    assert_eq!(claimed.status(), StatusCode::OK);
    let profiles: ProfilesAnswer = claimed.json().await.unwrap();
    let names: Vec<&str> = profiles
        .profiles
        .iter()
        .map(|p| p.first_name.as_str())
        .collect();
    assert_eq!(names, ["Leo", "Mia"]);
    assert!(
        profiles
            .profiles
            .iter()
            .all(|p| p.role == InviteRole::Guardian)
    );
    assert_eq!(
        error_code(
            h.claim(&second, &session.access_token).await,
            StatusCode::GONE
        )
        .await
        .error
        .code,
        ErrorCode::InviteUsed
    );
}

#[tokio::test]
async fn the_audit_log_says_who_did_what_and_holds_no_secrets() {
    let h = Harness::start().await;
    let (patient_id, token) = h.invited_patient("jordan@example.com").await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();
    let response = h.admin.get("audit").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for secret in [
        token.as_str(),
        PASSWORD,
        session.access_token.as_str(),
        session.refresh_token.as_str(),
    ] {
        assert!(!text.contains(secret), "the audit log holds a secret");
    }
    let log: AuditLog = serde_json::from_str(&text).unwrap();
    let actions: Vec<(&str, &str)> = log
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.subject.as_str()))
        .collect();
    assert!(
        actions.contains(&("patient.create", patient_id.as_str())),
        "{actions:?}"
    );
    assert!(actions.contains(&("invite.send", patient_id.as_str())));
    assert!(actions.contains(&("invite.accept", patient_id.as_str())));
    let accept = log
        .entries
        .iter()
        .find(|e| e.action == "invite.accept")
        .unwrap();
    assert_eq!(accept.actor, format!("account:{}", session.account.id));
}
