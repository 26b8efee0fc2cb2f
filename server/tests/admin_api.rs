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
