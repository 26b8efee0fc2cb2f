//! The sync feed and mutations over real HTTP on loopback: pages by cursor, only the
//! account's own records, deletes, no skipped rows under concurrent writers, and
//! mutations applied once with typed rejections.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::{Duration, Utc};
use common::{Harness, error_code};
use portal_model::sync::{ChangeOp, MutationStatus, SyncPage};
use portal_model::{ErrorCode, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PASSWORD: &str = "river otter paints blue";

struct Patient {
    patient_id: String,
    provider_id: String,
    session: Session,
}

impl Harness {
    async fn patient(&self, email: &str) -> Patient {
        let invited = self.admin.invite_new_patient("Jordan", email).await;
        let session: Session = self
            .accept(&invited.token, PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let record: Value = self
            .admin
            .get(&format!("patients/{}", invited.patient_id))
            .await
            .json()
            .await
            .unwrap();
        Patient {
            patient_id: invited.patient_id,
            provider_id: record["primary_provider_id"].as_str().unwrap().to_owned(),
            session,
        }
    }

    async fn sync_raw(&self, session: &Session, query: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/v1/sync{query}")))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .unwrap()
    }

    async fn sync(&self, session: &Session, cursor: Option<&str>, limit: u32) -> SyncPage {
        let query = match cursor {
            Some(c) => format!("?cursor={}&limit={limit}", c),
            None => format!("?limit={limit}"),
        };
        let response = self.sync_raw(session, &query).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.json().await.unwrap();
        common::decode_strictly(&page);
        page
    }

    async fn appointment(&self, patient: &Patient, hours_ahead: i64) -> String {
        let response = self
            .admin
            .post(
                "appointments",
                json!({
                "patient_id": patient.patient_id, "provider_id": patient.provider_id,
                "starts_at": Utc::now() + Duration::hours(hours_ahead), "duration_minutes": 50,
                "kind": "telehealth", "telehealth_url": "https://video.example/room/1"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["appointment_id"].as_str().unwrap().to_owned()
    }
}

/// The revision of the profile a page carries.
fn profile_rev(page: &SyncPage) -> i64 {
    page.changes
        .iter()
        .find(|c| c.kind == "profile")
        .unwrap()
        .rev
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

#[tokio::test]
async fn the_feed_holds_the_accounts_profile_providers_and_appointments() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let avery = h.patient("avery@example.com").await;
    let page = h.sync(&jordan.session, None, 500).await;
    assert!(!page.has_more);
    let profile = page.changes.iter().find(|c| c.kind == "profile").unwrap();
    assert_eq!(profile.id, jordan.patient_id);
    let data = profile.data.as_ref().unwrap();
    assert_eq!(data["role"], "self");
    assert_eq!(data["first_name"], "Jordan");
    assert_eq!(data["email"], "jordan@example.com");
    assert!(
        page.changes
            .iter()
            .all(|c| c.profile_id.as_deref() != Some(avery.patient_id.as_str()))
    );
    assert!(
        page.changes
            .iter()
            .any(|c| c.kind == "provider" && c.id == jordan.provider_id)
    );

    // Nothing new: an empty page, and a small one.
    let response = h
        .sync_raw(&jordan.session, &format!("?cursor={}", page.cursor))
        .await;
    let body = response.bytes().await.unwrap();
    assert!(
        body.len() <= 512,
        "a no-change sync took {} bytes",
        body.len()
    );
    let empty: SyncPage = serde_json::from_slice(&body).unwrap();
    assert!(empty.changes.is_empty());
    assert_eq!(empty.cursor, page.cursor);

    let appointment = h.appointment(&jordan, 72).await;
    h.appointment(&avery, 72).await;
    let next = h.sync(&jordan.session, Some(&page.cursor), 500).await;
    assert_eq!(next.changes.len(), 1, "{:?}", next.changes);
    let change = &next.changes[0];
    assert_eq!(
        (change.kind.as_str(), change.id.as_str(), change.rev),
        ("appointment", appointment.as_str(), 1)
    );
    let data = change.data.as_ref().unwrap();
    assert_eq!(data["status"], "scheduled");
    assert_eq!(data["telehealth_url"], "https://video.example/room/1");

    let response = h.admin.post("appointments", json!({})).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
    let patched = h
        .admin
        .patch(
            &format!("appointments/{appointment}"),
            json!({"status": "completed"}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::NO_CONTENT);
    let deleted = h.admin.delete(&format!("appointments/{appointment}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let last = h.sync(&jordan.session, Some(&next.cursor), 500).await;
    assert_eq!(
        last.changes.len(),
        1,
        "the update and the delete fold into one change"
    );
    assert_eq!(last.changes[0].op, ChangeOp::Delete);
    assert!(last.changes[0].data.is_none());
}

#[tokio::test]
async fn pages_follow_the_cursor_without_gaps_or_repeats() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let mut expected = BTreeSet::new();
    for i in 0..7 {
        expected.insert(h.appointment(&jordan, 48 + i).await);
    }
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let page = h.sync(&jordan.session, cursor.as_deref(), 3).await;
        assert!(page.changes.len() <= 3);
        seen.extend(
            page.changes
                .iter()
                .filter(|c| c.kind == "appointment")
                .map(|c| c.id.clone()),
        );
        cursor = Some(page.cursor);
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen.len(), 7, "no repeats");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
}

#[tokio::test]
async fn concurrent_writers_never_make_a_reader_skip_a_change() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let admin = h.admin.clone();
            let patient_id = jordan.patient_id.clone();
            let provider_id = jordan.provider_id.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..10 {
                    let response = admin
                        .post(
                            "appointments",
                            json!({
                            "patient_id": patient_id, "provider_id": provider_id,
                            "starts_at": Utc::now() + Duration::hours(100 + w * 10 + i),
                            "duration_minutes": 30, "kind": "in_person", "location": "Room 2"}),
                        )
                        .await;
                    let body: Value = response.json().await.unwrap();
                    ids.push(body["appointment_id"].as_str().unwrap().to_owned());
                }
                ids
            })
        })
        .collect();
    // Read while they write, then once more after they finish.
    let mut cursor: Option<String> = None;
    let mut seen = BTreeSet::new();
    let mut done = false;
    loop {
        let page = h.sync(&jordan.session, cursor.as_deref(), 5).await;
        for change in &page.changes {
            if change.kind == "appointment" {
                assert!(seen.insert(change.id.clone()), "seen twice: {}", change.id);
            }
        }
        cursor = Some(page.cursor);
        if !page.has_more {
            if done {
                break;
            }
            done = writers.iter().all(|w| w.is_finished());
        }
    }
    let mut written = BTreeSet::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }
    assert_eq!(written.len(), 40);
    assert_eq!(seen, written);
}

