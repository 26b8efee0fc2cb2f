//! Demonstration data: a practice with providers, a care team, appointments (past,
//! upcoming, telehealth), a message thread, the welcome message, and a guardian with two
//! children; the demo patient's invite is waiting.

use crate::error::ServerError;
use crate::service::{appointments, documents, forms, invoices, messages, patients};
use crate::state::AppState;
use portal_model::admin::{CreatePatientRequest, CreateProviderRequest};

/// Fills the practice and returns the demo patient's invite link.
pub async fn seed(state: &AppState) -> Result<String, ServerError> {
    let provider = patients::create_provider(
        state,
        CreateProviderRequest {
            name: "Dr. Maya Okafor".to_owned(),
            email: "maya.okafor@riverside.example".to_owned(),
        },
    )
    .await?;
    let second = patients::create_provider(
        state,
        CreateProviderRequest {
            name: "Sam Lindqvist, LCSW".to_owned(),
            email: "sam.lindqvist@riverside.example".to_owned(),
        },
    )
    .await?;
    let provider_id = provider.provider_id.clone();
    let therapist_id = second.provider_id.clone();
    crate::service::settings::update(
        state,
        portal_model::admin::PracticeSettings {
            invite_ttl_seconds: crate::service::settings::DEFAULT_INVITE_TTL_SECONDS,
            self_service_reinvite: true,
            welcome_message_enabled: true,
            welcome_message:
                "Welcome to Riverside Family Practice! You can message your care team here, \
                              and see your appointments, invoices and documents."
                    .to_owned(),
        },
    )
    .await?;
    for (first_name, born) in [("Mia", (2016, 9, 1)), ("Leo", (2019, 3, 14))] {
        patients::create_patient(
            state,
            CreatePatientRequest {
                first_name: first_name.to_owned(),
                last_name: "Chen".to_owned(),
                email: None,
                date_of_birth: chrono::NaiveDate::from_ymd_opt(born.0, born.1, born.2),
                primary_provider_id: provider_id.clone(),
                care_team_ids: Vec::new(),
                group_id: None,
                guardian: Some(portal_model::admin::GuardianContact {
                    name: "Alex Chen".to_owned(),
                    email: "alex.chen@example.com".to_owned(),
                }),
                send_invite: true,
            },
        )
        .await?;
    }
    let jordan = patients::create_patient(
        state,
        CreatePatientRequest {
            first_name: "Jordan".to_owned(),
            last_name: "Rivera".to_owned(),
            email: Some("jordan.rivera@example.com".to_owned()),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1988, 4, 12),
            primary_provider_id: provider.provider_id,
            care_team_ids: vec![second.provider_id],
            group_id: None,
            guardian: None,
            send_invite: true,
        },
    )
    .await?;
    let now = state.clock.now();
    let day = chrono::Duration::days(1);
    let at = |days: i64, hour: u32| {
        (now + day * i32::try_from(days).unwrap_or(0))
            .date_naive()
            .and_hms_opt(hour, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(now)
    };
    for (when, kind, with, status) in [
        (at(-21, 15), "in_person", &provider_id, Some("completed")),
        (at(3, 10), "in_person", &provider_id, None),
        (at(7, 16), "telehealth", &therapist_id, None),
    ] {
        let id = appointments::create(
            state,
            appointments::NewAppointment {
                patient_id: jordan.patient_id.clone(),
                provider_id: with.clone(),
                starts_at: when,
                duration_minutes: 50,
                kind: kind.to_owned(),
                location: (kind == "in_person")
                    .then(|| "Riverside Family Practice, 12 Mill Lane, Room 3".to_owned()),
                telehealth_url: (kind == "telehealth")
                    .then(|| "https://video.riverside.example/room/okafor".to_owned()),
            },
        )
        .await?;
        if let Some(status) = status {
            appointments::update(
                state,
                id,
                appointments::AppointmentChange {
                    starts_at: None,
                    duration_minutes: None,
                    status: Some(status.to_owned()),
                },
            )
            .await?;
        }
    }
    let intake = forms::create(
        state,
        serde_json::from_value(serde_json::json!({
            "title": "New patient intake",
            "fields": [
                {"id": "reason", "label": "What brings you in?", "type": "textarea", "required": true},
                {"id": "medications", "label": "Current medications", "type": "textarea"},
                {"id": "contact", "label": "How should we reach you?", "type": "choice",
                 "options": ["Phone", "Email", "Portal message"], "required": true},
                {"id": "consent", "label": "I have read the privacy notice", "type": "checkbox", "required": true},
                {"id": "signature", "label": "Signature", "type": "signature", "required": true}
            ]
        }))
        .map_err(|e| ServerError::internal(format!("demo form: {e}")))?,
    )
    .await?;
    forms::assign(
        state,
        intake,
        forms::Assignment {
            patient_id: jordan.patient_id.clone(),
            due_at: Some(at(2, 23)),
        },
    )
    .await?;
    invoices::create(
        state,
        invoices::NewInvoice {
            patient_id: jordan.patient_id.clone(),
            number: "RFP-2026-0142".to_owned(),
            due_at: at(14, 0),
            currency: "USD".to_owned(),
            lines: vec![
                portal_model::records::InvoiceLine {
                    description: "Office visit, established patient (99214)".to_owned(),
                    quantity: 1,
                    amount: 16_500,
                },
                portal_model::records::InvoiceLine {
                    description: "Depression screening (96127)".to_owned(),
                    quantity: 1,
                    amount: 2_500,
                },
            ],
            superbill: true,
        },
    )
    .await?;
    documents::create(
        state,
        documents::NewDocument {
            patient_id: jordan.patient_id.clone(),
            title: "Visit summary".to_owned(),
            category: "shared".to_owned(),
            content_type: "application/pdf".to_owned(),
            body: documents::Body::Bytes(crate::pdf::text_document(
                &state.pdf_fonts,
                "Visit summary",
                &[
                    "Jordan Rivera, seen by Dr. Maya Okafor.".to_owned(),
                    "Plan: sleep diary for two weeks; follow up in three weeks.".to_owned(),
                ],
            )?),
        },
    )
    .await?;
    messages::from_provider(
        state,
        messages::ProviderMessage {
            patient_id: jordan.patient_id.clone(),
            provider_id: therapist_id,
            body: "Hi Jordan, I have moved our next session to a video call. The link is in your appointment.".to_owned(),
            thread_id: None,
            subject: Some("Our next session".to_owned()),
        },
    )
    .await?;
    state
        .mail
        .outbox_emails()
        .last()
        .and_then(|email| email.links.first().cloned())
        .ok_or_else(|| ServerError::internal("the demo invite email carries no link"))
}
