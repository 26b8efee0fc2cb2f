//! The feed's records and the model's types cannot drift apart: a practice with one of
//! every record staff can make, and a patient who has sent every kind of mutation, sync
//! a feed in which every record reads strictly as its kind's type
//! (`portal_model::records::Record::decode_strict`), every kind appears, and the values
//! read are the ones written.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use chrono::{Duration, Utc};
use common::Harness;
use portal_model::Session;
use portal_model::records::{
    AppointmentStatus, DocumentCategory, FieldType, FormAnswer, InvoiceStatus, ProfileRole, Record,
    RecordKind, ResponseStatus, SenderKind,
};
use portal_model::sync::MutationStatus;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PASSWORD: &str = "river otter paints blue";

impl Harness {
    async fn created(&self, path: &str, body: Value) -> Value {
        let response = self.admin.post(path, body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "POST {path}");
        response.json().await.unwrap()
    }

    async fn upload(&self, session: &Session, id: &str, name: &str, bytes: &'static [u8]) {
        let response = self
            .http
            .put(self.url(&format!("/v1/uploads/{id}")))
            .bearer_auth(&session.access_token)
            .header("content-type", "image/png")
            .header(
                "content-disposition",
                format!("attachment; filename=\"{name}\""),
            )
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

#[tokio::test]
async fn every_record_the_server_writes_reads_strictly_as_its_type() {
    let h = Harness::start().await;

    // Staff: a provider, a patient with a child, and one of everything for both.
    let provider = h.provider().await;
    let other = h
        .admin
        .create_provider("Dr. Sam Lee", "sam@clinic.example")
        .await;
    let jordan = h
        .created(
            "patients",
            json!({"first_name": "Jordan", "last_name": "Rivera",
                   "email": "jordan@example.com", "date_of_birth": "1990-04-02",
                   "primary_provider_id": provider, "care_team_ids": [other],
                   "send_invite": true}),
        )
        .await["patient_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session: Session = h
        .accept(&h.last_token().await, PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let mia = h
        .created(
            "patients",
            json!({"first_name": "Mia", "last_name": "Rivera", "primary_provider_id": provider,
                   "guardian": {"name": "Jordan Rivera", "email": "jordan@example.com"}}),
        )
        .await["patient_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let claimed = h
        .http
        .post(h.url(&format!("/v1/invites/{}/claim", h.last_token().await)))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(claimed.status(), StatusCode::OK);

    let start = Utc::now() + Duration::days(7);
    let visit = |patient: &str, hours: i64, kind: &str| {
        json!({"patient_id": patient, "provider_id": provider,
               "starts_at": start + Duration::hours(hours), "duration_minutes": 30,
               "kind": kind, "location": "Room 2",
               "telehealth_url": "https://video.example/room/7"})
    };
    let mut appointments = Vec::new();
    for (n, kind) in [
        "in_person",
        "telehealth",
        "in_person",
        "in_person",
        "telehealth",
    ]
    .into_iter()
    .enumerate()
    {
        let created = h
            .created("appointments", visit(&jordan, n as i64, kind))
            .await;
        appointments.push(created["appointment_id"].as_str().unwrap().to_owned());
    }
    for (id, status) in appointments[2..].iter().zip(["completed", "no_show"]) {
        let changed = h
            .admin
            .patch(&format!("appointments/{id}"), json!({"status": status}))
            .await;
        assert!(
            changed.status().is_success(),
            "{status}: {}",
            changed.status()
        );
    }
    let soon = h
        .created("appointments", visit(&jordan, -24 * 7 + 2, "in_person"))
        .await["appointment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.created("appointments", visit(&mia, 3, "in_person")).await;

    let thread = h
        .created(
            "messages",
            json!({"patient_id": jordan, "provider_id": provider,
                   "body": "Your results are in.", "subject": "Lab results"}),
        )
        .await["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The clock stands still unless moved: messages are ordered by when they were sent.
    h.clock.advance(Duration::seconds(1));
    let second = h
        .created(
            "messages",
            json!({"patient_id": jordan, "provider_id": provider, "thread_id": thread,
                   "body": "Call us to talk them through."}),
        )
        .await["message_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let invoice_lines = json!([{"description": "Visit", "quantity": 1, "amount": 12000},
                               {"description": "Lab", "quantity": 2, "amount": 2500}]);
    let mut invoices = Vec::new();
    for superbill in [true, false, false] {
        let created = h
            .created(
                "invoices",
                json!({"patient_id": jordan, "number": format!("INV-{}", invoices.len()),
                       "due_at": start, "currency": "USD", "lines": invoice_lines,
                       "superbill": superbill}),
            )
            .await;
        invoices.push(created["invoice_id"].as_str().unwrap().to_owned());
    }
    for (id, status) in invoices[1..].iter().zip(["paid", "void"]) {
        let changed = h
            .admin
            .patch(&format!("invoices/{id}"), json!({"status": status}))
            .await;
        assert!(
            changed.status().is_success(),
            "{status}: {}",
            changed.status()
        );
    }

    for category in ["shared", "invoice", "form_pdf"] {
        let form = Form::new()
            .text("patient_id", jordan.clone())
            .text("title", format!("A {category} document"))
            .text("category", category)
            .part(
                "file",
                Part::bytes(category.as_bytes().to_vec())
                    .file_name("doc.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        let response = h
            .http
            .post(h.url("/v1/admin/documents"))
            .bearer_auth(common::ADMIN)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{category}");
    }

    let fields: Vec<Value> = FieldType::KNOWN
        .iter()
        .map(|kind| {
            let options = if kind.contains("choice") {
                json!(["Yes", "No", "Not sure"])
            } else {
                json!([])
            };
            json!({"id": kind, "label": format!("A {kind} field"), "type": kind,
                   "required": *kind == "signature", "options": options})
        })
        .collect();
    let template = h
        .created("forms", json!({"title": "Intake", "fields": fields}))
        .await["form_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut forms = Vec::new();
    for due in [Some(start), None] {
        let assigned = h
            .created(
                &format!("forms/{template}/assign"),
                json!({"patient_id": jordan, "due_at": due}),
            )
            .await;
        forms.push(assigned["form_id"].as_str().unwrap().to_owned());
    }

    // The patient: every kind of mutation.
    h.upload(&session, "upl-attach", "scan.png", b"attachment bytes")
        .await;
    h.upload(&session, "upl-doc", "insurance card.png", b"card bytes")
        .await;
    let answers = json!({"text": "Peanuts", "textarea": "None\nreally", "date": "1990-04-02",
                         "choice": "Yes", "multi_choice": ["Yes", "Not sure"],
                         "checkbox": true, "signature": null});
    let profile_rev = h
        .feed(&session, None)
        .await
        .changes
        .iter()
        .find(|c| c.kind == "profile" && c.id == jordan)
        .unwrap()
        .rev;
    let mutations = json!([
        {"id": uuid(1), "kind": "send_message", "profile_id": jordan,
         "args": {"thread_id": thread, "body": "Thanks, see attached.",
                  "attachment_ids": ["upl-attach"]}},
        {"id": uuid(2), "kind": "send_message", "profile_id": jordan,
         "args": {"provider_id": other, "subject": "A question", "body": "Hello!"}},
        {"id": uuid(3), "kind": "mark_read", "profile_id": jordan,
         "args": {"thread_id": thread, "up_to_message_id": second}},
        {"id": uuid(4), "kind": "cancel_appointment", "profile_id": jordan,
         "args": {"appointment_id": appointments[0], "reason": "Travelling"}},
        {"id": uuid(5), "kind": "confirm_appointment", "profile_id": jordan,
         "args": {"appointment_id": appointments[1]}},
        {"id": uuid(6), "kind": "save_form_draft", "profile_id": jordan,
         "args": {"form_id": forms[0], "answers": answers}},
        {"id": uuid(7), "kind": "submit_form", "profile_id": jordan,
         "args": {"form_id": forms[1],
                  "answers": {"signature": "Jordan Rivera", "checkbox": false}}},
        {"id": uuid(8), "kind": "update_contact", "profile_id": jordan,
         "args": {"base_rev": profile_rev,
                  "fields": {"phone": "+1 555 0100", "address": "1 Main St",
                             "preferred_name": "Jo"}}},
        {"id": uuid(9), "kind": "upload_document", "profile_id": jordan,
         "args": {"upload_id": "upl-doc", "title": "Insurance card"}},
        // A refusal writes nothing, but must not leave anything odd behind either.
        {"id": uuid(10), "kind": "cancel_appointment", "profile_id": jordan,
         "args": {"appointment_id": soon}},
    ]);
    let results = h.mutate(&session, mutations).await;
    let statuses: Vec<_> = results.results.iter().map(|r| r.status).collect();
    assert!(
        statuses[..9].iter().all(|s| *s == MutationStatus::Applied),
        "{results:?}"
    );
    assert_eq!(results.results[9].code.as_deref(), Some("too_late"));

    // Staff deletes reach the feed as deletes (no data to read).
    let deleted = h.admin.delete(&format!("appointments/{soon}")).await;
    assert!(deleted.status().is_success(), "{}", deleted.status());

    // The whole feed, read strictly (`Harness::feed` fails on any record that does not).
    let page = h.feed(&session, None).await;
    assert!(!page.has_more);
    let records: Vec<Record> = page
        .changes
        .iter()
        .filter_map(|c| {
            c.data
                .as_ref()
                .map(|d| Record::decode_strict(&c.kind, d).unwrap())
        })
        .collect();
    let kinds: BTreeSet<&str> = records.iter().map(Record::kind).collect();
    let every: BTreeSet<&str> = RecordKind::KNOWN.iter().copied().collect();
    assert_eq!(kinds, every, "a kind never reached the feed");

    // The values read are the values written.
    let mut roles = BTreeSet::new();
    let mut appointment_statuses = BTreeSet::new();
    let mut invoice_statuses = BTreeSet::new();
    let mut categories = BTreeSet::new();
    let mut senders = BTreeSet::new();
    let mut responses = BTreeSet::new();
    for record in &records {
        match record {
            Record::Profile(p) => {
                roles.insert(p.role.to_string());
                if p.id == jordan {
                    assert_eq!(p.display_name(), "Jo");
                    assert_eq!(p.phone.as_deref(), Some("+1 555 0100"));
                    assert_eq!(p.date_of_birth.unwrap().to_string(), "1990-04-02");
                    assert_eq!(p.care_team_ids.len(), 2);
                }
            }
            Record::Appointment(a) => {
                appointment_statuses.insert(a.status.to_string());
                assert_eq!(a.ends_at - a.starts_at, Duration::minutes(30));
                assert_eq!(a.starts_at - a.cancellable_until, Duration::hours(24));
            }
            Record::Invoice(i) => {
                invoice_statuses.insert(i.status.to_string());
                assert_eq!(i.total, 17_000);
                let lines: i64 = i.lines.iter().map(|l| l.total()).sum();
                assert_eq!(lines, i.total);
                let owed = if i.status == InvoiceStatus::Open {
                    i.total
                } else {
                    0
                };
                assert_eq!(i.balance, owed);
            }
            Record::Document(d) => {
                categories.insert(d.category.to_string());
            }
            Record::Message(m) => {
                senders.insert(m.sender.kind.to_string());
                if m.sender.kind == SenderKind::Provider {
                    assert!(!m.is_unread(), "mark_read covered both provider messages");
                }
            }
            Record::Thread(t) => assert_eq!(t.unread_count, 0, "{}", t.subject),
            Record::Form(f) => assert_eq!(f.fields.len(), FieldType::KNOWN.len()),
            Record::FormResponse(r) => {
                responses.insert(r.status.to_string());
                if r.status == ResponseStatus::Draft {
                    assert_eq!(
                        r.answers["multi_choice"],
                        FormAnswer::Choices(vec!["Yes".into(), "Not sure".into()])
                    );
                    assert_eq!(r.answers["signature"], FormAnswer::Empty);
                    assert!(r.submitted_at.is_none());
                } else {
                    assert!(r.submitted_at.is_some());
                }
            }
            Record::Provider(_) | Record::Unknown { .. } => {}
        }
    }
    let set = |values: &[&str]| {
        values
            .iter()
            .map(|v| v.to_string())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(roles, set(ProfileRole::KNOWN));
    assert_eq!(appointment_statuses, set(AppointmentStatus::KNOWN));
    assert_eq!(invoice_statuses, set(InvoiceStatus::KNOWN));
    assert_eq!(categories, set(DocumentCategory::KNOWN));
    assert_eq!(senders, set(SenderKind::KNOWN));
    assert_eq!(responses, set(ResponseStatus::KNOWN));
}