#[tokio::test]
async fn mutations_apply_once_and_are_rejected_with_reasons() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let avery = h.patient("avery@example.com").await;
    let soon = h.appointment(&jordan, 72).await;
    let tomorrow = h.appointment(&jordan, 25).await;
    let theirs = h.appointment(&avery, 72).await;

    let results = h
        .mutate(&jordan.session, json!([
            {"id": uuid(1), "kind": "cancel_appointment", "profile_id": jordan.patient_id, "args": {"appointment_id": soon}},
            {"id": uuid(1), "kind": "cancel_appointment", "profile_id": jordan.patient_id, "args": {"appointment_id": soon}},
            {"id": uuid(2), "kind": "confirm_appointment", "profile_id": jordan.patient_id, "args": {"appointment_id": tomorrow}},
            {"id": uuid(3), "kind": "cancel_appointment", "profile_id": avery.patient_id, "args": {"appointment_id": theirs}},
            {"id": uuid(4), "kind": "cancel_appointment", "profile_id": jordan.patient_id, "args": {"appointment_id": theirs}},
            {"id": uuid(5), "kind": "teleport", "profile_id": jordan.patient_id, "args": {}},
            {"id": "not-a-uuid", "kind": "confirm_appointment", "profile_id": jordan.patient_id, "args": {"appointment_id": soon}},
        ]))
        .await;
    let summary: Vec<(MutationStatus, Option<&str>)> = results
        .results
        .iter()
        .map(|r| (r.status, r.code.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (MutationStatus::Applied, None),
            (MutationStatus::Duplicate, None),
            (MutationStatus::Applied, None),
            (MutationStatus::Rejected, Some("forbidden")),
            (MutationStatus::Rejected, Some("forbidden")),
            (MutationStatus::Rejected, Some("unknown_kind")),
            (MutationStatus::Rejected, Some("bad_request")),
        ]
    );
    // A retry later is still a duplicate, never a second cancellation.
    let again = h
        .mutate(&jordan.session, json!([{"id": uuid(1), "kind": "cancel_appointment", "profile_id": jordan.patient_id, "args": {"appointment_id": soon}}]))
        .await;
    assert_eq!(again.results[0].status, MutationStatus::Duplicate);

    // Past cancellable_until (24 hours before the start): too late.
    h.clock.advance(Duration::hours(2));
    // (Access tokens last 15 minutes: refresh, as a client would.)
    let session: Session = h
        .http
        .post(h.url("/v1/auth/refresh"))
        .json(&json!({"refresh_token": jordan.session.refresh_token}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let late = h
        .mutate(&session, json!([{"id": uuid(6), "kind": "cancel_appointment", "profile_id": jordan.patient_id, "args": {"appointment_id": tomorrow}}]))
        .await;
    assert_eq!(late.results[0].code.as_deref(), Some("too_late"));

    let page = h.sync(&session, None, 500).await;
    let status = |id: &str| {
        page.changes
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .data
            .as_ref()
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&soon), "cancelled");
    assert_eq!(status(&tomorrow), "confirmed");
}

