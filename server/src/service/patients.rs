//! Providers and patients, as the practice's staff manage them.

use crate::crypto::new_id;
use crate::db::Conn;
use crate::db::millis;
use crate::error::ServerError;
use crate::mail::Email;
use crate::params;
use crate::service::{audit, invites, publish, settings};
use crate::state::AppState;
use axum::http::StatusCode;
use portal_model::ErrorCode;
use portal_model::admin::{
    CreatePatientRequest, CreatePatientResponse, CreateProviderRequest, CreateProviderResponse,
    InviteSent, ProviderSummary, Providers, ReinviteRequest, ReinviteRequests,
};

/// Normalises and checks an email address: trimmed, lower-case, one `@` with text on both
/// sides and a dot in the domain. Deliverability is the mail server's business.
pub fn normalize_email(raw: &str) -> Result<String, ServerError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(ServerError::bad_request(format!(
            "'{}' is not an email address.",
            raw.trim()
        )))
    }
}

/// Checks that `patient_id` names a patient of this practice (400 otherwise: the id came
/// in the request).
pub fn require_patient(conn: &Conn, patient_id: &str) -> Result<(), ServerError> {
    let known = conn
        .query_opt(
            "SELECT 1 FROM patients WHERE id = ?1",
            params![patient_id],
            |_| Ok(()),
        )?
        .is_some();
    if known {
        Ok(())
    } else {
        Err(ServerError::bad_request(
            "patient_id does not name a patient of this practice.",
        ))
    }
}

/// A trimmed, non-empty text field of at most 200 characters.
pub fn required(field: &str, value: &str) -> Result<String, ServerError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ServerError::bad_request(format!(
            "{field} must not be empty."
        )));
    }
    if value.chars().count() > 200 {
        return Err(ServerError::bad_request(format!(
            "{field} is longer than 200 characters."
        )));
    }
    Ok(value.to_owned())
}

/// Refuses an optional free-text field longer than `max` characters.
pub fn capped(field: &str, value: Option<&str>, max: usize) -> Result<(), ServerError> {
    match value {
        Some(value) if value.trim().chars().count() > max => Err(ServerError::bad_request(
            format!("{field} is longer than {max} characters."),
        )),
        _ => Ok(()),
    }
}

/// `POST /v1/admin/providers`.
pub async fn create_provider(
    state: &AppState,
    request: CreateProviderRequest,
) -> Result<CreateProviderResponse, ServerError> {
    let name = required("name", &request.name)?;
    let email = normalize_email(&request.email)?;
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let id = new_id("prv");
            tx.execute(
                "INSERT INTO providers (id, name, email, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, name, email, millis(now)],
            )?;
            publish::provider(&tx, &id, now)?;
            audit::record(&tx, millis(now), "admin", "provider.create", &id)?;
            tx.commit()?;
            Ok(CreateProviderResponse { provider_id: id })
        })
        .await
}

/// `GET /v1/admin/providers`: every provider of the practice, oldest first. Providers
/// have no title yet (the sync feed's `title` is null too).
pub async fn list_providers(state: &AppState) -> Result<Providers, ServerError> {
    state
        .db
        .call(|conn| {
            let providers = conn.query_all(
                "SELECT id, name, email FROM providers ORDER BY created_at, id",
                params![],
                |row| {
                    Ok(ProviderSummary {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        email: row.get(2)?,
                        title: None,
                    })
                },
            )?;
            Ok(Providers { providers })
        })
        .await
}

