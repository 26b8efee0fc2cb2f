//! Losing access to a profile: when the practice removes a child's guardian, the
//! guardian's account stops acting for the child at once, and its sync feed delivers the
//! child's `profile` as a delete so the client purges it. Other profiles stay.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::{Duration, Utc};
use common::{Harness, error_code};
use portal_model::sync::{ChangeOp, MutationResults, MutationStatus};
use portal_model::{ErrorCode, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "river otter paints blue";

impl Harness {
    async fn appointment_for(&self, patient_id: &str, provider_id: &str) -> String {
        let response = self
            .admin
            .post(
                "appointments",
                json!({"patient_id": patient_id, "provider_id": provider_id,
                       "starts_at": Utc::now() + Duration::hours(72), "duration_minutes": 30,
                       "kind": "in_person", "location": "Room 2"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["appointment_id"].as_str().unwrap().to_owned()
    }
}

impl Harness {
    /// Alex, the guardian of Mia and Leo in one account: the provider, Alex's session,
    /// and the children's patient ids.
    async fn guardian_of_two(&self) -> (String, Session, String, String) {
        let provider = self.provider().await;
        let child = |name: &str| {
            json!({"first_name": name, "last_name": "Rivera", "primary_provider_id": provider,
                   "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}})
        };
        let mia = self.admin.create_patient(child("Mia")).await.patient_id;
        let alex: Session = self
            .accept(&self.last_token().await, PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let leo = self.admin.create_patient(child("Leo")).await.patient_id;
        let claimed = self
            .http
            .post(self.url(&format!("/v1/invites/{}/claim", self.last_token().await)))
            .bearer_auth(&alex.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(claimed.status(), StatusCode::OK);
        (provider, alex, mia, leo)
    }
}

#[tokio::test]
async fn a_removed_guardian_receives_the_childs_profile_delete_and_nothing_more() {
    let h = Harness::start().await;
    let (provider, alex, mia, leo) = h.guardian_of_two().await;
    let mias_visit = h.appointment_for(&mia, &provider).await;
    let before = h.feed(&alex, None).await;
    assert!(before.changes.iter().any(|c| c.id == mias_visit));
    let profile_rev = before
        .changes
        .iter()
        .find(|c| c.kind == "profile" && c.id == mia)
        .unwrap()
        .rev;

    let removed = h.admin.delete(&format!("patients/{mia}/guardian")).await;
    assert_eq!(removed.status(), StatusCode::OK);
    let record: Value = removed.json().await.unwrap();
    assert!(record["guardian"].is_null(), "{record}");

    // The next page holds exactly the profile delete, newer than what the client has.
    let after = h.feed(&alex, Some(&before.cursor)).await;
    assert_eq!(after.changes.len(), 1, "{:?}", after.changes);
    let delete = &after.changes[0];
    assert_eq!(
        (delete.kind.as_str(), delete.id.as_str(), delete.op),
        ("profile", mia.as_str(), ChangeOp::Delete)
    );
    assert_eq!(delete.profile_id.as_deref(), Some(mia.as_str()));
    assert!(delete.data.is_none());
    assert!(delete.rev > profile_rev);
    let wire: Value = serde_json::to_value(delete).unwrap();
    assert_eq!(
        (&wire["kind"], &wire["id"], &wire["op"]),
        (&json!("profile"), &json!(mia), &json!("delete"))
    );

    // Nothing of Mia's reaches Alex any more, from any cursor; Leo stays.
    h.appointment_for(&mia, &provider).await;
    let later = h.feed(&alex, Some(&after.cursor)).await;
    assert!(later.changes.is_empty(), "{:?}", later.changes);
    let fresh = h.feed(&alex, None).await;
    assert!(
        fresh
            .changes
            .iter()
            .filter(|c| c.profile_id.as_deref() == Some(mia.as_str()))
            .all(|c| c.kind == "profile" && c.op == ChangeOp::Delete)
    );
    assert!(
        fresh
            .changes
            .iter()
            .any(|c| c.kind == "profile" && c.id == leo && c.op == ChangeOp::Upsert)
    );
    let me: Value = h
        .http
        .get(h.url("/v1/me"))
        .bearer_auth(&alex.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let profiles: Vec<&str> = me["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["patient_id"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, [leo.as_str()]);

    // Alex can no longer act for Mia.
    let results: MutationResults = h
        .http
        .post(h.url("/v1/mutations"))
        .bearer_auth(&alex.access_token)
        .json(&json!({"mutations": [{
            "id": "00000000-0000-4000-8000-000000000001", "kind": "confirm_appointment",
            "profile_id": mia, "args": {"appointment_id": mias_visit}}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(results.results[0].status, MutationStatus::Rejected);
    assert_eq!(results.results[0].code.as_deref(), Some("forbidden"));

    // Removing again changes nothing; an unknown patient is 404; staff see it audited.
    let again = h.admin.delete(&format!("patients/{mia}/guardian")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(h.feed(&alex, Some(&later.cursor)).await.changes.is_empty());
    let unknown = h
        .admin
        .delete("patients/pat_000000000000000000000000/guardian")
        .await;
    assert_eq!(
        error_code(unknown, StatusCode::NOT_FOUND).await.error.code,
        ErrorCode::NotFound
    );
    let audit: Value = h.admin.get("audit").await.json().await.unwrap();
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "patient.access_removed" && e["subject"] == json!(mia))
    );
}

#[tokio::test]
async fn removing_a_guardian_revokes_the_invite_not_yet_accepted() {
    let h = Harness::start().await;
    let provider = h.provider().await;
    let mia = h
        .admin
        .create_patient(
            json!({"first_name": "Mia", "last_name": "Rivera", "primary_provider_id": provider,
                   "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}}),
        )
        .await
        .patient_id;
    let token = h.last_token().await;
    let removed = h.admin.delete(&format!("patients/{mia}/guardian")).await;
    assert_eq!(removed.status(), StatusCode::OK);
    let revoked = error_code(h.inspect(&token).await, StatusCode::GONE).await;
    assert_eq!(revoked.error.code, ErrorCode::InviteRevoked);
}

/// The feed of an account acting for several profiles is merged from one walk per
/// profile and one over the practice's records: in small pages it still delivers every
/// change once, in the order they were written, exactly as one large page does.
#[tokio::test]
async fn a_guardians_feed_merges_its_profiles_in_write_order() {
    let h = Harness::start().await;
    let (provider, alex, mia, leo) = h.guardian_of_two().await;
    // Writes alternate between the children and the practice (a new provider is a
    // practice-wide record), so every page mixes the walks.
    let mut written = Vec::new();
    for round in 0..4 {
        written.push(h.appointment_for(&mia, &provider).await);
        written.push(h.appointment_for(&leo, &provider).await);
        if round % 2 == 0 {
            h.provider().await;
        }
    }
    let sync = |cursor: Option<String>, limit: u32| {
        let cursor = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let request = h
            .http
            .get(h.url(&format!("/v1/sync?limit={limit}{cursor}")))
            .bearer_auth(&alex.access_token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response
                .json::<portal_model::sync::SyncPage>()
                .await
                .unwrap()
        }
    };
    let whole = sync(None, 1000).await;
    assert!(!whole.has_more);
    let key = |c: &portal_model::sync::Change| (c.kind.clone(), c.id.clone());
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let page = sync(cursor, 2).await;
        assert!(page.changes.len() <= 2);
        paged.extend(page.changes.iter().map(key));
        cursor = Some(page.cursor);
        if !page.has_more {
            break;
        }
    }
    assert_eq!(paged, whole.changes.iter().map(key).collect::<Vec<_>>());
    let appointments: Vec<String> = whole
        .changes
        .iter()
        .filter(|c| c.kind == "appointment")
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(appointments, written, "in the order they were written");
    for kind in ["profile", "provider"] {
        assert!(whole.changes.iter().any(|c| c.kind == kind), "{kind}");
    }
    let profiles = whole.changes.iter().filter(|c| c.kind == "profile").count();
    assert_eq!(profiles, 2, "Mia's and Leo's");
}
