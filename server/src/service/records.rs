//! Staff edits of a patient's record: personal information and the care team, and the
//! audit log they read.

use crate::db::Conn;
use crate::db::{from_millis, millis};
use crate::error::ServerError;
use crate::params;
use crate::service::patients::{normalize_email, required};
use crate::service::{audit, feed, publish};
use crate::state::AppState;
use axum::http::StatusCode;
use portal_model::ErrorCode;
use portal_model::admin::{
    AuditEntry, AuditLog, CareTeamRequest, GuardianContact, PatientRecord, UpdatePatientRequest,
};

fn no_patient() -> ServerError {
    ServerError::api(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No such patient.",
    )
}

/// Reads a patient's record.
pub fn load(conn: &Conn, patient_id: &str) -> Result<PatientRecord, ServerError> {
    let row = conn.query_opt(
        "SELECT first_name, last_name, email, date_of_birth, primary_provider_id,
                    guardian_name, guardian_email
             FROM patients WHERE id = ?1",
        params![patient_id],
        |row| {
            Ok((
                row.get::<String>(0)?,
                row.get::<String>(1)?,
                row.get::<Option<String>>(2)?,
                row.get::<Option<String>>(3)?,
                row.get::<String>(4)?,
                row.get::<Option<String>>(5)?,
                row.get::<Option<String>>(6)?,
            ))
        },
    )?;
    let Some((first_name, last_name, email, dob, primary_provider_id, g_name, g_email)) = row
    else {
        return Err(no_patient());
    };
    let care_team_ids = conn.query_all(
        "SELECT provider_id FROM care_team WHERE patient_id = ?1 ORDER BY provider_id",
        params![patient_id],
        |row| row.get(0),
    )?;
    Ok(PatientRecord {
        patient_id: patient_id.to_owned(),
        first_name,
        last_name,
        email,
        date_of_birth: dob
            .map(|d| d.parse())
            .transpose()
            .map_err(|e| ServerError::internal(format!("stored date of birth: {e}")))?,
        primary_provider_id,
        care_team_ids,
        guardian: g_name
            .zip(g_email)
            .map(|(name, email)| GuardianContact { name, email }),
    })
}

/// `GET /v1/admin/patients/{id}`.
pub async fn get(state: &AppState, patient_id: String) -> Result<PatientRecord, ServerError> {
    state.db.call(move |conn| load(conn, &patient_id)).await
}

/// `PATCH /v1/admin/patients/{id}`. A changed email revokes the patient's outstanding
/// invites: the old address must not keep a way in.
pub async fn update(
    state: &AppState,
    patient_id: String,
    request: UpdatePatientRequest,
) -> Result<PatientRecord, ServerError> {
    let first_name = request
        .first_name
        .as_deref()
        .map(|v| required("first_name", v))
        .transpose()?;
    let last_name = request
        .last_name
        .as_deref()
        .map(|v| required("last_name", v))
        .transpose()?;
    let email = match request.email {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) if raw.trim().is_empty() => Some(None),
        Some(Some(raw)) => Some(Some(normalize_email(&raw)?)),
    };
    let date_of_birth = request.date_of_birth.map(|d| d.map(|d| d.to_string()));
    let contact = [
        ("phone", contact_field("phone", request.phone)?),
        ("address", contact_field("address", request.address)?),
        (
            "preferred_name",
            contact_field("preferred_name", request.preferred_name)?,
        ),
    ];
    let now = millis(state.clock.now());
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let current = load(&tx, &patient_id)?;
            if let Some(first_name) = first_name {
                tx.execute("UPDATE patients SET first_name = ?1 WHERE id = ?2", params![first_name, patient_id])?;
            }
            if let Some(last_name) = last_name {
                tx.execute("UPDATE patients SET last_name = ?1 WHERE id = ?2", params![last_name, patient_id])?;
            }
            if let Some(dob) = date_of_birth {
                tx.execute("UPDATE patients SET date_of_birth = ?1 WHERE id = ?2", params![dob, patient_id])?;
            }
            for (column, value) in contact {
                if let Some(value) = value {
                    // The column is one of the three names above, never the caller's text.
                    let sql = format!("UPDATE patients SET {column} = ?1 WHERE id = ?2");
                    tx.execute(&sql, params![value, patient_id])?;
                }
            }
            if let Some(email) = email
                && email != current.email
            {
                if let Some(address) = &email {
                    let taken: Option<String> = tx
                        .query_opt(
                            "SELECT id FROM patients WHERE email = ?1 AND id != ?2",
                            params![address, patient_id],
                            |row| row.get(0))?;
                    if taken.is_some() {
                        return Err(ServerError::api(
                            StatusCode::CONFLICT,
                            ErrorCode::EmailInUse,
                            "Another patient of this practice already uses this email address.",
                        ));
                    }
                }
                tx.execute("UPDATE patients SET email = ?1 WHERE id = ?2", params![email, patient_id])?;
                let revoked = tx.execute(
                    "UPDATE invites SET revoked_at = ?1
                     WHERE patient_id = ?2 AND role = 'self' AND consumed_at IS NULL AND revoked_at IS NULL",
                    params![now, patient_id])?;
                audit::record(&tx, now, "admin", "patient.email_change", &patient_id)?;
                if revoked > 0 {
                    audit::record(&tx, now, "admin", "invite.revoke.email_change", &patient_id)?;
                }
            }
            publish::profile(&tx, &patient_id, from_millis(now)?)?;
            audit::record(&tx, now, "admin", "patient.update", &patient_id)?;
            let record = load(&tx, &patient_id)?;
            tx.commit()?;
            Ok(record)
        })
        .await
}

