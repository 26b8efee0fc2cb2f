//! Secure messages: threads between a patient and their care team. Only providers on
//! the patient's care team can write to them or be written to.

use crate::crypto::new_id;
use crate::db::Conn;
use crate::error::ServerError;
use crate::params;
use crate::service::{audit, feed};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use portal_model::ErrorCode;
use portal_model::records::{FeedRecord, Message, Sender, SenderKind, Thread};
use serde::Deserialize;
use serde_json::Value;

/// The longest message body.
pub const MAX_BODY: usize = 10_000;

/// `POST /v1/admin/messages`: a provider writes to a patient.
#[derive(Debug, Deserialize)]
pub struct ProviderMessage {
    pub patient_id: String,
    pub provider_id: String,
    pub body: String,
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
}

fn on_care_team(tx: &Conn, patient_id: &str, provider_id: &str) -> Result<bool, ServerError> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM care_team WHERE patient_id = ?1 AND provider_id = ?2",
            params![patient_id, provider_id],
            |_| Ok(()),
        )?
        .is_some())
}

/// The messages of a thread, oldest first.
fn thread_messages(tx: &Conn, thread_id: &str) -> Result<Vec<Message>, ServerError> {
    let dialect = tx.dialect();
    let sql = format!(
        "SELECT {} FROM records
         WHERE kind = 'message' AND deleted = 0 AND {} = ?1
         ORDER BY {}, id",
        feed::TYPED_COLUMNS,
        dialect.json_text("data", "thread_id"),
        dialect.json_text("data", "sent_at"),
    );
    let rows = tx.query_all(&sql, params![thread_id], |row| {
        Ok((
            row.get::<String>(0)?,
            row.get::<Option<String>>(1)?,
            row.get::<i64>(2)?,
            row.get::<String>(3)?,
            row.get::<i64>(4)?,
        ))
    })?;
    rows.into_iter()
        .map(|(id, patient, rev, data, updated_at)| {
            feed::typed(&id, patient, rev, &data, updated_at)
        })
        .collect()
}

/// Recomputes a thread's summary (last message time, unread count) and republishes it.
fn refresh_thread(tx: &Conn, thread_id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
    let Some(mut thread) = feed::get::<Thread>(tx, thread_id)? else {
        return Err(ServerError::internal("a message's thread is missing"));
    };
    let messages = thread_messages(tx, thread_id)?;
    thread.unread_count = messages.iter().filter(|m| m.is_unread()).count() as i64;
    thread.last_message_at = messages.last().map(|m| m.sent_at);
    feed::put(tx, &thread, now)?;
    Ok(())
}

/// What a message says: its sender, text and attached documents.
struct Note<'a> {
    sender: Sender,
    body: &'a str,
    /// Ids of `document` records of the patient.
    attachment_ids: Vec<String>,
}

impl<'a> Note<'a> {
    fn text(sender: Sender, body: &'a str) -> Self {
        Self {
            sender,
            body,
            attachment_ids: Vec::new(),
        }
    }
}

/// Writes one message (opening a thread when `thread_id` is none) and returns
/// (message id, thread id). The caller has checked who may write.
fn write(
    tx: &Conn,
    patient_id: &str,
    thread_id: Option<&str>,
    provider_id: &str,
    subject: Option<&str>,
    note: Note<'_>,
    now: DateTime<Utc>,
) -> Result<(String, String), ServerError> {
    let thread_id = match thread_id {
        Some(id) => id.to_owned(),
        None => {
            let id = new_id("thr");
            let subject = subject
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("Message");
            let thread = Thread {
                id: id.clone(),
                profile_id: patient_id.to_owned(),
                rev: 0,
                updated_at: now,
                subject: subject.to_owned(),
                provider_ids: vec![provider_id.to_owned()],
                last_message_at: None,
                unread_count: 0,
            };
            feed::put(tx, &thread, now)?;
            id
        }
    };
    let message_id = new_id("msg");
    let message = Message {
        id: message_id.clone(),
        profile_id: patient_id.to_owned(),
        rev: 0,
        updated_at: now,
        thread_id: thread_id.clone(),
        sender: note.sender,
        body: note.body.to_owned(),
        sent_at: now,
        attachment_ids: note.attachment_ids,
        read_at: None,
    };
    feed::put(tx, &message, now)?;
    refresh_thread(tx, &thread_id, now)?;
    Ok((message_id, thread_id))
}

/// The longest subject of a conversation, in characters.
pub const MAX_SUBJECT: usize = 200;

fn check_subject(subject: Option<&str>) -> Result<(), String> {
    match subject {
        Some(subject) if subject.trim().chars().count() > MAX_SUBJECT => Err(format!(
            "A subject can be at most {MAX_SUBJECT} characters."
        )),
        _ => Ok(()),
    }
}

fn check_body(body: &str) -> Result<String, String> {
    let body = body.trim();
    if body.is_empty() {
        return Err("A message cannot be empty.".to_owned());
    }
    if body.chars().count() > MAX_BODY {
        return Err(format!("A message can be at most {MAX_BODY} characters."));
    }
    Ok(body.to_owned())
}

