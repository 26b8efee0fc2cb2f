//! The browser pages answer a rate limit as 429 with `Retry-After`, like the API (they
//! answered 500 before).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::Duration;
use common::Harness;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn renewing_an_expired_invite_too_often_from_its_page_is_rate_limited() {
    let h = Harness::start().await;
    let settings = h
        .admin
        .put(
            "settings",
            json!({"invite_ttl_seconds": 345_600, "self_service_reinvite": false,
                   "welcome_message_enabled": false, "welcome_message": ""}),
        )
        .await;
    assert_eq!(settings.status(), StatusCode::OK);
    let (_, token) = h.invited_patient("jordan@example.com").await;
    h.clock.advance(Duration::days(5));
    let renew = || async {
        h.http
            .post(h.url(&format!("/invite/{token}/renew")))
            .send()
            .await
            .unwrap()
    };
    for _ in 0..3 {
        assert_eq!(renew().await.status(), StatusCode::ACCEPTED);
    }
    let limited = renew().await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert!(
        limited.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(limited.text().await.unwrap().contains("Too many attempts"));
}
