//! The browser fallback pages at the links' https paths: what a person without the app
//! sees, over real HTTP on loopback. (tests/tests/browser_pages.rs drives them in
//! Chromium.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::Duration;
use common::Harness;
use reqwest::StatusCode;
use serde_json::json;

impl Harness {
    async fn page(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap())
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let response = self
            .http
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

#[tokio::test]
async fn the_invite_page_sets_a_password_without_the_app() {
    let h = Harness::start().await;
    let (_, token) = h.invited_patient("jordan@example.com").await;
    let path = format!("/invite/{token}");
    let (status, headers, body) = h.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!headers.contains_key("access-control-allow-origin"));
    assert!(body.contains("Welcome, Jordan") && body.contains("Riverside Family Practice"));
    assert!(body.contains(&format!("patientportal://invite/{token}")));

    let (_, body) = h
        .post_form(
            &path,
            &[
                ("password", "river otter paints blue"),
                ("password_confirm", "river otter paints red"),
            ],
        )
        .await;
    assert!(
        body.contains("The two passwords are not the same"),
        "{body}"
    );
    let (_, body) = h
        .post_form(
            &path,
            &[
                ("password", "iloveyou1234"),
                ("password_confirm", "iloveyou1234"),
            ],
        )
        .await;
    assert!(body.contains("not a commonly used password"), "{body}");
    let (_, body) = h.post_form(&path, &[("password", "river")]).await;
    assert!(
        body.contains("Please fill in both password fields"),
        "{body}"
    );

    let (status, body) = h
        .post_form(
            &path,
            &[
                ("password", "river otter paints blue"),
                ("password_confirm", "river otter paints blue"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("id=\"password-set\"") && body.contains("jordan@example.com"),
        "{body}"
    );
    let (status, _, body) = h.page(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("id=\"invite-used\""));

    let login = h
        .http
        .post(h.url("/v1/auth/login"))
        .json(&json!({"email": "jordan@example.com", "password": "river otter paints blue", "device_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn names_are_escaped_and_unknown_links_get_a_page() {
    let h = Harness::start().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    h.admin
        .create_patient(
            json!({"first_name": "<script>alert(1)</script>", "last_name": "R",
                               "email": "x@example.com", "primary_provider_id": provider}),
        )
        .await;
    let token = h.last_token().await;
    let (_, _, body) = h.page(&format!("/invite/{token}")).await;
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    let (status, headers, body) = h.page(&format!("/invite/{}", "Z".repeat(43))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(body.contains("id=\"invite-not-found\""));
    let (status, _, body) = h.page("/reset/short").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("id=\"reset-not-found\""));
}

#[tokio::test]
async fn an_expired_invite_page_offers_a_new_invitation() {
    let h = Harness::start().await;
    let (_, token) = h.invited_patient("jordan@example.com").await;
    h.clock.advance(Duration::days(5));
    let (status, _, body) = h.page(&format!("/invite/{token}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        body.contains(&format!("action=\"{token}/renew\"")),
        "{body}"
    );
    let (status, body) = h.post_form(&format!("/invite/{token}/renew"), &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(body.contains("id=\"invite-sent\""), "{body}");
    let fresh = h.last_token().await;
    assert_ne!(fresh, token);
    let (status, _, _) = h.page(&format!("/invite/{fresh}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_reset_page_changes_the_password() {
    let h = Harness::start().await;
    let (_, token) = h.invited_patient("jordan@example.com").await;
    h.accept(&token, "river otter paints blue").await;
    h.http
        .post(h.url("/v1/auth/password-reset"))
        .json(&json!({"email": "jordan@example.com"}))
        .send()
        .await
        .unwrap();
    let link = h.outbox().await.emails.pop().unwrap().links[0].clone();
    let path = link.strip_prefix(&h.server.base_url()).unwrap().to_owned();
    let (status, _, body) = h.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("j•••@example.com"));
    let (status, body) = h
        .post_form(
            &path,
            &[
                ("password", "seven quiet harbour lamps"),
                ("password_confirm", "seven quiet harbour lamps"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("id=\"password-changed\""), "{body}");
    let (status, _, body) = h.page(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("id=\"reset-used\""));
}

#[tokio::test]
async fn the_join_page_registers_a_person_who_then_gets_an_invite() {
    let h = Harness::start().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let group: portal_model::admin::CreateGroupResponse = h
        .admin
        .post(
            "groups",
            json!({"name": "Spring <b>group</b>", "provider_id": provider}),
        )
        .await
        .json()
        .await
        .unwrap();
    let link: portal_model::admin::JoinLinkCreated = h
        .admin
        .post(&format!("groups/{}/join-links", group.group_id), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let path = link
        .url
        .strip_prefix(&h.server.base_url())
        .unwrap()
        .to_owned();
    let (status, headers, body) = h.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        body.contains("Join Spring &lt;b&gt;group&lt;/b&gt;"),
        "{body}"
    );

    let (_, body) = h.post_form(&path, &[("first_name", "Sam")]).await;
    assert!(body.contains("Please fill in your name"), "{body}");
    let (status, body) = h
        .post_form(
            &path,
            &[
                ("first_name", "Sam"),
                ("last_name", "Lee"),
                ("date_of_birth", "1990-02-03"),
                ("email", "Sam@Example.com"),
                ("phone", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(body.contains("id=\"check-email\""), "{body}");
    let invite = h.outbox().await.emails.pop().unwrap();
    assert_eq!(invite.to, "sam@example.com");

    h.clock.advance(Duration::days(4));
    let (status, _, body) = h.page(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("id=\"join-expired\""));
}
