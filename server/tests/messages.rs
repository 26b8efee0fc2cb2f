//! Secure messages with the care team, and the welcome message on activation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Harness, error_code};
use portal_model::sync::{ChangeOp, MutationResults, SyncPage};
use portal_model::{ErrorCode, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "river otter paints blue";

impl Harness {
    async fn mutate_one(
        &self,
        session: &Session,
        n: u32,
        kind: &str,
        profile: &str,
        args: Value,
    ) -> MutationResults {
        self.http
            .post(self.url("/v1/mutations"))
            .bearer_auth(&session.access_token)
            .json(&json!({"mutations": [{"id": format!("00000000-0000-4000-8000-{n:012x}"), "kind": kind, "profile_id": profile, "args": args}]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

fn records<'a>(page: &'a SyncPage, kind: &str) -> Vec<&'a Value> {
    page.changes
        .iter()
        .filter(|c| c.kind == kind)
        .filter_map(|c| c.data.as_ref())
        .collect()
}

#[tokio::test]
async fn patients_and_their_care_team_write_to_each_other() {
    let h = Harness::start().await;
    let primary = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let therapist = h
        .admin
        .create_provider("Sam Lindqvist", "sam@clinic.example")
        .await;
    let outsider = h
        .admin
        .create_provider("Dr. Other", "other@clinic.example")
        .await;
    let created = h
        .admin
        .create_patient(
            json!({"first_name": "Jordan", "last_name": "Rivera", "email": "jordan@example.com",
                               "primary_provider_id": primary, "care_team_ids": [therapist]}),
        )
        .await;
    let token = h.last_token().await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();
    let patient = created.patient_id;

    let sent = h
        .admin
        .post("messages", json!({"patient_id": patient, "provider_id": therapist, "subject": "Next session", "body": "See you Tuesday."}))
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let ids: Value = sent.json().await.unwrap();
    let thread_id = ids["thread_id"].as_str().unwrap().to_owned();
    let message_id = ids["message_id"].as_str().unwrap().to_owned();
    let refused = h
        .admin
        .post(
            "messages",
            json!({"patient_id": patient, "provider_id": outsider, "body": "Hello"}),
        )
        .await;
    assert_eq!(
        error_code(refused, StatusCode::FORBIDDEN).await.error.code,
        ErrorCode::Forbidden
    );

    let page = h.feed(&session, None).await;
    let thread = records(&page, "thread")[0];
    assert_eq!(
        (thread["subject"].as_str(), thread["unread_count"].as_i64()),
        (Some("Next session"), Some(1))
    );
    let message = records(&page, "message")[0];
    assert_eq!(
        message["sender"],
        json!({"kind": "provider", "id": therapist})
    );
    assert_eq!(message["body"], "See you Tuesday.");

    let reply = h
        .mutate_one(
            &session,
            1,
            "send_message",
            &patient,
            json!({"thread_id": thread_id, "body": "Thanks, see you then."}),
        )
        .await;
    assert_eq!(reply.results[0].code, None);
    let opened = h.mutate_one(&session, 2, "send_message", &patient, json!({"provider_id": primary, "subject": "Refill", "body": "Could you renew my prescription?"})).await;
    assert_eq!(opened.results[0].code, None);
    for (n, args, code) in [
        (
            3,
            json!({"provider_id": outsider, "body": "Hi"}),
            "not_care_team",
        ),
        (
            4,
            json!({"thread_id": thread_id, "body": "   "}),
            "invalid_args",
        ),
        (
            5,
            json!({"thread_id": thread_id, "body": "see attached", "attachment_ids": ["upl_1"]}),
            "upload_missing",
        ),
        (
            6,
            json!({"thread_id": "thr_nope", "body": "hello"}),
            "not_found",
        ),
    ] {
        let result = h
            .mutate_one(&session, n, "send_message", &patient, args)
            .await;
        assert_eq!(result.results[0].code.as_deref(), Some(code));
    }

    let read = h
        .mutate_one(
            &session,
            7,
            "mark_read",
            &patient,
            json!({"thread_id": thread_id, "up_to_message_id": message_id}),
        )
        .await;
    assert_eq!(read.results[0].code, None);
    let page = h.feed(&session, None).await;
    let threads = records(&page, "thread");
    assert_eq!(threads.len(), 2);
    let first = threads
        .iter()
        .find(|t| t["subject"] == "Next session")
        .unwrap();
    assert_eq!(first["unread_count"], 0);
    let messages = records(&page, "message");
    assert_eq!(messages.len(), 3);
    let original = messages
        .iter()
        .find(|m| m["body"] == "See you Tuesday.")
        .unwrap();
    assert!(original["read_at"].is_string());
    assert!(
        messages
            .iter()
            .any(|m| m["sender"]["kind"] == "patient" && m["body"] == "Thanks, see you then.")
    );
}

#[tokio::test]
async fn the_welcome_message_arrives_when_the_account_becomes_active() {
    let h = Harness::start().await;
    let bad = h
        .admin
        .put(
            "settings",
            json!({"invite_ttl_seconds": 345600, "self_service_reinvite": true,
                                "welcome_message_enabled": true, "welcome_message": "  "}),
        )
        .await;
    assert_eq!(
        error_code(bad, StatusCode::BAD_REQUEST).await.error.code,
        ErrorCode::BadRequest
    );
    let ok = h
        .admin
        .put(
            "settings",
            json!({"invite_ttl_seconds": 345600, "self_service_reinvite": true,
                                "welcome_message_enabled": true,
                                "welcome_message": "Welcome! Message us here any time."}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);

    let (_, token) = h.invited_patient("jordan@example.com").await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();
    let page = h.feed(&session, None).await;
    let threads = records(&page, "thread");
    assert_eq!(threads.len(), 1);
    assert_eq!(
        threads[0]["subject"],
        "Welcome to Riverside Family Practice"
    );
    assert_eq!(threads[0]["unread_count"], 1);
    let messages = records(&page, "message");
    assert_eq!(messages[0]["body"], "Welcome! Message us here any time.");
    assert_eq!(messages[0]["sender"]["kind"], "provider");

    // Turned off, nobody else gets one.
    h.admin
        .put(
            "settings",
            json!({"invite_ttl_seconds": 345600, "self_service_reinvite": true,
                                "welcome_message_enabled": false, "welcome_message": ""}),
        )
        .await;
    let (_, token) = h.invited_patient("avery@example.com").await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();
    assert!(records(&h.feed(&session, None).await, "thread").is_empty());
}

#[tokio::test]
async fn staff_delete_a_message_and_the_thread_follows() {
    let h = Harness::start().await;
    let provider = h.provider().await;
    let created = h
        .admin
        .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
                               "email": "jordan@example.com", "primary_provider_id": provider}))
        .await;
    let patient = created.patient_id;
    let token = h.last_token().await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();
    let send = |body: &'static str, thread: Option<String>| {
        h.admin.post(
            "messages",
            json!({"patient_id": patient, "provider_id": provider, "body": body, "thread_id": thread}),
        )
    };
    let first: Value = send("See you Tuesday.", None).await.json().await.unwrap();
    let thread_id = first["thread_id"].as_str().unwrap().to_owned();
    h.clock.advance(chrono::Duration::minutes(5));
    let second: Value = send("Sorry, Wednesday.", Some(thread_id.clone()))
        .await
        .json()
        .await
        .unwrap();
    let second_id = second["message_id"].as_str().unwrap().to_owned();
    let page = h.feed(&session, None).await;
    let before = records(&page, "thread")[0].clone();
    assert_eq!(before["unread_count"], 2);
    let first_sent_at = records(&page, "message")
        .iter()
        .find(|m| m["body"] == "See you Tuesday.")
        .unwrap()["sent_at"]
        .clone();

    let deleted = h.admin.delete(&format!("messages/{second_id}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let next = h.feed(&session, Some(&page.cursor)).await;
    let gone = next.changes.iter().find(|c| c.kind == "message").unwrap();
    assert_eq!(
        (gone.id.as_str(), gone.op),
        (second_id.as_str(), ChangeOp::Delete)
    );
    let thread = records(&next, "thread")[0];
    assert_eq!(thread["unread_count"], 1);
    assert_eq!(thread["last_message_at"], first_sent_at);

    for id in [
        second_id.as_str(),
        thread_id.as_str(),
        "msg_000000000000000000000000",
    ] {
        let again = h.admin.delete(&format!("messages/{id}")).await;
        assert_eq!(
            error_code(again, StatusCode::NOT_FOUND).await.error.code,
            ErrorCode::NotFound,
            "{id}"
        );
    }
}

/// A patient attaches files: each upload is filed as a document of the patient, under
/// the name it was uploaded with, and the message lists the documents.
#[tokio::test]
async fn a_patients_message_carries_the_files_uploaded_for_it() {
    let h = Harness::start().await;
    let primary = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let created = h
        .admin
        .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "primary_provider_id": primary}))
        .await;
    let token = h.last_token().await;
    let session: Session = h.accept(&token, PASSWORD).await.json().await.unwrap();
    let patient = created.patient_id;
    let put = |id: &'static str, disposition: Option<&'static str>, body: &'static [u8]| {
        let mut request = h
            .http
            .put(h.url(&format!("/v1/uploads/{id}")))
            .bearer_auth(&session.access_token)
            .header("content-type", "image/png")
            .body(body);
        if let Some(disposition) = disposition {
            request = request.header("content-disposition", disposition);
        }
        request.send()
    };
    let named =
        "attachment; filename=\"fallback.png\"; filename*=UTF-8''..%2Fr%C3%A9sum%C3%A9%20scan.png";
    for (id, disposition, body) in [
        ("upl-a", Some(named), &b"first scan"[..]),
        ("upl-b", None, &b"second scan"[..]),
    ] {
        assert_eq!(
            put(id, disposition, body).await.unwrap().status(),
            StatusCode::CREATED
        );
    }
    let refusals = [
        (json!(["upl-a", "upl-a"]), "invalid_args"),
        (json!("upl-a"), "invalid_args"),
        (json!([1]), "invalid_args"),
        (json!(["upl-a", "upl-404"]), "upload_missing"),
        (
            json!((0..11).map(|n| format!("upl-{n}")).collect::<Vec<_>>()),
            "invalid_args",
        ),
    ];
    for (n, (ids, code)) in refusals.into_iter().enumerate() {
        let result = h
            .mutate_one(
                &session,
                n as u32 + 1,
                "send_message",
                &patient,
                json!({"provider_id": primary, "body": "Scans", "attachment_ids": ids}),
            )
            .await;
        assert_eq!(result.results[0].code.as_deref(), Some(code), "{ids}");
    }
    let page = h.feed(&session, None).await;
    assert!(
        records(&page, "message").is_empty(),
        "a refusal writes nothing"
    );
    assert!(records(&page, "document").is_empty());

    let sent = h
        .mutate_one(
            &session,
            20,
            "send_message",
            &patient,
            json!({"provider_id": primary, "subject": "Scans", "body": "Both attached.",
                   "attachment_ids": ["upl-a", "upl-b"]}),
        )
        .await;
    assert_eq!(sent.results[0].code, None);
    let page = h.feed(&session, None).await;
    let message = records(&page, "message")[0];
    let attached: Vec<&str> = message["attachment_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(attached.len(), 2);
    let documents: Vec<(&str, &Value)> = page
        .changes
        .iter()
        .filter(|c| c.kind == "document")
        .map(|c| (c.id.as_str(), c.data.as_ref().unwrap()))
        .collect();
    for (id, title, bytes) in [
        (attached[0], "résumé scan.png", &b"first scan"[..]),
        (attached[1], "Attachment", &b"second scan"[..]),
    ] {
        let (_, data) = documents.iter().find(|(d, _)| *d == id).unwrap();
        assert_eq!(
            (
                data["title"].as_str(),
                data["category"].as_str(),
                data["content_type"].as_str()
            ),
            (Some(title), Some("upload"), Some("image/png"))
        );
        let content = h
            .http
            .get(h.url(&format!("/v1/documents/{id}/content")))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(content.bytes().await.unwrap().as_ref(), bytes);
    }
}
