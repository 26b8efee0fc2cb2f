//! Intake forms: templates, assignment (direct and through a group's join link), drafts
//! and submission checked against the fields.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Harness, error_code};
use portal_model::sync::{ChangeOp, MutationResults};
use portal_model::{ErrorCode, JoinInfo, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn intake() -> Value {
    json!({"title": "New patient intake", "fields": [
        {"id": "reason", "label": "What brings you in?", "type": "textarea", "required": true},
        {"id": "first_visit", "label": "First visit date", "type": "date"},
        {"id": "contact", "label": "Preferred contact", "type": "choice", "options": ["phone", "email"], "required": true},
        {"id": "topics", "label": "Topics", "type": "multi_choice", "options": ["sleep", "stress", "diet"]},
        {"id": "consent", "label": "I agree to the privacy notice", "type": "checkbox", "required": true},
        {"id": "signature", "label": "Signature", "type": "signature", "required": true}
    ]})
}

impl Harness {
    async fn template(&self) -> String {
        let response = self.admin.post("forms", intake()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["form_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn answer(
        &self,
        session: &Session,
        n: u32,
        kind: &str,
        profile: &str,
        form_id: &str,
        answers: Value,
    ) -> MutationResults {
        self.http
            .post(self.url("/v1/mutations"))
            .bearer_auth(&session.access_token)
            .json(&json!({"mutations": [{"id": format!("00000000-0000-4000-8000-{n:012x}"), "kind": kind,
                                         "profile_id": profile, "args": {"form_id": form_id, "answers": answers}}]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn drafts_are_kept_and_submission_checks_every_field() {
    let h = Harness::start().await;
    let template = h.template().await;
    let (patient, token) = h.invited_patient("jordan@example.com").await;
    let session: Session = h
        .accept(&token, "river otter paints blue")
        .await
        .json()
        .await
        .unwrap();
    let assigned = h
        .admin
        .post(
            &format!("forms/{template}/assign"),
            json!({"patient_id": patient}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::CREATED);
    let form_id = assigned.json::<Value>().await.unwrap()["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = h.feed(&session, None).await;
    let form = page.changes.iter().find(|c| c.kind == "form").unwrap();
    assert_eq!(form.id, form_id);
    assert_eq!(
        form.data.as_ref().unwrap()["fields"]
            .as_array()
            .unwrap()
            .len(),
        6
    );

    let draft = h
        .answer(
            &session,
            1,
            "save_form_draft",
            &patient,
            &form_id,
            json!({"reason": "Trouble sleeping"}),
        )
        .await;
    assert_eq!(draft.results[0].code, None);
    let incomplete = h
        .answer(
            &session,
            2,
            "submit_form",
            &patient,
            &form_id,
            json!({"reason": "Trouble sleeping", "consent": false}),
        )
        .await;
    assert_eq!(
        incomplete.results[0].code.as_deref(),
        Some("invalid_answers")
    );
    assert_eq!(
        incomplete.results[0].fields,
        ["consent", "contact", "signature"]
    );
    let invalid = h
        .answer(&session, 3, "save_form_draft", &patient, &form_id,
                json!({"contact": "pigeon", "first_visit": "31/12/2026", "topics": ["sleep", "golf"], "shoe_size": 9}))
        .await;
    assert_eq!(
        invalid.results[0].fields,
        ["contact", "first_visit", "shoe_size", "topics"]
    );

    let complete = json!({"reason": "Trouble sleeping", "first_visit": "2026-12-01", "contact": "email",
                          "topics": ["sleep", "stress"], "consent": true, "signature": "Jordan Rivera"});
    let submitted = h
        .answer(
            &session,
            4,
            "submit_form",
            &patient,
            &form_id,
            complete.clone(),
        )
        .await;
    assert_eq!(submitted.results[0].code, None);
    let again = h
        .answer(&session, 5, "submit_form", &patient, &form_id, complete)
        .await;
    assert_eq!(again.results[0].code.as_deref(), Some("already_submitted"));

    let page = h.feed(&session, None).await;
    let response = page
        .changes
        .iter()
        .find(|c| c.kind == "form_response")
        .unwrap()
        .data
        .clone()
        .unwrap();
    assert_eq!(response["status"], "submitted");
    assert_eq!(response["form_id"], form_id.as_str());
    assert_eq!(response["answers"]["contact"], "email");
    assert!(response["submitted_at"].is_string());
}

#[tokio::test]
async fn malformed_templates_are_refused() {
    let h = Harness::start().await;
    for fields in [
        json!([]),
        json!([{"id": "a", "label": "A", "type": "text"}, {"id": "a", "label": "B", "type": "text"}]),
        json!([{"id": "Bad Id", "label": "A", "type": "text"}]),
        json!([{"id": "a", "label": "A", "type": "slider"}]),
        json!([{"id": "a", "label": "A", "type": "choice"}]),
        json!([{"id": "a", "label": " ", "type": "text"}]),
    ] {
        let response = h
            .admin
            .post("forms", json!({"title": "T", "fields": fields}))
            .await;
        assert_eq!(
            error_code(response, StatusCode::BAD_REQUEST)
                .await
                .error
                .code,
            ErrorCode::BadRequest
        );
    }
    let missing = h
        .admin
        .post("forms/ftp_nope/assign", json!({"patient_id": "pat_nope"}))
        .await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_groups_intake_forms_come_with_joining() {
    let h = Harness::start().await;
    let template = h.template().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let group: Value = h
        .admin
        .post(
            "groups",
            json!({"name": "Sleep group", "provider_id": provider, "intake_form_ids": [template]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let unknown = h
        .admin
        .post(
            "groups",
            json!({"name": "X", "provider_id": provider, "intake_form_ids": ["ftp_nope"]}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let link: Value = h
        .admin
        .post(
            &format!("groups/{}/join-links", group["group_id"].as_str().unwrap()),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = link["url"]
        .as_str()
        .unwrap()
        .rsplit_once("/join/")
        .unwrap()
        .1
        .to_owned();
    let info: JoinInfo = h
        .http
        .get(h.url(&format!("/v1/join/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info.intake_forms.len(), 1);
    assert_eq!(info.intake_forms[0].title, "New patient intake");

    let joined = h
        .http
        .post(h.url(&format!("/v1/join/{code}")))
        .json(&json!({"first_name": "Sam", "last_name": "Lee", "date_of_birth": "1990-02-03", "email": "sam@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), StatusCode::ACCEPTED);
    let token = h.last_token().await;
    let session: Session = h
        .accept(&token, "river otter paints blue")
        .await
        .json()
        .await
        .unwrap();
    let page = h.feed(&session, None).await;
    let form = page.changes.iter().find(|c| c.kind == "form").unwrap();
    assert_eq!(
        form.data.as_ref().unwrap()["template_id"],
        template.as_str()
    );
}

#[tokio::test]
async fn staff_delete_a_patients_form_and_its_answers() {
    let h = Harness::start().await;
    let template = h.template().await;
    let (patient, token) = h.invited_patient("jordan@example.com").await;
    let session: Session = h
        .accept(&token, "river otter paints blue")
        .await
        .json()
        .await
        .unwrap();
    let assigned = h
        .admin
        .post(
            &format!("forms/{template}/assign"),
            json!({"patient_id": patient}),
        )
        .await;
    let form_id = assigned.json::<Value>().await.unwrap()["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let draft = h
        .answer(
            &session,
            1,
            "save_form_draft",
            &patient,
            &form_id,
            json!({"reason": "Trouble sleeping"}),
        )
        .await;
    assert_eq!(draft.results[0].code, None);
    let page = h.feed(&session, None).await;

    let deleted = h.admin.delete(&format!("forms/{form_id}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let next = h.feed(&session, Some(&page.cursor)).await;
    let deletes: Vec<(&str, &str)> = next
        .changes
        .iter()
        .filter(|c| c.op == ChangeOp::Delete)
        .map(|c| (c.kind.as_str(), c.id.as_str()))
        .collect();
    let response_id = format!("rsp_{form_id}");
    assert_eq!(
        deletes,
        [
            ("form", form_id.as_str()),
            ("form_response", response_id.as_str())
        ]
    );
    // The patient can no longer answer it.
    let late = h
        .answer(
            &session,
            2,
            "save_form_draft",
            &patient,
            &form_id,
            json!({"reason": "Still here"}),
        )
        .await;
    assert_eq!(late.results[0].code.as_deref(), Some("not_found"));

    for gone in [
        form_id.as_str(),
        template.as_str(),
        "frm_000000000000000000000000",
    ] {
        let again = h.admin.delete(&format!("forms/{gone}")).await;
        assert_eq!(
            error_code(again, StatusCode::NOT_FOUND).await.error.code,
            ErrorCode::NotFound,
            "{gone}"
        );
    }
    // The template stays, and can be assigned again.
    let reassigned = h
        .admin
        .post(
            &format!("forms/{template}/assign"),
            json!({"patient_id": patient}),
        )
        .await;
    assert_eq!(reassigned.status(), StatusCode::CREATED);
}
