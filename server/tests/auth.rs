//! Sign-in, refresh rotation with reuse detection, sign-out, session limits, login
//! backoff, and the account overview, over real HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::Duration;
use common::{Harness, error_code};
use portal_model::{ErrorCode, Me, Session};
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "river otter paints blue";

impl Harness {
    /// A patient who accepted an invite; returns the session from the acceptance.
    async fn active_patient(&self, email: &str) -> Session {
        let (_, token) = self.invited_patient(email).await;
        let response = self.accept(&token, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/auth/login"))
            .json(&json!({"email": email, "password": password, "device_name": "phone"}))
            .send()
            .await
            .unwrap()
    }

    async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/auth/refresh"))
            .json(&json!({"refresh_token": refresh_token}))
            .send()
            .await
            .unwrap()
    }

    async fn me(&self, access_token: &str) -> reqwest::Response {
        self.http
            .get(self.url("/v1/me"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn login_answers_alike_for_unknown_emails_and_wrong_passwords() {
    let h = Harness::start().await;
    h.active_patient("jordan@example.com").await;

    let ok = h.login("Jordan@Example.com", PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let session: Session = ok.json().await.unwrap();
    assert_eq!(session.account.email, "jordan@example.com");
    assert_eq!(session.profiles.len(), 1);

    let wrong = error_code(
        h.login("jordan@example.com", "wrong password here").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unknown = error_code(
        h.login("nobody@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let malformed = error_code(
        h.login("not an email", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(wrong.error.code, ErrorCode::InvalidCredentials);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, malformed);
}

#[tokio::test]
async fn repeated_failures_back_off_per_email_known_or_not() {
    let h = Harness::start().await;
    h.active_patient("jordan@example.com").await;
    for email in ["jordan@example.com", "nobody@example.com"] {
        for _ in 0..5 {
            let r = h.login(email, "wrong password here").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        // The sixth failure set a wait; until it passes, even the right password waits.
        let limited = h.login(email, PASSWORD).await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert_eq!(limited.headers()["retry-after"], "1");
        assert_eq!(
            limited
                .json::<portal_model::ApiErrorBody>()
                .await
                .unwrap()
                .error
                .code,
            ErrorCode::RateLimited
        );
    }
    h.clock.advance(Duration::seconds(1));
    // The wait doubles with each further failure.
    assert_eq!(
        h.login("nobody@example.com", "wrong again!!")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let limited = h.login("nobody@example.com", "wrong again!!").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = limited.headers()["retry-after"].clone();
    assert_eq!(wait, "2", "{:?}", limited.text().await);
    // Another address is not affected, and success clears the count.
    h.active_patient("avery@example.com").await;
    assert_eq!(
        h.login("avery@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        h.login("jordan@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    for _ in 0..4 {
        h.login("jordan@example.com", "wrong password here").await;
    }
    assert_eq!(
        h.login("jordan@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let h = Harness::start().await;
    let first = h.active_patient("jordan@example.com").await;
    assert_eq!(h.me(&first.access_token).await.status(), StatusCode::OK);

    let response = h.refresh(&first.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: Session = response.json().await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(h.me(&second.access_token).await.status(), StatusCode::OK);
    // The old access token went with the rotation.
    assert_eq!(
        h.me(&first.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The app goes on with its new pair; then someone replays the first refresh
    // token: the whole session is revoked.
    let third: Session = h.refresh(&second.refresh_token).await.json().await.unwrap();
    let replay = error_code(
        h.refresh(&first.refresh_token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(replay.error.code, ErrorCode::SessionRevoked);
    for response in [
        h.refresh(&third.refresh_token).await,
        h.me(&third.access_token).await,
    ] {
        assert_eq!(
            error_code(response, StatusCode::UNAUTHORIZED)
                .await
                .error
                .code,
            ErrorCode::SessionRevoked
        );
    }
    // Other sessions of the account are untouched.
    assert_eq!(
        h.login("jordan@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );

    let unknown = error_code(h.refresh(&"A".repeat(43)).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(unknown.error.code, ErrorCode::SessionExpired);
    let garbage = error_code(h.refresh("../../etc").await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(garbage.error.code, ErrorCode::SessionExpired);
}

#[tokio::test]
async fn a_refresh_whose_answer_was_lost_is_rotated_again_once_within_30_seconds() {
    let h = Harness::start().await;
    let first = h.active_patient("jordan@example.com").await;
    let lost: Session = h.refresh(&first.refresh_token).await.json().await.unwrap();

    // The app never got `lost` (killed mid-request) and presents the old token again at
    // once: it gets a fresh pair instead of losing its session, and the pair it never
    // got stops working.
    h.clock.advance(chrono::Duration::seconds(5));
    let response = h.refresh(&first.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: Session = response.json().await.unwrap();
    assert_ne!(again.refresh_token, lost.refresh_token);
    assert_eq!(h.me(&again.access_token).await.status(), StatusCode::OK);
    assert_eq!(
        h.me(&lost.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Once only: the same token a third time is a copy in other hands, even within the
    // window, and the session ends.
    h.clock.advance(chrono::Duration::seconds(1));
    let replay = error_code(
        h.refresh(&first.refresh_token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(replay.error.code, ErrorCode::SessionRevoked);
    assert_eq!(
        h.me(&again.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The window is 30 seconds from the rotation: a token back after 31 is a replay.
    let second: Session = h
        .login("jordan@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let rotated: Session = h.refresh(&second.refresh_token).await.json().await.unwrap();
    h.clock.advance(chrono::Duration::seconds(31));
    let late = error_code(
        h.refresh(&second.refresh_token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(late.error.code, ErrorCode::SessionRevoked);
    assert_eq!(
        h.me(&rotated.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Had someone else received the pair the app never got, presenting it revokes the
    // session too.
    let third: Session = h
        .login("jordan@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let stolen: Session = h.refresh(&third.refresh_token).await.json().await.unwrap();
    let regranted: Session = h.refresh(&third.refresh_token).await.json().await.unwrap();
    let caught = error_code(
        h.refresh(&stolen.refresh_token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(caught.error.code, ErrorCode::SessionRevoked);
    assert_eq!(
        h.me(&regranted.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_revokes_the_session_on_the_server() {
    let h = Harness::start().await;
    let session = h.active_patient("jordan@example.com").await;
    let response = h
        .http
        .post(h.url("/v1/auth/logout"))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for response in [
        h.me(&session.access_token).await,
        h.refresh(&session.refresh_token).await,
    ] {
        assert_eq!(
            error_code(response, StatusCode::UNAUTHORIZED)
                .await
                .error
                .code,
            ErrorCode::SessionRevoked
        );
    }
    let anonymous = h.http.post(h.url("/v1/auth/logout")).send().await.unwrap();
    assert_eq!(
        error_code(anonymous, StatusCode::UNAUTHORIZED)
            .await
            .error
            .code,
        ErrorCode::Unauthorized
    );
}

#[tokio::test]
async fn logout_by_refresh_token_ends_a_session_whose_access_token_expired() {
    let h = Harness::start().await;
    let session = h.active_patient("jordan@example.com").await;
    // Past the access token's life (the idle lock's time, too): the bearer no longer
    // works, the refresh token still does.
    h.clock.advance(Duration::minutes(16));
    let by_bearer = h
        .http
        .post(h.url("/v1/auth/logout"))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(by_bearer.status(), StatusCode::UNAUTHORIZED);
    let by_refresh = h
        .http
        .post(h.url("/v1/auth/logout"))
        .json(&json!({"refresh_token": session.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_refresh.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        error_code(
            h.refresh(&session.refresh_token).await,
            StatusCode::UNAUTHORIZED
        )
        .await
        .error
        .code,
        ErrorCode::SessionRevoked
    );
    // Again, or with a token nobody issued: nothing to end, still 204.
    for token in [session.refresh_token.as_str(), "not-a-token"] {
        let again = h
            .http
            .post(h.url("/v1/auth/logout"))
            .json(&json!({"refresh_token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NO_CONTENT);
    }
    // A body that is not a refresh token is refused, and says so.
    let garbled = h
        .http
        .post(h.url("/v1/auth/logout"))
        .header("content-type", "application/json")
        .body("{\"token\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(garbled, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
}

#[tokio::test]
async fn access_tokens_expire_in_minutes_and_sessions_at_their_idle_and_absolute_limits() {
    let h = Harness::start().await;
    let session = h.active_patient("jordan@example.com").await;
    h.clock.advance(Duration::minutes(15));
    let expired = error_code(h.me(&session.access_token).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(expired.error.code, ErrorCode::SessionExpired);
    // The refresh token still works: the client refreshes and goes on.
    let mut current: Session = h
        .refresh(&session.refresh_token)
        .await
        .json()
        .await
        .unwrap();

    // Idle: 14 days without a refresh ends the session.
    h.clock.advance(Duration::days(14));
    let idle = error_code(
        h.refresh(&current.refresh_token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(idle.error.code, ErrorCode::SessionExpired);

    // Absolute: refreshed every 10 days, a session still ends after 90 days.
    current = h
        .login("jordan@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    for _ in 0..8 {
        h.clock.advance(Duration::days(10));
        let response = h.refresh(&current.refresh_token).await;
        assert_eq!(response.status(), StatusCode::OK);
        current = response.json().await.unwrap();
    }
    h.clock.advance(Duration::days(10));
    let absolute = error_code(
        h.refresh(&current.refresh_token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(absolute.error.code, ErrorCode::SessionExpired);
}

#[tokio::test]
async fn me_lists_profiles_practice_and_care_teams() {
    let h = Harness::start().await;
    let primary = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let therapist = h
        .admin
        .create_provider("Sam Lindqvist", "sam@clinic.example")
        .await;
    let created = h
        .admin
        .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "primary_provider_id": primary,
            "care_team_ids": [therapist]}))
        .await;
    let token = h.last_token().await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();

    let me: Me = h.me(&session.access_token).await.json().await.unwrap();
    assert_eq!(me.account.email, "jordan@example.com");
    assert_eq!(me.profiles[0].patient_id, created.patient_id);
    assert_eq!(me.practices[0].name, "Riverside Family Practice");
    let team = &me.care_teams[0];
    assert_eq!(team.patient_id, created.patient_id);
    assert_eq!(team.primary_provider_id, primary);
    let names: Vec<&str> = team.providers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Dr. Maya Okafor", "Sam Lindqvist"]);

    let missing = error_code(
        h.http.get(h.url("/v1/me")).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(missing.error.code, ErrorCode::Unauthorized);
}

#[tokio::test]
async fn every_answer_is_kept_by_no_cache_and_never_sniffed() {
    let h = Harness::start().await;
    let session = h.active_patient("jordan@example.com").await;
    let answers = [
        h.http
            .get(h.url("/v1/password-policy"))
            .send()
            .await
            .unwrap(),
        h.http
            .get(h.url("/v1/me"))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .unwrap(),
        h.http.get(h.url("/v1/no-such-route")).send().await.unwrap(),
        h.login("jordan@example.com", "wrong password here").await,
        h.admin.get("providers").await,
    ];
    for answer in answers {
        let headers = answer.headers();
        assert!(
            headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("no-store"),
            "{}: {headers:?}",
            answer.url()
        );
        assert_eq!(
            headers["x-content-type-options"],
            "nosniff",
            "{}",
            answer.url()
        );
        // Plain http on loopback: no HSTS (it would pin browsers to https here).
        assert!(!headers.contains_key("strict-transport-security"));
    }

    // Behind TLS (an https public address), browsers are told to keep to https.
    let behind_tls = portal_server::start(portal_server::ServerOptions {
        public_url: Some("https://portal.example-practice.org".parse().unwrap()),
        ..portal_server::ServerOptions::local(common::ADMIN)
    })
    .await
    .unwrap();
    let answer = h
        .http
        .get(format!("{}/v1/password-policy", behind_tls.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

impl Harness {
    async fn change_password(
        &self,
        access_token: &str,
        current: &str,
        new: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url("/v1/auth/password"))
            .bearer_auth(access_token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_every_other_session() {
    const NEW: &str = "seven quiet herons at dusk";
    let h = Harness::start().await;
    let here = h.active_patient("jordan@example.com").await;
    let there: Session = h
        .login("jordan@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    // A reset link asked for earlier must not outlive the password it would replace.
    let asked = h
        .http
        .post(h.url("/v1/auth/password-reset"))
        .json(&json!({"email": "jordan@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let reset_link = h.outbox().await.emails.last().unwrap().links[0].clone();
    let reset_token = reset_link.rsplit_once("/reset/").unwrap().1.to_owned();

    // No session, no change.
    let anonymous = h
        .http
        .post(h.url("/v1/auth/password"))
        .json(&json!({"current_password": PASSWORD, "new_password": NEW}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A weak new password is refused with its reasons, before the current one counts.
    let weak = error_code(
        h.change_password(&here.access_token, PASSWORD, "Password2024!")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(weak.error.code, ErrorCode::WeakPassword);
    assert_eq!(weak.error.reasons, vec![portal_model::PolicyRule::Common]);
    // A wrong current password is refused in words.
    let wrong = error_code(
        h.change_password(&here.access_token, "not my password at all", NEW)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(wrong.error.code, ErrorCode::WrongPassword);
    let mails_before = h.outbox().await.emails.len();

    let changed = h.change_password(&here.access_token, PASSWORD, NEW).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    // This session goes on; the other one ends, its refresh token too.
    assert_eq!(h.me(&here.access_token).await.status(), StatusCode::OK);
    assert_eq!(
        h.refresh(&here.refresh_token).await.status(),
        StatusCode::OK
    );
    for response in [
        h.me(&there.access_token).await,
        h.refresh(&there.refresh_token).await,
    ] {
        assert_eq!(
            error_code(response, StatusCode::UNAUTHORIZED)
                .await
                .error
                .code,
            ErrorCode::SessionRevoked
        );
    }
    // Only the new password signs in; the earlier reset link is spent.
    assert_eq!(
        h.login("jordan@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.login("jordan@example.com", NEW).await.status(),
        StatusCode::OK
    );
    let spent = h
        .http
        .get(h.url(&format!("/v1/auth/password-reset/{reset_token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(spent, StatusCode::GONE).await.error.code,
        ErrorCode::ResetUsed
    );
    // The account's own address is told, with no link in the notice.
    let outbox = h.outbox().await;
    let notice = &outbox.emails[mails_before];
    assert_eq!(notice.to, "jordan@example.com");
    assert!(
        notice.subject.contains("password was changed"),
        "{}",
        notice.subject
    );
    assert!(
        notice.text.contains("every other device was signed out"),
        "{}",
        notice.text
    );
    assert!(notice.links.is_empty());
}

#[tokio::test]
async fn wrong_current_passwords_wait_like_wrong_sign_ins() {
    let h = Harness::start().await;
    let session = h.active_patient("jordan@example.com").await;
    for _ in 0..5 {
        let wrong = h
            .change_password(
                &session.access_token,
                "a wrong guess here",
                "seven quiet herons at dusk",
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    }
    // The sixth wrong guess set a wait: until it passes, even the right password waits.
    let limited = h
        .change_password(
            &session.access_token,
            PASSWORD,
            "seven quiet herons at dusk",
        )
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "1");
    h.clock.advance(Duration::seconds(1));
    let changed = h
        .change_password(
            &session.access_token,
            PASSWORD,
            "seven quiet herons at dusk",
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_policy_refuses_the_ten_thousand_most_common_passwords_without_sending_them() {
    let h = Harness::start().await;
    let policy: serde_json::Value = h
        .http
        .get(h.url("/v1/password-policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(policy["common_refused"], 10_000);
    assert!(policy.get("blocklist").is_none(), "{policy}");
    assert!(policy.to_string().len() < 200, "{policy}");

    let (_, token) = h.invited_patient("jordan@example.com").await;
    // Entries of the list (ranked well inside the first 10,000) and close variants.
    for common in [
        "leavemealone",
        "1qaz2wsx3edc",
        "Sunshine2024!",
        "LETMEIN123456",
    ] {
        let refused = error_code(
            h.accept(&token, common).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(refused.error.code, ErrorCode::WeakPassword, "{common}");
        assert_eq!(
            refused.error.reasons,
            vec![portal_model::PolicyRule::Common],
            "{common}"
        );
    }
    assert_eq!(
        h.accept(&token, PASSWORD).await.status(),
        StatusCode::CREATED
    );
}
