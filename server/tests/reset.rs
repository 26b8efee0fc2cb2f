//! Password reset and invite renewal: every account state leads somewhere, the answer
//! never reveals which, and an expired invite is no longer a dead end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::Duration;
use common::{Harness, error_code};
use portal_model::admin::ReinviteRequests;
use portal_model::{ErrorCode, ResetInfo, Session, StatusAnswer};
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "river otter paints blue";
const NEW_PASSWORD: &str = "seven quiet harbour lamps";

impl Harness {
    async fn request_reset(&self, email: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/auth/password-reset"))
            .json(&json!({"email": email}))
            .send()
            .await
            .unwrap()
    }

    /// Asks for a reset and checks the deliberately uniform answer.
    async fn reset_answered_alike(&self, email: &str) {
        let response = self.request_reset(email).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let answer: StatusAnswer = response.json().await.unwrap();
        assert_eq!(answer.status, "sent_if_exists");
    }

    async fn reset_token(&self) -> String {
        let email = self.outbox().await.emails.pop().unwrap();
        let link = email.links[0].clone();
        link.rsplit_once("/reset/").unwrap().1.to_owned()
    }

    async fn complete_reset(&self, token: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/auth/password-reset/{token}")))
            .json(&json!({"password": password}))
            .send()
            .await
            .unwrap()
    }

    async fn renew(&self, token: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/invites/{token}/renew")))
            .send()
            .await
            .unwrap()
    }

