//! `POST /v1/mutations`: what patients write, each mutation applied at most once per
//! account (a repeated id answers `duplicate`, so clients can retry forever) and each in
//! its own transaction with its own result.

use crate::db::Conn;
use crate::db::millis;
use crate::error::ServerError;
use crate::params;
use crate::service::sessions::Authenticated;
use crate::service::{appointments, audit, documents, feed, forms, messages, publish};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use portal_model::sync::{
    Mutation, MutationBatch, MutationResult, MutationResults, MutationStatus,
};
use serde_json::Value;

/// The most mutations one request may carry.
pub const MAX_BATCH: usize = 100;

/// Why a mutation was rejected: a stable code, words for people, and for form answers
/// the fields concerned.
#[derive(Debug)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<String>,
}

impl From<(&'static str, String)> for Refusal {
    fn from((code, message): (&'static str, String)) -> Self {
        Self {
            code,
            message,
            fields: Vec::new(),
        }
    }
}

type Outcome = Result<(), Refusal>;

fn plain(result: Result<(), (&'static str, String)>) -> Outcome {
    result.map_err(Refusal::from)
}

/// True for a UUID in its canonical text form.
fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn string_arg(args: &Value, name: &str) -> Result<String, (&'static str, String)> {
    args.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or(("invalid_args", format!("args.{name} must be a string.")))
}

/// Applies one mutation inside `tx`; `Ok(Err(..))` is a rejection with code and reason.
fn dispatch(
    tx: &Conn,
    account_id: &str,
    mutation: &Mutation,
    now: DateTime<Utc>,
) -> Result<Outcome, ServerError> {
    let args = &mutation.args;
    match mutation.kind.as_str() {
        "cancel_appointment" | "confirm_appointment" => {
            let appointment_id = match string_arg(args, "appointment_id") {
                Ok(id) => id,
                Err(refusal) => return Ok(Err(refusal.into())),
            };
            let cancel = mutation.kind == "cancel_appointment";
            appointments::patient_update(tx, &mutation.profile_id, &appointment_id, cancel, now)
                .map(plain)
        }
        "update_contact" => update_contact(tx, &mutation.profile_id, args, now).map(plain),
        "send_message" => {
            messages::from_patient(tx, account_id, &mutation.profile_id, args, now).map(plain)
        }
        "mark_read" => messages::mark_read(tx, &mutation.profile_id, args, now).map(plain),
        "save_form_draft" => forms::answer(tx, &mutation.profile_id, args, false, now),
        "submit_form" => forms::answer(tx, &mutation.profile_id, args, true, now),
        "upload_document" => {
            documents::from_upload(tx, account_id, &mutation.profile_id, args, now)
        }
        other => Ok(Err(Refusal::from((
            "unknown_kind",
            format!("This server does not handle '{other}' mutations."),
        )))),
    }
}

/// Contact details the patient keeps up to date. `base_rev` is the profile revision the
/// edit started from; a newer one means someone else changed it: `conflict`.
fn update_contact(
    tx: &Conn,
    patient_id: &str,
    args: &Value,
    now: DateTime<Utc>,
) -> Result<Result<(), (&'static str, String)>, ServerError> {
    let Some(base_rev) = args.get("base_rev").and_then(Value::as_i64) else {
        return Ok(Err((
            "invalid_args",
            "args.base_rev must be the profile's rev.".to_owned(),
        )));
    };
    let Some(fields) = args.get("fields").and_then(Value::as_object) else {
        return Ok(Err((
            "invalid_args",
            "args.fields must be an object.".to_owned(),
        )));
    };
    if fields.contains_key("email") {
        return Ok(Err((
            "email_change_via_practice",
            "Your email address signs you in: ask your practice to change it.".to_owned(),
        )));
    }
    let current_rev = feed::rev(tx, "profile", patient_id)?;
    if current_rev != Some(base_rev) {
        return Ok(Err((
            "conflict",
            "Your contact details were changed elsewhere meanwhile. Review them and try again."
                .to_owned(),
        )));
    }
    for (field, value) in fields {
        let column = match field.as_str() {
            "phone" => "phone",
            "address" => "address",
            "preferred_name" => "preferred_name",
            other => {
                return Ok(Err((
                    "invalid_args",
                    format!("'{other}' is not a contact field."),
                )));
            }
        };
        let value = match value {
            Value::Null => None,
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) if s.chars().count() <= 500 => Some(s.trim().to_owned()),
            _ => {
                return Ok(Err((
                    "invalid_args",
                    format!("{field} must be text of at most 500 characters."),
                )));
            }
        };
        let sql = format!("UPDATE patients SET {column} = ?1 WHERE id = ?2");
        tx.execute(&sql, params![value, patient_id])?;
    }
    publish::profile(tx, patient_id, now)?;
    Ok(Ok(()))
}

/// Applies a batch, in order, each mutation in its own transaction.
pub async fn apply(
    state: &AppState,
    auth: Authenticated,
    batch: MutationBatch,
) -> Result<MutationResults, ServerError> {
    if batch.mutations.len() > MAX_BATCH {
        return Err(ServerError::bad_request(format!(
            "At most {MAX_BATCH} mutations per request."
        )));
    }
    let mut results = Vec::with_capacity(batch.mutations.len());
    for mutation in batch.mutations {
        let now = state.clock.now();
        let account_id = auth.account_id.clone();
        let result = state
            .db
            .call(move |conn| {
                let reject = |code: &str, message: String| MutationResult {
                    id: mutation.id.clone(),
                    status: MutationStatus::Rejected,
                    code: Some(code.to_owned()),
                    message: Some(message),
                    fields: Vec::new(),
                };
                if !is_uuid(&mutation.id) {
                    return Ok(reject(
                        "bad_request",
                        "The mutation id must be a UUID.".to_owned(),
                    ));
                }
                let tx = conn.transaction()?;
                let seen: Option<i64> = tx.query_opt(
                    "SELECT 1 FROM mutations WHERE account_id = ?1 AND id = ?2",
                    params![account_id, mutation.id],
                    |row| row.get(0),
                )?;
                if seen.is_some() {
                    return Ok(MutationResult {
                        id: mutation.id,
                        status: MutationStatus::Duplicate,
                        code: None,
                        message: None,
                        fields: Vec::new(),
                    });
                }
                let allowed: Option<i64> = tx.query_opt(
                    "SELECT 1 FROM account_patients WHERE account_id = ?1 AND patient_id = ?2",
                    params![account_id, mutation.profile_id],
                    |row| row.get(0),
                )?;
                if allowed.is_none() {
                    return Ok(reject(
                        "forbidden",
                        "You cannot act for this profile.".to_owned(),
                    ));
                }
                match dispatch(&tx, &account_id, &mutation, now)? {
                    Ok(()) => {
                        tx.execute(
                            "INSERT INTO mutations (account_id, id, kind, status, applied_at)
                             VALUES (?1, ?2, ?3, 'applied', ?4)",
                            params![account_id, mutation.id, mutation.kind, millis(now)],
                        )?;
                        audit::record(
                            &tx,
                            millis(now),
                            &format!("account:{account_id}"),
                            &format!("mutation.{}", mutation.kind),
                            &mutation.profile_id,
                        )?;
                        tx.commit()?;
                        Ok(MutationResult {
                            id: mutation.id,
                            status: MutationStatus::Applied,
                            code: None,
                            message: None,
                            fields: Vec::new(),
                        })
                    }
                    // Dropping the transaction rolls back anything the rejection touched.
                    Err(refusal) => Ok(MutationResult {
                        fields: refusal.fields,
                        ..reject(refusal.code, refusal.message)
                    }),
                }
            })
            .await?;
        results.push(result);
    }
    Ok(MutationResults { results })
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn mutation_ids_are_canonical_uuids() {
        assert!(is_uuid("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        assert!(!is_uuid("3f2504e04f8911d39a0c0305e82c3301"));
        assert!(!is_uuid("3f2504e0-4f89-11d3-9a0c-0305e82c330g"));
        assert!(!is_uuid(""));
    }
}
