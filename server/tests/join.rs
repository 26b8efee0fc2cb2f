//! Group join links: many people, one link, 4 days; each joiner verifies their email
//! through an invite, and the answer never reveals who already has an account.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::Duration;
use common::{Harness, error_code};
use portal_model::admin::{CreateGroupResponse, JoinLinkCreated, PatientRecord};
use portal_model::{ErrorCode, JoinInfo, Session, StatusAnswer};
use reqwest::StatusCode;
use serde_json::{Value, json};

impl Harness {
    /// A group with a join link; returns (provider id, join code).
    async fn join_link(&self) -> (String, String) {
        let provider = self
            .admin
            .create_provider("Dr. Maya Okafor", "maya@clinic.example")
            .await;
        let response = self
            .admin
            .post(
                "groups",
                json!({"name": "Spring mindfulness group", "provider_id": provider}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let group: CreateGroupResponse = response.json().await.unwrap();
        let response = self
            .admin
            .post(&format!("groups/{}/join-links", group.group_id), json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let link: JoinLinkCreated = response.json().await.unwrap();
        assert!(
            link.url
                .starts_with(&format!("{}/join/", self.server.base_url()))
        );
        (
            provider,
            link.url.rsplit_once("/join/").unwrap().1.to_owned(),
        )
    }

    async fn join(&self, code: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/join/{code}")))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn join_as(&self, code: &str, first_name: &str, email: &str) -> StatusAnswer {
        let response = self
            .join(code, json!({"first_name": first_name, "last_name": "Lee",
                               "date_of_birth": "1990-02-03", "email": email, "phone": "+1 555 0100"}))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        response.json().await.unwrap()
    }
}

#[tokio::test]
async fn many_people_join_through_one_link_and_each_gets_an_invite() {
    let h = Harness::start().await;
    let (provider, code) = h.join_link().await;
    let info: JoinInfo = h
        .http
        .get(h.url(&format!("/v1/join/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info.group.name, "Spring mindfulness group");
    assert_eq!(info.practice.name, "Riverside Family Practice");
    assert!(info.intake_forms.is_empty());

    for (name, email) in [("Sam", "sam@example.com"), ("Kim", "Kim@Example.com")] {
        assert_eq!(h.join_as(&code, name, email).await.status, "check_email");
        let invite = h.outbox().await.emails.pop().unwrap();
        assert_eq!(invite.to, email.to_lowercase());
        let token = invite.links[0]
            .rsplit_once("/invite/")
            .unwrap()
            .1
            .to_owned();
        let session: Session = h
            .accept(&token, "river otter paints blue")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(session.profiles[0].first_name, name);
        let record: PatientRecord = h
            .admin
            .get(&format!("patients/{}", session.profiles[0].patient_id))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(record.primary_provider_id, provider);
    }
}

#[tokio::test]
async fn the_answer_is_the_same_for_people_who_already_have_an_account() {
    let h = Harness::start().await;
    let (_, code) = h.join_link().await;
    let (_, token) = h.invited_patient("jordan@example.com").await;
    h.accept(&token, "river otter paints blue").await;
    let before = h.outbox().await.emails.len();
    assert_eq!(
        h.join_as(&code, "Jordan", "jordan@example.com")
            .await
            .status,
        "check_email"
    );
    let emails = h.outbox().await.emails;
    assert_eq!(emails.len(), before + 1);
    let note = emails.last().unwrap();
    assert!(
        note.subject.contains("You already have"),
        "{}",
        note.subject
    );
    assert!(note.links.is_empty(), "no invite for an existing account");
    // Nobody new was added: the account still has one profile.
    let login: Session = h
        .http
        .post(h.url("/v1/auth/login"))
        .json(&json!({"email": "jordan@example.com", "password": "river otter paints blue", "device_name": "x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login.profiles.len(), 1);
}

#[tokio::test]
async fn join_links_expire_after_four_days_and_bad_input_is_refused() {
    let h = Harness::start().await;
    let (_, code) = h.join_link().await;
    let missing = h
        .join(
            &code,
            json!({"first_name": "Sam", "email": "sam@example.com"}),
        )
        .await;
    assert_eq!(
        error_code(missing, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
    let bad_email = h
        .join(&code, json!({"first_name": "Sam", "last_name": "Lee", "date_of_birth": "1990-02-03", "email": "sam"}))
        .await;
    assert_eq!(
        error_code(bad_email, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
    let unknown = h
        .http
        .get(h.url(&format!("/v1/join/{}", "J".repeat(43))))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(unknown, StatusCode::NOT_FOUND).await.error.code,
        ErrorCode::JoinLinkNotFound
    );

    h.clock.advance(Duration::days(4));
    let expired = h
        .http
        .get(h.url(&format!("/v1/join/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(expired, StatusCode::GONE).await.error.code,
        ErrorCode::JoinLinkExpired
    );
    let late = h
        .join(&code, json!({"first_name": "Sam", "last_name": "Lee", "date_of_birth": "1990-02-03", "email": "sam@example.com"}))
        .await;
    assert_eq!(
        error_code(late, StatusCode::GONE).await.error.code,
        ErrorCode::JoinLinkExpired
    );
}

#[tokio::test]
async fn joining_is_rate_limited_per_address() {
    let h = Harness::start().await;
    let (_, code) = h.join_link().await;
    for _ in 0..5 {
        h.join_as(&code, "Sam", "sam@example.com").await;
    }
    let limited = h
        .join(&code, json!({"first_name": "Sam", "last_name": "Lee", "date_of_birth": "1990-02-03", "email": "sam@example.com"}))
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    // Repeated joins sent fresh invites to the one patient, not five patients.
    let emails = h.outbox().await.emails;
    assert_eq!(emails.len(), 5);
}

/// The probe "a join name holding a URL": names are letters, marks, spaces, apostrophes
/// and hyphens only, and the email to the typed address carries none of the typed words.
#[tokio::test]
async fn join_names_are_names_and_the_email_does_not_echo_them() {
    let h = Harness::start().await;
    let (_, code) = h.join_link().await;
    for (first_name, why) in [
        ("Visit https://evil.example", "a link"),
        ("Sam\nBcc: all@example.com", "a new line"),
        ("evil.example", "a host name"),
        ("Sam\u{202E}lee", "a character that turns text around"),
    ] {
        let answer = h
            .join(
                &code,
                json!({"first_name": first_name, "last_name": "Lee",
                "date_of_birth": "1990-02-03", "email": "sam@example.com"}),
            )
            .await;
        let body = error_code(answer, StatusCode::BAD_REQUEST).await;
        assert_eq!(body.error.code, ErrorCode::BadRequest, "{why}");
        assert!(
            body.error
                .message
                .contains("only letters, spaces, apostrophes and hyphens"),
            "{why}: {}",
            body.error.message
        );
    }
    assert!(
        h.outbox().await.emails.is_empty(),
        "an email went out for a refused name"
    );

    for (first_name, last_name, email) in [
        ("José", "Núñez-O'Brien", "jose@example.com"),
        ("小龙", "李", "li@example.com"),
    ] {
        let answer = h
            .join(
                &code,
                json!({"first_name": first_name, "last_name": last_name,
                "date_of_birth": "1990-02-03", "email": email}),
            )
            .await;
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
        let invite = h.outbox().await.emails.pop().unwrap();
        assert_eq!(invite.to, email);
        for typed in [first_name, last_name] {
            assert!(
                !invite.text.contains(typed) && !invite.html.contains(typed),
                "the email echoes '{typed}'"
            );
        }
        assert!(!invite.subject.contains(first_name));
    }
}

#[tokio::test]
async fn one_address_joins_a_bounded_number_of_times_an_hour() {
    let h = Harness::start().await;
    let (_, code) = h.join_link().await;
    for n in 0..20 {
        h.join_as(&code, "Sam", &format!("sam{n}@example.com"))
            .await;
    }
    let limited = h
        .join(
            &code,
            json!({"first_name": "Sam", "last_name": "Lee",
            "date_of_birth": "1990-02-03", "email": "sam20@example.com"}),
        )
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    h.clock.advance(Duration::hours(1));
    h.join_as(&code, "Sam", "sam20@example.com").await;
}
