//! The server under test: in-process on a loopback port, with a hand-moved clock, the
//! admin client, and a plain HTTP client for patient-facing calls.

#![allow(dead_code)] // Each test binary uses its own subset.

use portal_e2e::AdminClient;
use portal_model::admin::Outbox;
use portal_model::sync::SyncPage;
use portal_model::{ApiErrorBody, Session};
use portal_server::clock::ManualClock;
use portal_server::{Database, RunningServer, ServerOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub const ADMIN: &str = "test-admin-token";

pub struct Harness {
    pub server: RunningServer,
    pub admin: AdminClient,
    pub http: reqwest::Client,
    pub clock: ManualClock,
}

impl Harness {
    /// One page of the account's sync feed after `cursor` (from the start without one).
    pub async fn feed(&self, session: &Session, cursor: Option<&str>) -> SyncPage {
        let query = cursor.map(|c| format!("?cursor={c}")).unwrap_or_default();
        let response = self
            .http
            .get(self.url(&format!("/v1/sync{query}")))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn start() -> Self {
        Self::start_with(Database::SqliteMemory).await
    }

    pub async fn start_with(database: Database) -> Self {
        portal_e2e::install_tls_provider();
        let clock = ManualClock::default();
        let server = portal_server::start(ServerOptions {
            database,
            clock: Arc::new(clock.clone()),
            ..ServerOptions::local(ADMIN)
        })
        .await
        .unwrap();
        Self {
            admin: AdminClient::new(&server.base_url(), ADMIN),
            server,
            http: reqwest::Client::new(),
            clock,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> reqwest::Response {
        self.admin
            .post(path.trim_start_matches("/v1/admin/"), body)
            .await
    }

    pub async fn provider(&self) -> String {
        self.admin
            .create_provider("Dr. Maya Okafor", "maya@clinic.example")
            .await
    }

    /// Adds a patient with an invite and returns (patient id, token from the outbox).
    pub async fn invited_patient(&self, email: &str) -> (String, String) {
        let invited = self.admin.invite_new_patient("Jordan", email).await;
        let prefix = format!("{}/invite/", self.server.base_url());
        assert!(invited.link.starts_with(&prefix), "{}", invited.link);
        (invited.patient_id, invited.token)
    }

    pub async fn outbox(&self) -> Outbox {
        self.admin.outbox().await
    }

    pub async fn last_token(&self) -> String {
        let outbox = self.outbox().await;
        let link = outbox.emails.last().unwrap().links[0].clone();
        link.rsplit_once("/invite/").unwrap().1.to_owned()
    }

    pub async fn inspect(&self, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/v1/invites/{token}")))
            .send()
            .await
            .unwrap()
    }

    pub async fn accept(&self, token: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/invites/{token}/accept")))
            .json(&json!({"password": password, "device_name": "test laptop"}))
            .send()
            .await
            .unwrap()
    }
}

pub async fn error_code(response: reqwest::Response, status: StatusCode) -> ApiErrorBody {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

impl Harness {
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use portal_server::clock::Clock;
        // The server's expiry is computed from whole milliseconds.
        let now = self.clock.now();
        chrono::DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap()
    }
}