#[tokio::test]
async fn contact_updates_detect_conflicts() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let page = h.sync(&jordan.session, None, 500).await;
    let rev = profile_rev(&page);
    let results = h
        .mutate(&jordan.session, json!([
            {"id": uuid(10), "kind": "update_contact", "profile_id": jordan.patient_id,
             "args": {"base_rev": rev, "fields": {"phone": "+1 555 0100", "preferred_name": "Jo"}}},
            {"id": uuid(11), "kind": "update_contact", "profile_id": jordan.patient_id,
             "args": {"base_rev": rev, "fields": {"phone": "+1 555 0199"}}},
            {"id": uuid(12), "kind": "update_contact", "profile_id": jordan.patient_id,
             "args": {"base_rev": rev + 1, "fields": {"email": "new@example.com"}}},
        ]))
        .await;
    let codes: Vec<Option<&str>> = results.results.iter().map(|r| r.code.as_deref()).collect();
    assert_eq!(
        codes,
        [None, Some("conflict"), Some("email_change_via_practice")]
    );
    let next = h.sync(&jordan.session, Some(&page.cursor), 500).await;
    let profile = next.changes.iter().find(|c| c.kind == "profile").unwrap();
    assert_eq!(profile.rev, rev + 1);
    let data = profile.data.as_ref().unwrap();
    assert_eq!(
        (data["phone"].as_str(), data["preferred_name"].as_str()),
        (Some("+1 555 0100"), Some("Jo"))
    );
}

