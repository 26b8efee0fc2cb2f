//! A practice's admin API, as staff tools call it.

use portal_model::admin::{CreatePatientResponse, CreateProviderResponse, InviteSent, Outbox};
use serde_json::{Value, json};

/// A client of `/v1/admin/...` with the admin token.
#[derive(Clone)]
pub struct AdminClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// What a test gets back when it invites a patient.
#[derive(Debug, Clone)]
pub struct Invited {
    pub patient_id: String,
    pub link: String,
    pub token: String,
}

impl AdminClient {
    /// A client for the server at `base` (such as `http://127.0.0.1:4312`).
    pub fn new(base: &str, token: &str) -> Self {
        crate::install_tls_provider();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// POSTs `body` to `/v1/admin/{path}` and returns the raw response.
    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/admin/{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Shares a document titled `title` with a patient the way staff tools do: a
    /// multipart form, category `shared`. Returns the document's id.
    pub async fn share_document(&self, patient_id: &str, title: &str, bytes: &[u8]) -> String {
        let boundary = "portal-test-boundary-0f9d8c7b6a5e4d3c";
        let mut body = Vec::new();
        for (name, value) in [
            ("patient_id", patient_id),
            ("title", title),
            ("category", "shared"),
        ] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"doc.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .http
            .post(format!("{}/v1/admin/documents", self.base))
            .bearer_auth(&self.token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST documents: {e}"));
        assert_eq!(response.status().as_u16(), 201, "POST documents");
        let answer: Value = response.json().await.unwrap_or_else(|e| panic!("{e}"));
        answer["document_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no document_id in {answer}"))
            .to_owned()
    }

    /// PUTs `body` to `/v1/admin/{path}` and returns the raw response.
    pub async fn put(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .put(format!("{}/v1/admin/{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT {path}: {e}"))
    }

    /// PATCHes `body` to `/v1/admin/{path}` and returns the raw response.
    pub async fn patch(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .patch(format!("{}/v1/admin/{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PATCH {path}: {e}"))
    }

    /// DELETEs `/v1/admin/{path}` and returns the raw response.
    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.http
            .delete(format!("{}/v1/admin/{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DELETE {path}: {e}"))
    }

    /// GETs `/v1/admin/{path}` and returns the raw response.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/v1/admin/{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    async fn created<T: serde::de::DeserializeOwned>(&self, path: &str, body: Value) -> T {
        let response = self.post(path, body).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status.as_u16(), 201, "POST {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: {e}: {text}"))
    }

    /// Adds a provider and returns its id.
    pub async fn create_provider(&self, name: &str, email: &str) -> String {
        self.created::<CreateProviderResponse>("providers", json!({"name": name, "email": email}))
            .await
            .provider_id
    }

    /// A group with its own provider, and a join link for it; returns the link.
    pub async fn create_join_link(&self, group_name: &str) -> portal_model::admin::JoinLinkCreated {
        let provider = self
            .create_provider(
                "Dr. Maya Okafor",
                &format!(
                    "group.{}@clinic.example",
                    group_name.to_lowercase().replace(char::is_whitespace, ".")
                ),
            )
            .await;
        let group: portal_model::admin::CreateGroupResponse = self
            .created(
                "groups",
                json!({"name": group_name, "provider_id": provider}),
            )
            .await;
        self.created(&format!("groups/{}/join-links", group.group_id), json!({}))
            .await
    }

    /// Adds a patient from a full request body.
    pub async fn create_patient(&self, body: Value) -> CreatePatientResponse {
        self.created("patients", body).await
    }

    /// Adds a provider and a patient with an email, lets the server email the invite, and
    /// returns the link from that email.
    pub async fn invite_new_patient(&self, first_name: &str, email: &str) -> Invited {
        let provider_id = self
            .create_provider("Dr. Maya Okafor", &format!("okafor+{email}"))
            .await;
        let created = self
            .create_patient(json!({"first_name": first_name, "last_name": "Rivera",
                                   "email": email, "primary_provider_id": provider_id}))
            .await;
        assert!(created.invite.is_some(), "no invite was sent");
        self.last_invite(created.patient_id).await
    }

    /// Sends a new invite for `patient_id` (revoking the earlier ones).
    pub async fn resend_invite(&self, patient_id: &str) -> Invited {
        let _: InviteSent = self
            .created(&format!("patients/{patient_id}/invite"), json!({}))
            .await;
        self.last_invite(patient_id.to_owned()).await
    }

    /// Every email in the server's outbox, oldest first.
    pub async fn outbox(&self) -> Outbox {
        self.get("outbox")
            .await
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET outbox body: {e}"))
    }

    async fn last_invite(&self, patient_id: String) -> Invited {
        let outbox = self.outbox().await;
        let email = outbox
            .emails
            .last()
            .unwrap_or_else(|| panic!("the outbox is empty"));
        let link = email
            .links
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no link"));
        let token = link
            .rsplit_once("/invite/")
            .map(|(_, t)| t.to_owned())
            .unwrap_or_else(|| panic!("not an invite link: {link}"));
        Invited {
            patient_id,
            link,
            token,
        }
    }
}