/// `POST /v1/admin/patients`: adds a patient, and sends the invite unless told not to.
/// A patient without any email (own or guardian's) is added without an invite.
pub async fn create_patient(
    state: &AppState,
    request: CreatePatientRequest,
) -> Result<CreatePatientResponse, ServerError> {
    let first_name = required("first_name", &request.first_name)?;
    let last_name = required("last_name", &request.last_name)?;
    let email = request
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(normalize_email)
        .transpose()?;
    let guardian = match &request.guardian {
        Some(g) => Some((
            required("guardian.name", &g.name)?,
            normalize_email(&g.email)?,
        )),
        None => None,
    };
    let date_of_birth = request.date_of_birth.map(|d| d.to_string());
    let primary_provider_id = request.primary_provider_id.clone();
    let care_team_ids = request.care_team_ids.clone();
    let group_id = request.group_id.clone();
    let send_invite = request.send_invite && (email.is_some() || guardian.is_some());
    let now = state.clock.now();
    let config = state.config.clone();

    let (patient_id, issued) = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let provider_known: Option<String> = tx.query_opt(
                "SELECT id FROM providers WHERE id = ?1",
                params![&primary_provider_id],
                |row| row.get(0),
            )?;
            if provider_known.is_none() {
                return Err(ServerError::bad_request(
                    "primary_provider_id does not name a provider of this practice.",
                ));
            }
            if let Some(group_id) = &group_id {
                let known: Option<i64> = tx.query_opt(
                    "SELECT 1 FROM groups WHERE id = ?1",
                    params![group_id],
                    |r| r.get(0),
                )?;
                if known.is_none() {
                    return Err(ServerError::bad_request(
                        "group_id does not name a patient group of this practice.",
                    ));
                }
            }
            if let Some(email) = &email {
                let taken: Option<String> = tx.query_opt(
                    "SELECT id FROM patients WHERE email = ?1",
                    params![email],
                    |r| r.get(0),
                )?;
                if taken.is_some() {
                    return Err(ServerError::api(
                        StatusCode::CONFLICT,
                        ErrorCode::EmailInUse,
                        "Another patient of this practice already uses this email address.",
                    ));
                }
            }
            let patient_id = new_id("pat");
            tx.execute(
                "INSERT INTO patients (id, first_name, last_name, email, date_of_birth,
                   primary_provider_id, guardian_name, guardian_email, created_at, group_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    patient_id,
                    first_name,
                    last_name,
                    email,
                    date_of_birth,
                    primary_provider_id,
                    guardian.as_ref().map(|g| g.0.clone()),
                    guardian.as_ref().map(|g| g.1.clone()),
                    millis(now),
                    group_id,
                ],
            )?;
            for provider_id in std::iter::once(&primary_provider_id).chain(care_team_ids.iter()) {
                let inserted = tx.execute(
                    "INSERT INTO care_team (patient_id, provider_id)
                     SELECT CAST(?1 AS TEXT), id FROM providers WHERE id = ?2
                     ON CONFLICT DO NOTHING",
                    params![patient_id, provider_id],
                )?;
                if inserted == 0 && provider_id != &primary_provider_id {
                    return Err(ServerError::bad_request(format!(
                        "care_team_ids: '{provider_id}' does not name a provider of this practice."
                    )));
                }
            }
            publish::profile(&tx, &patient_id, now)?;
            audit::record(&tx, millis(now), "admin", "patient.create", &patient_id)?;
            let issued = if send_invite {
                let settings = settings::load(&tx)?;
                Some(invites::issue(&tx, &patient_id, now, &settings)?)
            } else {
                None
            };
            tx.commit()?;
            Ok((patient_id, issued))
        })
        .await?;

    let invite = issued.map(|issued| {
        let expires_at = issued.expires_at;
        state.mail.send(
            invites::invite_email(&config, &issued),
            state.clock.as_ref(),
        );
        InviteSent { expires_at }
    });
    Ok(CreatePatientResponse { patient_id, invite })
}

/// `POST /v1/admin/patients/{id}/invite`: sends (or re-sends) the invite, revoking
/// earlier ones.
pub async fn send_invite(state: &AppState, patient_id: String) -> Result<InviteSent, ServerError> {
    let now = state.clock.now();
    let issued = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let settings = settings::load(&tx)?;
            let issued = invites::issue(&tx, &patient_id, now, &settings)?;
            tx.execute(
                "UPDATE reinvite_requests SET handled_at = ?1 WHERE patient_id = ?2 AND handled_at IS NULL",
                params![millis(now), patient_id])?;
            tx.commit()?;
            Ok(issued)
        })
        .await?;
    let expires_at = issued.expires_at;
    let email: Email = invites::invite_email(&state.config, &issued);
    state.mail.send(email, state.clock.as_ref());
    Ok(InviteSent { expires_at })
}

/// `GET /v1/admin/reinvite-requests`: open requests, oldest first.
pub async fn reinvite_requests(state: &AppState) -> Result<ReinviteRequests, ServerError> {
    state
        .db
        .call(|conn| {
            let rows = conn.query_all(
        "SELECT r.id, r.patient_id, p.first_name || ' ' || p.last_name, r.source, r.created_at
                 FROM reinvite_requests r JOIN patients p ON p.id = r.patient_id
                 WHERE r.handled_at IS NULL ORDER BY r.created_at, r.rowid",
        params![],
        |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get::<i64>(4)?))
            },
    )?;
            let mut requests = Vec::new();
            for row in rows {
                let (id, patient_id, patient_name, source, created_at) = row;
                requests.push(ReinviteRequest {
                    id,
                    patient_id,
                    patient_name,
                    source,
                    created_at: crate::db::from_millis(created_at)?,
                });
            }
            Ok(ReinviteRequests { requests })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Jane@Example.COM ").unwrap(),
            "jane@example.com"
        );
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "a@b",
            "a b@c.d",
            "a@b@c.d",
            "a@.b",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