/// The front desk takes down a new number (`PATCH /v1/admin/patients/{id}`): the
/// patient's feed carries it, and a change a device started from the older version is
/// refused with `conflict`, so that the patient sees both.
#[tokio::test]
async fn staff_contact_changes_reach_the_feed_and_make_a_stale_edit_conflict() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let page = h.sync(&jordan.session, None, 500).await;
    let rev = profile_rev(&page);
    let patched = h
        .admin
        .patch(
            &format!("patients/{}", jordan.patient_id),
            json!({"phone": " +1 555 0142 ", "address": "", "preferred_name": null}),
        )
        .await;
    assert_eq!(patched.status().as_u16(), 200);
    let too_long = h
        .admin
        .patch(
            &format!("patients/{}", jordan.patient_id),
            json!({"address": "x".repeat(501)}),
        )
        .await;
    assert_eq!(too_long.status().as_u16(), 400);
    let next = h.sync(&jordan.session, Some(&page.cursor), 500).await;
    let profile = next.changes.iter().find(|c| c.kind == "profile").unwrap();
    let data = profile.data.as_ref().unwrap();
    assert_eq!(data["phone"].as_str(), Some("+1 555 0142"));
    assert!(data["address"].is_null());
    let results = h
        .mutate(
            &jordan.session,
            json!([
                {"id": uuid(20), "kind": "update_contact", "profile_id": jordan.patient_id,
                 "args": {"base_rev": rev, "fields": {"phone": "+1 555 0199"}}},
            ]),
        )
        .await;
    assert_eq!(results.results[0].code.as_deref(), Some("conflict"));
}

#[tokio::test]
async fn bad_sync_requests_are_refused_in_words() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    for query in ["?cursor=nonsense", "?limit=0", "?limit=1001", "?limit=ten"] {
        let response = h.sync_raw(&jordan.session, query).await;
        assert_eq!(
            error_code(response, StatusCode::BAD_REQUEST)
                .await
                .error
                .code,
            ErrorCode::BadRequest,
            "{query}"
        );
    }
    let anonymous = h.http.get(h.url("/v1/sync")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let not_json = h
        .http
        .post(h.url("/v1/mutations"))
        .bearer_auth(&jordan.session.access_token)
        .header("content-type", "application/json")
        .body("[")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(not_json, StatusCode::BAD_REQUEST)
            .await
            .error
            .code,
        ErrorCode::BadRequest
    );
}