/// Checks that `thread_id` is a thread of `patient_id`; returns its providers.
fn thread_of(
    tx: &Conn,
    patient_id: &str,
    thread_id: &str,
) -> Result<Option<Vec<String>>, ServerError> {
    Ok(feed::get::<Thread>(tx, thread_id)?
        .filter(|thread| thread.profile_id == patient_id)
        .map(|thread| thread.provider_ids))
}

/// `POST /v1/admin/messages`.
pub async fn from_provider(
    state: &AppState,
    request: ProviderMessage,
) -> Result<(String, String), ServerError> {
    let body = check_body(&request.body).map_err(ServerError::bad_request)?;
    check_subject(request.subject.as_deref()).map_err(ServerError::bad_request)?;
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            crate::service::patients::require_patient(&tx, &request.patient_id)?;
            if !on_care_team(&tx, &request.patient_id, &request.provider_id)? {
                return Err(ServerError::api(
                    StatusCode::FORBIDDEN,
                    ErrorCode::Forbidden,
                    "Only providers on the patient's care team can message them.",
                ));
            }
            if let Some(thread_id) = &request.thread_id
                && thread_of(&tx, &request.patient_id, thread_id)?.is_none()
            {
                return Err(ServerError::bad_request(
                    "thread_id does not name a thread of this patient.",
                ));
            }
            let sender = Sender {
                kind: SenderKind::Provider,
                id: request.provider_id.clone(),
            };
            let ids = write(
                &tx,
                &request.patient_id,
                request.thread_id.as_deref(),
                &request.provider_id,
                request.subject.as_deref(),
                Note::text(sender, &body),
                now,
            )?;
            audit::record(&tx, crate::db::millis(now), "admin", "message.send", &ids.1)?;
            tx.commit()?;
            Ok(ids)
        })
        .await
}

/// `DELETE /v1/admin/messages/{id}`: removes a message (the patient's or a provider's);
/// the patient's feed receives its delete and the thread's new summary. The thread
/// stays, even when it has no message left.
pub async fn delete(state: &AppState, id: String) -> Result<(), ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let Some(message) = feed::get::<Message>(&tx, &id)? else {
                return Err(ServerError::api(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "No such message.",
                ));
            };
            feed::remove(&tx, Message::KIND, &id, now)?;
            refresh_thread(&tx, &message.thread_id, now)?;
            audit::record(&tx, crate::db::millis(now), "admin", "message.delete", &id)?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// The welcome message a practice can send when a patient's account becomes active.
pub fn welcome(
    tx: &Conn,
    patient_id: &str,
    text: &str,
    practice: &str,
    now: DateTime<Utc>,
) -> Result<(), ServerError> {
    let provider_id: String = tx.query_one(
        "SELECT primary_provider_id FROM patients WHERE id = ?1",
        params![patient_id],
        |row| row.get(0),
    )?;
    let sender = Sender {
        kind: SenderKind::Provider,
        id: provider_id.clone(),
    };
    let subject = format!("Welcome to {practice}");
    write(
        tx,
        patient_id,
        None,
        &provider_id,
        Some(&subject),
        Note::text(sender, text),
        now,
    )?;
    Ok(())
}

