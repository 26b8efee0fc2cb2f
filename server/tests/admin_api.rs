//! Reading the practice back through the admin API: its providers and its settings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::Harness;
use portal_model::admin::{PracticeSettings, Providers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn staff_list_the_providers() {
    let h = Harness::start().await;
    let empty: Providers = h.admin.get("providers").await.json().await.unwrap();
    assert!(empty.providers.is_empty());
    let maya = h
        .admin
        .create_provider("Dr. Maya Okafor", "Maya@Clinic.example")
        .await;
    h.clock.advance(chrono::Duration::seconds(1));
    let sam = h
        .admin
        .create_provider("Sam Lindqvist", "sam@clinic.example")
        .await;

    let response = h.admin.get("providers").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"providers": [
            {"id": maya, "name": "Dr. Maya Okafor", "email": "maya@clinic.example"},
            {"id": sam, "name": "Sam Lindqvist", "email": "sam@clinic.example"},
        ]})
    );
    let unauthorized = h
        .http
        .get(h.url("/v1/admin/providers"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn staff_read_the_settings_and_change_one_at_a_time() {
    let h = Harness::start().await;
    let response = h.admin.get("settings").await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut settings: PracticeSettings = response.json().await.unwrap();
    assert_eq!(
        settings,
        PracticeSettings {
            invite_ttl_seconds: 4 * 24 * 3600,
            self_service_reinvite: true,
            welcome_message_enabled: false,
            welcome_message: String::new(),
        }
    );

    settings.self_service_reinvite = false;
    let put = h
        .admin
        .put("settings", serde_json::to_value(&settings).unwrap())
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let read: PracticeSettings = h.admin.get("settings").await.json().await.unwrap();
    assert_eq!(read, settings);
    let unauthorized = h
        .http
        .get(h.url("/v1/admin/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
}

/// The probe "1,000 wrong admin tokens": after ten from one address within a minute,
/// that address is answered 429 with `Retry-After`, even with the right token, until
/// the minute has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_admin_tokens_are_slowed_down_per_address() {
    let h = Harness::start().await;
    let url = h.url("/v1/admin/providers");
    let guess = |token: String| h.http.get(&url).bearer_auth(token).send();
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for n in 0..1000 {
        let answer = guess(format!("guess-{n:04}-Zq8Lx2Nv6Rt0Kw4Pj9Bm3Hc7Fd1Gs5Ya"))
            .await
            .unwrap();
        *statuses.entry(answer.status().as_u16()).or_default() += 1;
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = answer.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
        }
    }
    assert_eq!(
        statuses,
        [(401, 10), (429, 990)].into_iter().collect(),
        "answers to 1,000 wrong tokens"
    );
    // The right token does not get through the wait either.
    let right = h.admin.get("providers").await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    h.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(h.admin.get("providers").await.status(), StatusCode::OK);
}
