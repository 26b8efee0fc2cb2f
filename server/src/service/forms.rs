//! Intake forms: staff define templates and assign them (directly, or through a group's
//! join link); patients save drafts and submit answers, checked against the fields.

use crate::crypto::new_id;
use crate::db::Conn;
use crate::db::millis;
use crate::error::ServerError;
use crate::params;
use crate::service::mutations::Refusal;
use crate::service::patients::required;
use crate::service::{audit, feed};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use portal_model::ErrorCode;
use portal_model::records::{
    FeedRecord, FieldType, Form, FormAnswer, FormResponse, ResponseStatus,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One field of a form: the feed's own type.
pub use portal_model::records::FormField as Field;

/// `POST /v1/admin/forms`.
#[derive(Debug, Deserialize)]
pub struct NewForm {
    pub title: String,
    pub fields: Vec<Field>,
}

/// `POST /v1/admin/forms/{id}/assign`.
#[derive(Debug, Deserialize)]
pub struct Assignment {
    pub patient_id: String,
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
}

fn check_fields(fields: &[Field]) -> Result<(), ServerError> {
    if fields.is_empty() || fields.len() > 200 {
        return Err(ServerError::bad_request("A form needs 1 to 200 fields."));
    }
    let mut seen = std::collections::HashSet::new();
    for field in fields {
        let id_ok = !field.id.is_empty()
            && field.id.len() <= 64
            && field
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !id_ok || !seen.insert(field.id.as_str()) {
            return Err(ServerError::bad_request(format!(
                "Field id '{}' must be unique, 1-64 characters of a-z, 0-9 and _.",
                field.id
            )));
        }
        required("label", &field.label)?;
        if !field.kind.is_known() {
            return Err(ServerError::bad_request(format!(
                "Field '{}': type must be one of {}.",
                field.id,
                FieldType::KNOWN.join(", ")
            )));
        }
        let needs_options = matches!(field.kind, FieldType::Choice | FieldType::MultiChoice);
        if needs_options && field.options.is_empty() {
            return Err(ServerError::bad_request(format!(
                "Field '{}' needs options.",
                field.id
            )));
        }
    }
    Ok(())
}

/// Creates a template and returns its id.
pub async fn create(state: &AppState, form: NewForm) -> Result<String, ServerError> {
    let title = required("title", &form.title)?;
    check_fields(&form.fields)?;
    let fields = serde_json::to_string(&form.fields)
        .map_err(|e| ServerError::internal(format!("encoding fields: {e}")))?;
    let now = millis(state.clock.now());
    state
        .db
        .call(move |conn| {
            let id = new_id("ftp");
            conn.execute(
                "INSERT INTO form_templates (id, title, fields, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, title, fields, now])?;
            audit::record(conn, now, "admin", "form.create", &id)?;
            Ok(id)
        })
        .await
}

/// The template's title, if it exists.
pub fn template_title(conn: &Conn, template_id: &str) -> Result<Option<String>, ServerError> {
    conn.query_opt(
        "SELECT title FROM form_templates WHERE id = ?1",
        params![template_id],
        |row| row.get(0),
    )
}

/// Gives a patient a form to fill in; returns the patient's form id.
pub fn assign_in(
    tx: &Conn,
    template_id: &str,
    patient_id: &str,
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, ServerError> {
    let row: Option<(String, String)> = tx.query_opt(
        "SELECT title, fields FROM form_templates WHERE id = ?1",
        params![template_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let Some((title, fields)) = row else {
        return Err(ServerError::api(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "No such form.",
        ));
    };
    let fields: Vec<Field> = serde_json::from_str(&fields)
        .map_err(|e| ServerError::internal(format!("stored fields: {e}")))?;
    let id = new_id("frm");
    let form = Form {
        id: id.clone(),
        profile_id: patient_id.to_owned(),
        rev: 0,
        updated_at: now,
        template_id: Some(template_id.to_owned()),
        title,
        fields,
        due_at,
    };
    feed::put(tx, &form, now)?;
    Ok(id)
}

/// `POST /v1/admin/forms/{id}/assign`.
pub async fn assign(
    state: &AppState,
    template_id: String,
    assignment: Assignment,
) -> Result<String, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            crate::service::patients::require_patient(&tx, &assignment.patient_id)?;
            let id = assign_in(
                &tx,
                &template_id,
                &assignment.patient_id,
                assignment.due_at,
                now,
            )?;
            audit::record(&tx, millis(now), "admin", "form.assign", &id)?;
            tx.commit()?;
            Ok(id)
        })
        .await
}

/// `DELETE /v1/admin/forms/{id}`: removes a patient's form (the id `assign` answered)
/// with its answers; the patient's feed receives the deletes. Templates stay.
pub async fn delete(state: &AppState, id: String) -> Result<(), ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            if !feed::remove(&tx, Form::KIND, &id, now)? {
                return Err(ServerError::api(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "No such form.",
                ));
            }
            let response_id = FormResponse::id_for(&id);
            if feed::rev(&tx, FormResponse::KIND, &response_id)?.is_some() {
                feed::remove(&tx, FormResponse::KIND, &response_id, now)?;
            }
            audit::record(&tx, millis(now), "admin", "form.delete", &id)?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// Checks one answer against its field; `Err` names what is wrong.
fn check_answer(field: &Field, value: &Value) -> Result<(), String> {
    let ok = match (field.kind.as_str(), value) {
        (_, Value::Null) => true,
        ("text" | "textarea" | "signature", Value::String(s)) => s.chars().count() <= 10_000,
        ("date", Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        ("choice", Value::String(s)) => field.options.contains(s),
        ("multi_choice", Value::Array(items)) => items.iter().all(|i| {
            i.as_str()
                .is_some_and(|s| field.options.iter().any(|o| o == s))
        }),
        ("checkbox", Value::Bool(_)) => true,
        _ => false,
    };
    if ok { Ok(()) } else { Err(field.id.clone()) }
}

fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Bool(checked)) => !checked,
        Some(_) => false,
    }
}