/// Mutation `send_message`: the patient writes in a thread, or opens one with a
/// provider of their care team. `Ok(Err(..))` is a rejection.
pub fn from_patient(
    tx: &Conn,
    account_id: &str,
    patient_id: &str,
    args: &Value,
    now: DateTime<Utc>,
) -> Result<Result<(), (&'static str, String)>, ServerError> {
    let body = match args.get("body").and_then(Value::as_str).map(check_body) {
        Some(Ok(body)) => body,
        Some(Err(reason)) => return Ok(Err(("invalid_args", reason))),
        None => {
            return Ok(Err((
                "invalid_args",
                "args.body must be the message text.".to_owned(),
            )));
        }
    };
    let attachments = match attachments_of(tx, account_id, args)? {
        Ok(attachments) => attachments,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let sender = Sender {
        kind: SenderKind::Patient,
        id: patient_id.to_owned(),
    };
    if let Some(thread_id) = args.get("thread_id").and_then(Value::as_str) {
        let Some(providers) = thread_of(tx, patient_id, thread_id)? else {
            return Ok(Err((
                "not_found",
                "This conversation does not exist any more.".to_owned(),
            )));
        };
        let still_on_team = providers
            .iter()
            .any(|p| on_care_team(tx, patient_id, p).unwrap_or(false));
        if !still_on_team {
            return Ok(Err((
                "not_care_team",
                "Nobody in this conversation is on your care team any more.".to_owned(),
            )));
        }
        let note = attachments.attach(tx, patient_id, sender, &body, now)?;
        write(tx, patient_id, Some(thread_id), "", None, note, now)?;
        return Ok(Ok(()));
    }
    let Some(provider_id) = args.get("provider_id").and_then(Value::as_str) else {
        return Ok(Err((
            "invalid_args",
            "args needs thread_id, or provider_id for a new conversation.".to_owned(),
        )));
    };
    if !on_care_team(tx, patient_id, provider_id)? {
        return Ok(Err((
            "not_care_team",
            "You can only message providers on your care team.".to_owned(),
        )));
    }
    let subject = args.get("subject").and_then(Value::as_str);
    if let Err(why) = check_subject(subject) {
        return Ok(Err(("invalid_args", why)));
    }
    let note = attachments.attach(tx, patient_id, sender, &body, now)?;
    write(tx, patient_id, None, provider_id, subject, note, now)?;
    Ok(Ok(()))
}

/// The most files one message carries.
const MAX_ATTACHMENTS: usize = 10;

/// A message's files, checked: uploads of the account, to file as documents.
struct Attachments(Vec<Upload>);

struct Upload {
    sha256: String,
    content_type: String,
    size: i64,
    file_name: Option<String>,
}

/// Reads `args.attachment_ids` (the account's upload ids): `Ok(Err(..))` refuses the
/// message when they are malformed or a file has not arrived.
fn attachments_of(
    tx: &Conn,
    account_id: &str,
    args: &Value,
) -> Result<Result<Attachments, (&'static str, String)>, ServerError> {
    let ids: Vec<&str> = match args.get("attachment_ids") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => match ids.iter().map(Value::as_str).collect::<Option<_>>() {
            Some(ids) => ids,
            None => {
                return Ok(Err((
                    "invalid_args",
                    "args.attachment_ids must be a list of upload ids.".to_owned(),
                )));
            }
        },
        Some(_) => {
            return Ok(Err((
                "invalid_args",
                "args.attachment_ids must be a list of upload ids.".to_owned(),
            )));
        }
    };
    if ids.len() > MAX_ATTACHMENTS {
        return Ok(Err((
            "invalid_args",
            format!("A message can carry at most {MAX_ATTACHMENTS} files."),
        )));
    }
    let mut uploads = Vec::with_capacity(ids.len());
    for (n, id) in ids.iter().enumerate() {
        if ids[..n].contains(id) {
            return Ok(Err((
                "invalid_args",
                "The same file is attached twice.".to_owned(),
            )));
        }
        let upload = tx.query_opt(
            "SELECT u.sha256, u.content_type, b.size, u.file_name
             FROM uploads u JOIN blobs b ON b.sha256 = u.sha256
             WHERE u.account_id = ?1 AND u.upload_id = ?2",
            params![account_id, id],
            |row| {
                Ok(Upload {
                    sha256: row.get(0)?,
                    content_type: row.get(1)?,
                    size: row.get(2)?,
                    file_name: row.get(3)?,
                })
            },
        )?;
        match upload {
            Some(upload) => uploads.push(upload),
            None => {
                return Ok(Err((
                    "upload_missing",
                    "An attached file has not arrived yet: upload it first.".to_owned(),
                )));
            }
        }
    }
    Ok(Ok(Attachments(uploads)))
}

impl Attachments {
    /// Files each upload as a document of the patient (category `upload`, titled by
    /// its file name) and returns the message that lists them.
    fn attach<'a>(
        self,
        tx: &Conn,
        patient_id: &str,
        sender: Sender,
        body: &'a str,
        now: DateTime<Utc>,
    ) -> Result<Note<'a>, ServerError> {
        let mut attachment_ids = Vec::with_capacity(self.0.len());
        for upload in self.0 {
            let title = upload.file_name.as_deref().unwrap_or("Attachment");
            attachment_ids.push(crate::service::documents::publish(
                tx,
                patient_id,
                title,
                "upload",
                &upload.content_type,
                &upload.sha256,
                upload.size,
                now,
            )?);
        }
        Ok(Note {
            sender,
            body,
            attachment_ids,
        })
    }
}

/// Mutation `mark_read`: marks the provider messages of a thread read up to (and
/// including) one message.
pub fn mark_read(
    tx: &Conn,
    patient_id: &str,
    args: &Value,
    now: DateTime<Utc>,
) -> Result<Result<(), (&'static str, String)>, ServerError> {
    let (Some(thread_id), Some(up_to)) = (
        args.get("thread_id").and_then(Value::as_str),
        args.get("up_to_message_id").and_then(Value::as_str),
    ) else {
        return Ok(Err((
            "invalid_args",
            "args needs thread_id and up_to_message_id.".to_owned(),
        )));
    };
    if thread_of(tx, patient_id, thread_id)?.is_none() {
        return Ok(Err((
            "not_found",
            "This conversation does not exist any more.".to_owned(),
        )));
    }
    let messages = thread_messages(tx, thread_id)?;
    let Some(position) = messages.iter().position(|m| m.id == up_to) else {
        return Ok(Err((
            "not_found",
            "That message is not in this conversation.".to_owned(),
        )));
    };
    for mut message in messages.into_iter().take(position + 1) {
        if message.is_unread() {
            message.read_at = Some(now);
            feed::put(tx, &message, now)?;
        }
    }
    refresh_thread(tx, thread_id, now)?;
    Ok(Ok(()))
}
