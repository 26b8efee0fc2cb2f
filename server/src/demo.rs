//! Demonstration data: a practice with a provider and a patient whose invite is waiting.

use crate::error::ServerError;
use crate::service::patients;
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
    patients::create_patient(
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
    state
        .mail
        .outbox_emails()
        .last()
        .and_then(|email| email.links.first().cloned())
        .ok_or_else(|| ServerError::internal("the demo invite email carries no link"))
}