/// Mutations `save_form_draft` (`submit` false) and `submit_form` (`submit` true).
pub fn answer(
    tx: &Conn,
    patient_id: &str,
    args: &Value,
    submit: bool,
    now: DateTime<Utc>,
) -> Result<Result<(), Refusal>, ServerError> {
    let refuse =
        |code: &'static str, message: &str| Ok(Err(Refusal::from((code, message.to_owned()))));
    let Some(form_id) = args.get("form_id").and_then(Value::as_str) else {
        return refuse("invalid_args", "args.form_id must name the form.");
    };
    let Some(answers) = args.get("answers").and_then(Value::as_object) else {
        return refuse(
            "invalid_args",
            "args.answers must be an object of field id to value.",
        );
    };
    let Some(form) = feed::get::<Form>(tx, form_id)? else {
        return refuse("not_found", "This form is no longer assigned to you.");
    };
    if form.profile_id != patient_id {
        return refuse("forbidden", "This form belongs to someone else.");
    }
    let fields = form.fields;
    let response_id = FormResponse::id_for(form_id);
    if let Some(existing) = feed::get::<FormResponse>(tx, &response_id)?
        && existing.status == ResponseStatus::Submitted
    {
        return refuse("already_submitted", "This form was already submitted.");
    }
    let mut bad: Vec<String> = answers
        .keys()
        .filter(|key| !fields.iter().any(|f| &f.id == *key))
        .cloned()
        .collect();
    for field in &fields {
        if let Some(value) = answers.get(&field.id)
            && let Err(id) = check_answer(field, value)
        {
            bad.push(id);
        }
        if submit && field.required && is_blank(answers.get(&field.id)) {
            bad.push(field.id.clone());
        }
    }
    if !bad.is_empty() {
        bad.sort();
        bad.dedup();
        return Ok(Err(Refusal {
            code: "invalid_answers",
            message: "Some answers are missing or not valid.".to_owned(),
            fields: bad,
        }));
    }
    let answers: BTreeMap<String, FormAnswer> =
        serde_json::from_value(Value::Object(answers.clone()))
            .map_err(|e| ServerError::internal(format!("checked answers: {e}")))?;
    let response = FormResponse {
        id: response_id,
        profile_id: patient_id.to_owned(),
        rev: 0,
        updated_at: now,
        form_id: form_id.to_owned(),
        status: if submit {
            ResponseStatus::Submitted
        } else {
            ResponseStatus::Draft
        },
        answers,
        submitted_at: submit.then_some(now),
    };
    feed::put(tx, &response, now)?;
    Ok(Ok(()))
}