/// A contact field of a PATCH: absent (`None`), cleared (`Some(None)`, also for blank
/// text), or set to its trimmed text of at most 500 characters.
fn contact_field(
    name: &str,
    value: Option<Option<String>>,
) -> Result<Option<Option<String>>, ServerError> {
    Ok(match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) if text.trim().is_empty() => Some(None),
        Some(Some(text)) if text.trim().chars().count() <= 500 => {
            Some(Some(text.trim().to_owned()))
        }
        Some(Some(_)) => {
            return Err(ServerError::bad_request(format!(
                "{name} is longer than 500 characters."
            )));
        }
    })
}

/// `PUT /v1/admin/patients/{id}/care-team`: the primary provider plus any others; only
/// these providers may message the patient.
pub async fn set_care_team(
    state: &AppState,
    patient_id: String,
    request: CareTeamRequest,
) -> Result<PatientRecord, ServerError> {
    let now = millis(state.clock.now());
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            load(&tx, &patient_id)?;
            let mut members = vec![request.primary_provider_id.clone()];
            members.extend(request.care_team_ids.iter().cloned());
            members.sort();
            members.dedup();
            for provider_id in &members {
                let known: Option<i64> = tx.query_opt(
                    "SELECT 1 FROM providers WHERE id = ?1",
                    params![provider_id],
                    |row| row.get(0),
                )?;
                if known.is_none() {
                    return Err(ServerError::bad_request(format!(
                        "'{provider_id}' does not name a provider of this practice."
                    )));
                }
            }
            tx.execute(
                "UPDATE patients SET primary_provider_id = ?1 WHERE id = ?2",
                params![request.primary_provider_id, patient_id],
            )?;
            tx.execute(
                "DELETE FROM care_team WHERE patient_id = ?1",
                params![&patient_id],
            )?;
            for provider_id in &members {
                tx.execute(
                    "INSERT INTO care_team (patient_id, provider_id) VALUES (?1, ?2)",
                    params![patient_id, provider_id],
                )?;
            }
            publish::profile(&tx, &patient_id, from_millis(now)?)?;
            audit::record(&tx, now, "admin", "patient.care_team", &patient_id)?;
            let record = load(&tx, &patient_id)?;
            tx.commit()?;
            Ok(record)
        })
        .await
}

/// `DELETE /v1/admin/patients/{id}/guardian`: the patient no longer has a guardian
/// (custody changed, or the patient came of age). The guardian's outstanding invites
/// are revoked, and every account that acted for the patient as guardian loses the
/// profile at once: its feed delivers the profile's delete and its mutations for the
/// patient are refused. The patient's own account, if any, keeps access.
pub async fn remove_guardian(
    state: &AppState,
    patient_id: String,
) -> Result<PatientRecord, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            load(&tx, &patient_id)?;
            let at = millis(now);
            tx.execute(
                "UPDATE patients SET guardian_name = NULL, guardian_email = NULL WHERE id = ?1",
                params![patient_id],
            )?;
            let revoked = tx.execute(
                "UPDATE invites SET revoked_at = ?1
                 WHERE patient_id = ?2 AND role = 'guardian'
                   AND consumed_at IS NULL AND revoked_at IS NULL",
                params![at, patient_id],
            )?;
            if revoked > 0 {
                audit::record(
                    &tx,
                    at,
                    "admin",
                    "invite.revoke.guardian_removed",
                    &patient_id,
                )?;
            }
            let guardians: Vec<String> = tx.query_all(
                "SELECT account_id FROM account_patients
                 WHERE patient_id = ?1 AND role = 'guardian' ORDER BY account_id",
                params![patient_id],
                |row| row.get(0),
            )?;
            for account_id in &guardians {
                tx.execute(
                    "DELETE FROM account_patients WHERE account_id = ?1 AND patient_id = ?2",
                    params![account_id, patient_id],
                )?;
                feed::revoke_access(&tx, account_id, &patient_id, now)?;
                audit::record(&tx, at, "admin", "patient.access_removed", &patient_id)?;
            }
            audit::record(&tx, at, "admin", "patient.guardian_remove", &patient_id)?;
            let record = load(&tx, &patient_id)?;
            tx.commit()?;
            Ok(record)
        })
        .await
}

/// `GET /v1/admin/audit`: the newest 500 entries, oldest first.
pub async fn audit_log(state: &AppState) -> Result<AuditLog, ServerError> {
    state
        .db
        .call(|conn| {
            let rows = conn.query_all(
        "SELECT at, actor, action, subject, client FROM
                   (SELECT seq, at, actor, action, subject, client FROM audit_log ORDER BY seq DESC LIMIT 500) AS newest
                 ORDER BY seq",
        params![],
        |row| {
                Ok((row.get::<i64>(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
            },
    )?;
            let mut entries = Vec::new();
            for row in rows {
                let (at, actor, action, subject, client) = row;
                entries.push(AuditEntry { at: from_millis(at)?, actor, action, subject, client });
            }
            Ok(AuditLog { entries })
        })
        .await
}