#[tokio::test]
async fn a_claimed_child_arrives_after_the_current_cursor() {
    let h = Harness::start().await;
    let provider = h
        .admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let child = |name: &str| {
        json!({"first_name": name, "last_name": "Rivera", "primary_provider_id": provider,
                                     "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}})
    };
    h.admin.create_patient(child("Mia")).await;
    let first = h.last_token().await;
    let session: Session = h.accept(&first, PASSWORD).await.json().await.unwrap();
    let leo = h.admin.create_patient(child("Leo")).await;
    let second = h.last_token().await;
    let page = h.sync(&session, None, 500).await;
    assert!(page.changes.iter().all(|c| c.id != leo.patient_id));
    let claimed = h
        .http
        .post(h.url(&format!("/v1/invites/{second}/claim")))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(claimed.status(), StatusCode::OK);
    let next = h.sync(&session, Some(&page.cursor), 500).await;
    let profile = next
        .changes
        .iter()
        .find(|c| c.id == leo.patient_id)
        .unwrap();
    assert_eq!(profile.data.as_ref().unwrap()["role"], "guardian");
}

/// Reads server-sent events until one named `changed` arrives, or `timeout` passes.
async fn next_changed(response: &mut reqwest::Response, timeout: std::time::Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut buffer = String::new();
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(bytes))) => {
                buffer.push_str(&String::from_utf8_lossy(&bytes));
                if buffer.contains("event: changed") {
                    return true;
                }
            }
            _ => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_say_changed_only_for_what_the_account_can_see() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let avery = h.patient("avery@example.com").await;
    let mut events = h
        .http
        .get(h.url("/v1/sync/events"))
        .bearer_auth(&jordan.session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");

    h.appointment(&avery, 72).await;
    assert!(
        !next_changed(&mut events, std::time::Duration::from_millis(1200)).await,
        "an event for someone else's change"
    );
    h.appointment(&jordan, 72).await;
    assert!(
        next_changed(&mut events, std::time::Duration::from_secs(5)).await,
        "no event for the account's change"
    );

    // Signing out ends the stream.
    h.http
        .post(h.url("/v1/auth/logout"))
        .bearer_auth(&jordan.session.access_token)
        .send()
        .await
        .unwrap();
    h.appointment(&jordan, 80).await;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match events.chunk().await {
                Ok(Some(bytes)) if String::from_utf8_lossy(&bytes).contains("event: changed") => {
                    return false;
                }
                Ok(Some(_)) => continue,
                _ => return true,
            }
        }
    })
    .await;
    assert_eq!(ended.ok(), Some(true), "the stream outlived the session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_server_ends_event_streams_instead_of_waiting_for_their_clients() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let mut events = h
        .http
        .get(h.url("/v1/sync/events"))
        .bearer_auth(&jordan.session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    // A graceful stop finishes requests in flight; an event stream never finishes by
    // itself, so the stop would wait for the client to hang up.
    assert!(
        h.stop_within(std::time::Duration::from_secs(5)).await,
        "the stop waited for the event stream's client"
    );
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream outlived the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_holds_a_bounded_number_of_event_streams() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let avery = h.patient("avery@example.com").await;
    let open = |session: &Session| {
        h.http
            .get(h.url("/v1/sync/events"))
            .bearer_auth(&session.access_token)
            .send()
    };
    let mut streams = Vec::new();
    for _ in 0..5 {
        let stream = open(&jordan.session).await.unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        streams.push(stream);
    }
    let sixth = open(&jordan.session).await.unwrap();
    let refused = error_code(sixth, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(refused.error.code, ErrorCode::TooManyStreams);
    assert!(
        refused.error.message.contains("close one"),
        "{}",
        refused.error.message
    );
    // Another account is not held back by Jordan's streams.
    assert_eq!(open(&avery.session).await.unwrap().status(), StatusCode::OK);
    // A stream whose client hangs up frees its place.
    drop(streams.pop());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let again = open(&jordan.session).await.unwrap();
        if again.status() == StatusCode::OK {
            break;
        }
        assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            tokio::time::Instant::now() < deadline,
            "a closed stream still counts after 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_ends_when_its_access_token_does() {
    let dir = tempfile::tempdir().unwrap();
    let limits = portal_server::config::SessionLimits {
        access_ttl: Duration::seconds(2),
        ..Default::default()
    };
    let h = Harness::start_with_limits(
        portal_server::Database::SqliteFile(dir.path().join("portal.db")),
        limits,
    )
    .await;
    let jordan = h.patient("jordan@example.com").await;
    let mut events = h
        .http
        .get(h.url("/v1/sync/events"))
        .bearer_auth(&jordan.session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    // The client refreshes and reconnects; a stream never outlives the token that
    // opened it (a revoked device's stream would otherwise run on).
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream outlived its access token");
}

#[tokio::test]
async fn a_cursor_older_than_purged_deletes_must_start_over() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let old = h.appointment(&jordan, 72).await;
    let page = h.sync(&jordan.session, None, 500).await;
    let deleted = h.admin.delete(&format!("appointments/{old}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    // Within the retention the delete is in the feed and nothing is purged.
    assert_eq!(
        portal_server::service::feed::purge_tombstones(&h.server.state)
            .await
            .unwrap(),
        0
    );
    h.clock.advance(Duration::days(31));
    assert_eq!(
        portal_server::service::feed::purge_tombstones(&h.server.state)
            .await
            .unwrap(),
        1
    );

    let session: Session = h
        .http
        .post(h.url("/v1/auth/login"))
        .json(&json!({"email": "jordan@example.com", "password": PASSWORD, "device_name": "x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stale = h
        .sync_raw(&session, &format!("?cursor={}", page.cursor))
        .await;
    assert_eq!(
        error_code(stale, StatusCode::GONE).await.error.code,
        ErrorCode::CursorExpired
    );
    // Starting over works, and the deleted appointment is simply absent.
    let fresh = h.sync(&session, None, 500).await;
    assert!(fresh.changes.iter().all(|c| c.id != old));
    assert!(fresh.changes.iter().any(|c| c.kind == "profile"));
}

/// The answer's bytes, after checking it is a 200.
async fn ok_bytes(response: reqwest::Response) -> Vec<u8> {
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_page_asked_again_follows_every_write_the_account_can_see() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let sam = h.patient("sam@example.com").await;
    h.appointment(&jordan, 48).await;
    let whole = "?limit=50";
    // Asked three times: the server keeps the page from the second, and answers the
    // same bytes.
    let first = ok_bytes(h.sync_raw(&jordan.session, whole).await).await;
    let kept_before = h.server.state.pages.usage().0;
    let second = ok_bytes(h.sync_raw(&jordan.session, whole).await).await;
    assert_eq!(h.server.state.pages.usage().0, kept_before + 1);
    let third = ok_bytes(h.sync_raw(&jordan.session, whole).await).await;
    assert_eq!((&first, &second), (&third, &third));
    let page: SyncPage = serde_json::from_slice(&first).unwrap();
    assert!(!page.has_more);
    let up_to_date = format!("?cursor={}", page.cursor);
    let nothing: SyncPage =
        serde_json::from_slice(&ok_bytes(h.sync_raw(&jordan.session, &up_to_date).await).await)
            .unwrap();
    assert!(nothing.changes.is_empty());

    // Another patient's write changes nothing for Jordan.
    h.appointment(&sam, 48).await;
    assert_eq!(
        ok_bytes(h.sync_raw(&jordan.session, whole).await).await,
        first
    );

    // Jordan's own new record: the kept page is not answered again, and the up-to-date
    // cursor sees it.
    let added = h.appointment(&jordan, 72).await;
    let after: SyncPage =
        serde_json::from_slice(&ok_bytes(h.sync_raw(&jordan.session, whole).await).await).unwrap();
    assert_eq!(after.changes.len(), page.changes.len() + 1);
    assert_eq!(after.changes.last().unwrap().id, added);
    let news: SyncPage =
        serde_json::from_slice(&ok_bytes(h.sync_raw(&jordan.session, &up_to_date).await).await)
            .unwrap();
    assert_eq!(
        news.changes
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        [added.as_str()]
    );

    // Jordan changes an earlier record (the profile's contact details): it moves to the
    // end of the feed with its new revision, in the page asked once more.
    let profile_rev = profile_rev(&after);
    let results = h
        .mutate(
            &jordan.session,
            json!([{ "id": uuid(900), "kind": "update_contact", "profile_id": jordan.patient_id,
                     "args": { "base_rev": profile_rev, "fields": { "phone": "+1 555 0100" } } }]),
        )
        .await;
    assert_eq!(results.results[0].code, None, "{results:?}");
    for _ in 0..2 {
        let moved: SyncPage =
            serde_json::from_slice(&ok_bytes(h.sync_raw(&jordan.session, whole).await).await)
                .unwrap();
        let last = moved.changes.last().unwrap();
        assert_eq!((last.kind.as_str(), last.rev), ("profile", profile_rev + 1));
        assert_eq!(moved.changes.len(), after.changes.len());
    }
}

#[tokio::test]
async fn a_record_changes_only_with_a_new_change_number() {
    let h = Harness::start().await;
    let jordan = h.patient("jordan@example.com").await;
    let id = h.appointment(&jordan, 48).await;
    let db = h.server.state.db.clone();
    let (id_a, id_b) = (id.clone(), id.clone());
    let refused = db
        .call(move |conn| {
            conn.execute(
                "UPDATE records SET data = '{}' WHERE kind = 'appointment' AND id = ?1",
                &[portal_server::db::Value::Text(id_a)],
            )
        })
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("a record changes only with a new change number"),
        "{refused}"
    );
    // Renumbering alone (resending a patient's records) is allowed.
    let renumbered = db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let seq: i64 = tx.query_one(
                "UPDATE feed_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq",
                &[],
                |row| row.get(0),
            )?;
            let changed = tx.execute(
                "UPDATE records SET seq = ?1 WHERE kind = 'appointment' AND id = ?2",
                &[
                    portal_server::db::Value::Integer(seq),
                    portal_server::db::Value::Text(id_b),
                ],
            )?;
            tx.commit()?;
            Ok(changed)
        })
        .await
        .unwrap();
    assert_eq!(renumbered, 1);
}
