//! The invite slice over real HTTP on loopback: add a patient, read the outbox, inspect
//! and accept the invite, and every way an invite can be unusable.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::Duration;
use portal_model::admin::CreatePatientResponse;
use portal_model::{ErrorCode, InviteInfo, PolicyRule, Session};
use portal_server::Database;
use reqwest::StatusCode;
use serde_json::json;

mod common;

use common::{ADMIN, Harness, error_code};

#[tokio::test]
async fn adding_a_patient_emails_an_invite_that_shows_only_what_it_should() {
    let h = Harness::start().await;
    let (_, token) = h.invited_patient("Jordan.Rivera@Example.com").await;
    assert_eq!(token.len(), 43);

    let email = h.outbox().await.emails.pop().unwrap();
    assert_eq!(email.to, "jordan.rivera@example.com");
    assert!(email.text.contains(&token) && email.html.contains(&token));
    assert!(email.subject.contains("Riverside Family Practice"));

    let response = h.inspect(&token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let info: InviteInfo = response.json().await.unwrap();
    assert_eq!(info.patient_first_name, "Jordan");
    assert_eq!(info.practice.name, "Riverside Family Practice");
    assert_eq!(info.email_hint, "j•••@example.com");
    assert!(!info.account_exists);
    let ttl = info.expires_at - h.clock_now();
    assert_eq!(ttl, Duration::days(4));
}

#[tokio::test]
async fn accepting_sets_the_password_signs_in_and_uses_up_the_invite() {
    let h = Harness::start().await;
    let (patient_id, token) = h.invited_patient("jordan@example.com").await;

    let weak = error_code(
        h.accept(&token, "vq7#L").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(weak.error.code, ErrorCode::WeakPassword);
    assert_eq!(weak.error.reasons, vec![PolicyRule::TooShort]);
    let email_as_password = error_code(
        h.accept(&token, "jordan@example.com").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        email_as_password.error.reasons,
        vec![PolicyRule::EqualsEmail]
    );
    let common = error_code(
        h.accept(&token, "Password1234").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(common.error.reasons, vec![PolicyRule::Common]);

    let response = h.accept(&token, "river otter paints blue").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let session: Session = response.json().await.unwrap();
    assert_eq!(session.account.email, "jordan@example.com");
    assert_eq!(session.profiles.len(), 1);
    assert_eq!(session.profiles[0].patient_id, patient_id);
    assert_eq!(session.access_token.len(), 43);
    assert_ne!(session.access_token, session.refresh_token);

    for response in [
        h.inspect(&token).await,
        h.accept(&token, "another good passphrase").await,
    ] {
        let used = error_code(response, StatusCode::GONE).await;
        assert_eq!(used.error.code, ErrorCode::InviteUsed);
    }
}

#[tokio::test]
async fn a_new_invite_revokes_the_old_link() {
    let h = Harness::start().await;
    let (patient_id, first) = h.invited_patient("jordan@example.com").await;
    let response = h
        .admin_post(
            &format!("/v1/admin/patients/{patient_id}/invite"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let second = h.last_token().await;
    assert_ne!(first, second);

    let revoked = error_code(h.inspect(&first).await, StatusCode::GONE).await;
    assert_eq!(revoked.error.code, ErrorCode::InviteRevoked);
    let revoked = error_code(
        h.accept(&first, "river otter paints blue").await,
        StatusCode::GONE,
    )
    .await;
    assert_eq!(revoked.error.code, ErrorCode::InviteRevoked);
    assert_eq!(h.inspect(&second).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_invite_expires_after_four_days() {
    let h = Harness::start().await;
    let (_, token) = h.invited_patient("jordan@example.com").await;
    h.clock.advance(Duration::days(4) - Duration::seconds(1));
    assert_eq!(h.inspect(&token).await.status(), StatusCode::OK);
    h.clock.advance(Duration::seconds(1));
    let expired = error_code(h.inspect(&token).await, StatusCode::GONE).await;
    assert_eq!(expired.error.code, ErrorCode::InviteExpired);
    let expired = error_code(
        h.accept(&token, "river otter paints blue").await,
        StatusCode::GONE,
    )
    .await;
    assert_eq!(expired.error.code, ErrorCode::InviteExpired);
}

#[tokio::test]
async fn a_patient_without_email_is_added_but_cannot_be_invited() {
    let h = Harness::start().await;
    let provider_id = h.provider().await;
    let response = h
        .admin_post(
            "/v1/admin/patients",
            json!({"first_name": "Ada", "last_name": "Quinn", "primary_provider_id": provider_id}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: CreatePatientResponse = response.json().await.unwrap();
    assert!(created.invite.is_none());
    assert!(h.outbox().await.emails.is_empty());

    let response = h
        .admin_post(
            &format!("/v1/admin/patients/{}/invite", created.patient_id),
            json!({}),
        )
        .await;
    let no_email = error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(no_email.error.code, ErrorCode::NoEmail);
}

#[tokio::test]
async fn do_not_send_adds_the_patient_without_an_email() {
    let h = Harness::start().await;
    let provider_id = h.provider().await;
    let response = h
        .admin_post(
            "/v1/admin/patients",
            json!({"first_name": "Ada", "last_name": "Quinn", "email": "ada@example.com",
                   "primary_provider_id": provider_id, "send_invite": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(h.outbox().await.emails.is_empty());
    let duplicate = h
        .admin_post(
            "/v1/admin/patients",
            json!({"first_name": "Ada", "last_name": "Q", "email": "ADA@example.com",
                   "primary_provider_id": provider_id}),
        )
        .await;
    assert_eq!(
        error_code(duplicate, StatusCode::CONFLICT).await.error.code,
        ErrorCode::EmailInUse
    );
}

#[tokio::test]
async fn bad_input_gets_specific_errors_never_a_5xx() {
    let h = Harness::start().await;
    let unauthorized = h
        .http
        .post(h.url("/v1/admin/providers"))
        .json(&json!({"name": "x", "email": "x@y.z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(unauthorized, StatusCode::UNAUTHORIZED)
            .await
            .error
            .code,
        ErrorCode::Unauthorized
    );

    let not_json = h
        .http
        .post(h.url("/v1/admin/providers"))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(not_json, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );

    let missing_field = h
        .admin_post("/v1/admin/patients", json!({"first_name": "A"}))
        .await;
    assert_eq!(
        error_code(missing_field, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );

    let unknown_provider = h
        .admin_post(
            "/v1/admin/patients",
            json!({"first_name": "A", "last_name": "B", "primary_provider_id": "prv_nope"}),
        )
        .await;
    assert_eq!(
        error_code(unknown_provider, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );

    for token in ["short", &"a".repeat(43), &"%2e".repeat(20)] {
        let missing = error_code(h.inspect(token).await, StatusCode::NOT_FOUND).await;
        assert_eq!(missing.error.code, ErrorCode::InviteNotFound);
    }
    let bad_utf8 = h.http.get(h.url("/v1/invites/%FF")).send().await.unwrap();
    assert_eq!(
        error_code(bad_utf8, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
    let wrong_method = h.http.get(h.url("/v1/auth/login")).send().await.unwrap();
    assert_eq!(
        error_code(wrong_method, StatusCode::METHOD_NOT_ALLOWED)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
    let missing_password = h
        .http
        .post(h.url(&format!("/v1/invites/{}/accept", "a".repeat(43))))
        .json(&json!({"device_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(missing_password, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
}

#[tokio::test]
async fn tokens_and_passwords_are_never_stored_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portal.db");
    let h = Harness::start_with(Database::SqliteFile(path.clone())).await;
    let (_, token) = h.invited_patient("jordan@example.com").await;
    let session: Session = h
        .accept(&token, "river otter paints blue")
        .await
        .json()
        .await
        .unwrap();
    h.server.stop().await.unwrap();

    let mut stored = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    for secret in [
        token.as_str(),
        session.access_token.as_str(),
        session.refresh_token.as_str(),
        "river otter paints blue",
    ] {
        assert!(!stored.contains(secret), "a secret is stored in clear");
    }
    assert!(stored.contains(&portal_server::crypto::token_hash(&token)));
    assert!(stored.contains("$argon2id$v=19$m=19456,t=2,p=1$"));
}