    async fn self_service(&self, on: bool) {
        let response = self
            .admin
            .put(
                "settings",
                json!({"invite_ttl_seconds": 345600, "self_service_reinvite": on,
                                    "welcome_message_enabled": false, "welcome_message": ""}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    async fn staff_reset(&self, patient_id: String) -> reqwest::Response {
        self.admin
            .post(&format!("patients/{patient_id}/password-reset"), json!({}))
            .await
    }

    async fn email_count(&self) -> usize {
        self.outbox().await.emails.len()
    }
}

#[tokio::test]
async fn an_active_account_resets_its_password_and_every_session_ends() {
    let h = Harness::start().await;
    let (_, invite) = h.invited_patient("jordan@example.com").await;
    let session: Session = h.accept(&invite, PASSWORD).await.json().await.unwrap();

    h.reset_answered_alike("Jordan@Example.com").await;
    let token = h.reset_token().await;
    let info: ResetInfo = h
        .http
        .get(h.url(&format!("/v1/auth/password-reset/{token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info.email_hint, "j•••@example.com");

    let weak = error_code(
        h.complete_reset(&token, "jordan@example.com").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(weak.error.code, ErrorCode::WeakPassword);
    assert_eq!(
        h.complete_reset(&token, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );

    let notice = h.outbox().await.emails.pop().unwrap();
    assert!(
        notice.subject.contains("password was changed"),
        "{}",
        notice.subject
    );
    let me = h
        .http
        .get(h.url("/v1/me"))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(me, StatusCode::UNAUTHORIZED).await.error.code,
        ErrorCode::SessionRevoked
    );
    let login = |password: &'static str| {
        h.http
            .post(h.url("/v1/auth/login"))
            .json(&json!({"email": "jordan@example.com", "password": password, "device_name": "x"}))
            .send()
    };
    assert_eq!(
        login(PASSWORD).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(NEW_PASSWORD).await.unwrap().status(), StatusCode::OK);

    let reused = error_code(
        h.complete_reset(&token, "yet another long passphrase")
            .await,
        StatusCode::GONE,
    )
    .await;
    assert_eq!(reused.error.code, ErrorCode::ResetUsed);

    h.reset_answered_alike("jordan@example.com").await;
    let token = h.reset_token().await;
    h.clock.advance(Duration::hours(1));
    let expired = error_code(
        h.complete_reset(&token, "yet another long passphrase")
            .await,
        StatusCode::GONE,
    )
    .await;
    assert_eq!(expired.error.code, ErrorCode::ResetExpired);
    let missing = error_code(
        h.complete_reset(&"B".repeat(43), NEW_PASSWORD).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(missing.error.code, ErrorCode::ResetNotFound);
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_and_no_email() {
    let h = Harness::start().await;
    h.reset_answered_alike("nobody@example.com").await;
    assert_eq!(h.email_count().await, 0);
}

#[tokio::test]
async fn a_reset_before_the_password_was_set_sends_a_fresh_invite() {
    let h = Harness::start().await;
    let (_, first) = h.invited_patient("jordan@example.com").await;
    // Invite still valid: the reset sends it again, fresh, and the old link is replaced.
    h.reset_answered_alike("jordan@example.com").await;
    let second = h.last_token().await;
    assert_ne!(first, second);
    assert_eq!(
        error_code(h.inspect(&first).await, StatusCode::GONE)
            .await
            .error
            .code,
        ErrorCode::InviteRevoked
    );
    // Invite expired: the seed's dead end. The reset now sends a new invite.
    h.clock.advance(Duration::days(5));
    h.reset_answered_alike("jordan@example.com").await;
    let third = h.last_token().await;
    assert_ne!(second, third);
    assert_eq!(h.inspect(&third).await.status(), StatusCode::OK);
    assert_eq!(
        h.accept(&third, PASSWORD).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn where_the_practice_renews_invites_the_provider_is_asked() {
    let h = Harness::start().await;
    h.self_service(false).await;
    let (patient_id, token) = h.invited_patient("jordan@example.com").await;
    h.clock.advance(Duration::days(5));
    let before = h.email_count().await;
    h.reset_answered_alike("jordan@example.com").await;
    let emails = h.outbox().await.emails;
    assert_eq!(emails.len(), before + 2);
    let to_patient = &emails[before];
    assert_eq!(to_patient.to, "jordan@example.com");
    assert!(
        to_patient.text.contains("We told your care team"),
        "{}",
        to_patient.text
    );
    assert_eq!(emails[before + 1].to, "okafor+jordan@example.com");
    assert!(
        emails[before + 1]
            .subject
            .contains("Jordan Rivera asked for a new portal invitation")
    );

    let renewed = h.renew(&token).await;
    assert_eq!(renewed.status(), StatusCode::ACCEPTED);
    assert_eq!(
        renewed.json::<StatusAnswer>().await.unwrap().status,
        "provider_notified"
    );

    let requests: ReinviteRequests = h.admin.get("reinvite-requests").await.json().await.unwrap();
    assert_eq!(requests.requests.len(), 2);
    assert_eq!(requests.requests[0].patient_name, "Jordan Rivera");
    assert_eq!(requests.requests[0].source, "password_reset");
    assert_eq!(requests.requests[1].source, "renew");
    // The provider re-sends the invite: the requests are handled.
    h.admin.resend_invite(&patient_id).await;
    let requests: ReinviteRequests = h.admin.get("reinvite-requests").await.json().await.unwrap();
    assert!(requests.requests.is_empty());
}

#[tokio::test]
async fn an_expired_invite_renews_itself_from_the_link() {
    let h = Harness::start().await;
    let (_, token) = h.invited_patient("jordan@example.com").await;
    let valid = error_code(h.renew(&token).await, StatusCode::CONFLICT).await;
    assert_eq!(valid.error.code, ErrorCode::InviteValid);

    h.clock.advance(Duration::days(4));
    let renewed = h.renew(&token).await;
    assert_eq!(renewed.status(), StatusCode::ACCEPTED);
    assert_eq!(renewed.json::<StatusAnswer>().await.unwrap().status, "sent");
    let fresh = h.last_token().await;
    assert_ne!(fresh, token);
    assert_eq!(
        error_code(h.renew(&token).await, StatusCode::GONE)
            .await
            .error
            .code,
        ErrorCode::InviteRevoked
    );
    assert_eq!(
        h.accept(&fresh, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        error_code(h.renew(&fresh).await, StatusCode::GONE)
            .await
            .error
            .code,
        ErrorCode::InviteUsed
    );
    assert_eq!(
        error_code(h.renew(&"C".repeat(43)).await, StatusCode::NOT_FOUND)
            .await
            .error
            .code,
        ErrorCode::InviteNotFound
    );
}

#[tokio::test]
async fn a_guardian_resets_into_a_fresh_invite_for_the_child() {
    let h = Harness::start().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    h.admin
        .create_patient(json!({"first_name": "Mia", "last_name": "Rivera",
            "primary_provider_id": provider,
            "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}}))
        .await;
    let first = h.last_token().await;
    let info: portal_model::InviteInfo = h.inspect(&first).await.json().await.unwrap();
    assert_eq!(info.role, portal_model::InviteRole::Guardian);
    h.clock.advance(Duration::days(5));
    h.reset_answered_alike("alex@example.com").await;
    let email = h.outbox().await.emails.pop().unwrap();
    assert_eq!(email.to, "alex@example.com");
    let fresh = email.links[0].rsplit_once("/invite/").unwrap().1.to_owned();
    let session: Session = h.accept(&fresh, PASSWORD).await.json().await.unwrap();
    assert_eq!(session.profiles[0].first_name, "Mia");
    assert_eq!(session.profiles[0].role, portal_model::InviteRole::Guardian);
}

#[tokio::test]
async fn reset_requests_are_rate_limited_per_address() {
    let h = Harness::start().await;
    for _ in 0..5 {
        h.reset_answered_alike("nobody@example.com").await;
    }
    let limited = h.request_reset("nobody@example.com").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    h.reset_answered_alike("somebody@example.com").await;
    h.clock.advance(Duration::hours(1));
    h.reset_answered_alike("nobody@example.com").await;
}

#[tokio::test]
async fn staff_start_a_reset_for_every_kind_of_patient() {
    let h = Harness::start().await;
    h.self_service(false).await;
    let (patient_id, first) = h.invited_patient("jordan@example.com").await;

    // Invited, invite still valid: a fresh invite, the old link revoked.
    let sent = h.staff_reset(patient_id.clone()).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    assert_eq!(
        sent.json::<StatusAnswer>().await.unwrap().status,
        "invite_sent"
    );
    let second = h.last_token().await;
    assert_ne!(first, second);
    assert_eq!(
        error_code(h.inspect(&first).await, StatusCode::GONE)
            .await
            .error
            .code,
        ErrorCode::InviteRevoked
    );

    // Invite expired, and the practice renews invites itself: staff are the ones who
    // would be asked, so the invite goes out at once and open requests are handled.
    h.clock.advance(Duration::days(5));
    h.reset_answered_alike("jordan@example.com").await;
    let sent = h.staff_reset(patient_id.clone()).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    assert_eq!(
        sent.json::<StatusAnswer>().await.unwrap().status,
        "invite_sent"
    );
    let invite = h.outbox().await.emails.pop().unwrap();
    assert_eq!(invite.to, "jordan@example.com");
    let third = h.last_token().await;
    assert_eq!(h.inspect(&third).await.status(), StatusCode::OK);
    let requests: ReinviteRequests = h.admin.get("reinvite-requests").await.json().await.unwrap();
    assert!(requests.requests.is_empty());

    // Active account: a reset link to the account's email, which works.
    assert_eq!(
        h.accept(&third, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let sent = h.staff_reset(patient_id.clone()).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    assert_eq!(
        sent.json::<StatusAnswer>().await.unwrap().status,
        "reset_sent"
    );
    let email = h.outbox().await.emails.pop().unwrap();
    assert_eq!(email.to, "jordan@example.com");
    assert!(email.subject.contains("Reset your"), "{}", email.subject);
    let token = h.reset_token().await;
    assert_eq!(
        h.complete_reset(&token, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );

    // No account and no email: nothing can be sent.
    let provider = h.provider().await;
    let no_email = h
        .admin
        .create_patient(json!({"first_name": "Sam", "last_name": "Lee",
                               "primary_provider_id": provider}))
        .await;
    let refused = error_code(
        h.staff_reset(no_email.patient_id).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused.error.code, ErrorCode::NoEmail);
    let unknown = error_code(
        h.staff_reset("pat_000000000000000000000000".to_owned())
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(unknown.error.code, ErrorCode::NotFound);
    let audit = h.admin.get("audit").await.text().await.unwrap();
    assert!(!audit.contains(&token), "the audit log holds no token");
}
