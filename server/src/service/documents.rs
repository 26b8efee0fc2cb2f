//! Documents: bytes stored once per content (SHA-256), in chunks (`blob_store`),
//! described by `document` records in the feed; served with the SHA-256 as ETag and
//! byte ranges so downloads resume.
//! Patients upload by `PUT /v1/uploads/{upload_id}` (idempotent), then an
//! `upload_document` mutation files the upload as a document.

use crate::crypto::new_id;
use crate::db::Conn;
use crate::db::millis;
use crate::error::ServerError;
use crate::params;
use crate::service::blob_store::{self, Staged};
use crate::service::mutations::Refusal;
use crate::service::{audit, feed, files};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use portal_model::ErrorCode;
use portal_model::records::{Document, DocumentCategory};
use serde_json::Value;

/// The largest document or upload.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;
/// Uploads one account may make in an hour.
pub const UPLOADS_PER_HOUR: i64 = 60;
/// The default of the MiB of uploads one account may hold (`upload_quota_mib`; uploads
/// are kept [`UPLOADS_KEPT`]).
pub const UPLOAD_QUOTA_MIB: u32 = 500;
/// How long an upload is kept, filed or not: a document or message filed from it keeps
/// its bytes; an upload never filed is gone after this.
pub const UPLOADS_KEPT: chrono::Duration = chrono::Duration::days(7);
/// Document categories: every one the feed's type knows.
pub const CATEGORIES: &[&str] = DocumentCategory::KNOWN;

fn check_content_type(content_type: &str) -> Result<String, String> {
    let value = content_type.trim().to_ascii_lowercase();
    let ok = value.len() <= 100
        && value
            .split_once('/')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        && value.bytes().all(|c| c.is_ascii_graphic() || c == b' ');
    if ok {
        Ok(value)
    } else {
        Err(format!("'{content_type}' is not a content type."))
    }
}

/// Writes a document record for bytes already stored.
#[allow(clippy::too_many_arguments)]
pub(crate) fn publish(
    tx: &Conn,
    patient_id: &str,
    title: &str,
    category: &str,
    content_type: &str,
    sha: &str,
    size: i64,
    now: DateTime<Utc>,
) -> Result<String, ServerError> {
    let id = new_id("doc");
    // Whoever sent it, a document is described by a clean name and a type from the
    // allow-list, in the feed as when served.
    let title = match files::clean_name(title) {
        clean if clean.is_empty() => "Document".to_owned(),
        clean => clean,
    };
    let document = Document {
        id: id.clone(),
        profile_id: patient_id.to_owned(),
        rev: 0,
        updated_at: now,
        title,
        category: DocumentCategory::parse(category),
        content_type: files::served_type(content_type).to_owned(),
        size,
        sha256: sha.to_owned(),
        created_at: now,
    };
    feed::put(tx, &document, now)?;
    Ok(id)
}

/// Stores bytes and publishes them as a document of `patient_id`, in the caller's
/// transaction (used for generated documents such as superbills).
pub fn publish_bytes(
    tx: &Conn,
    patient_id: &str,
    title: &str,
    category: &str,
    content_type: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<String, ServerError> {
    let sha = blob_store::put(tx, bytes)?;
    publish(
        tx,
        patient_id,
        title,
        category,
        content_type,
        &sha,
        bytes.len() as i64,
        now,
    )
}

/// A document staff share with a patient.
pub struct NewDocument {
    pub patient_id: String,
    pub title: String,
    pub category: String,
    pub content_type: String,
    pub body: Body,
}

/// A new document's bytes: in memory (the demo's), or an upload already stored in
/// chunks as it arrived (the admin API's).
pub enum Body {
    Bytes(Vec<u8>),
    Staged(Staged),
}

impl Body {
    fn size(&self) -> u64 {
        match self {
            Self::Bytes(bytes) => bytes.len() as u64,
            Self::Staged(staged) => staged.size,
        }
    }
}

/// `POST /v1/admin/documents`. A refused document's staged bytes are dropped.
pub async fn create(state: &AppState, document: NewDocument) -> Result<String, ServerError> {
    match checked(document) {
        Ok(document) => create_checked(state, document).await,
        Err((error, Body::Staged(staged))) => {
            staged.discard(&state.db).await;
            Err(error)
        }
        Err((error, Body::Bytes(_))) => Err(error),
    }
}

/// The document with its title cleaned and content type checked, or why not (with its
/// body, to drop).
fn checked(document: NewDocument) -> Result<NewDocument, (ServerError, Body)> {
    let NewDocument {
        patient_id,
        title,
        category,
        content_type,
        body,
    } = document;
    let check = || -> Result<(String, String), ServerError> {
        // Refused when too long (never cut short), then cleaned.
        let title = files::clean_name(&crate::service::patients::required("title", &title)?);
        if title.is_empty() {
            return Err(ServerError::bad_request("title has no visible characters."));
        }
        if !CATEGORIES.contains(&category.as_str()) {
            return Err(ServerError::bad_request(format!(
                "category must be one of {}.",
                CATEGORIES.join(", ")
            )));
        }
        let content_type = check_content_type(&content_type).map_err(ServerError::bad_request)?;
        if body.size() == 0 || body.size() > MAX_BYTES as u64 {
            return Err(ServerError::bad_request(format!(
                "file must be 1 byte to {} MiB.",
                MAX_BYTES >> 20
            )));
        }
        Ok((title, content_type))
    };
    match check() {
        Ok((title, content_type)) => Ok(NewDocument {
            patient_id,
            title,
            category,
            content_type,
            body,
        }),
        Err(error) => Err((error, body)),
    }
}

async fn create_checked(state: &AppState, document: NewDocument) -> Result<String, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            if let Err(error) = crate::service::patients::require_patient(&tx, &document.patient_id)
            {
                // Refused: the staged bytes go (and that is committed).
                if let Body::Staged(staged) = &document.body {
                    blob_store::unstage(&tx, staged)?;
                    tx.commit()?;
                }
                return Err(error);
            }
            let size = document.body.size() as i64;
            let sha = match &document.body {
                Body::Bytes(bytes) => blob_store::put(&tx, bytes)?,
                Body::Staged(staged) => {
                    blob_store::file(&tx, staged)?;
                    staged.sha256.clone()
                }
            };
            let id = publish(
                &tx,
                &document.patient_id,
                &document.title,
                &document.category,
                &document.content_type,
                &sha,
                size,
                now,
            )?;
            audit::record(&tx, millis(now), "admin", "document.create", &id)?;
            tx.commit()?;
            Ok(id)
        })
        .await
}

/// Deletes a document (the patient's feed gets a delete; the bytes stay while shared).
pub async fn delete(state: &AppState, id: String) -> Result<(), ServerError> {
    feed::admin_delete(state, "document", id, "No such document.").await
}

/// A stored document: where its bytes are (read with [`blob_store::read_range`]) and
/// how to describe them.
pub struct Content {
    pub size: u64,
    pub sha256: String,
    pub content_type: String,
    pub title: String,
}

/// The bytes of a document the account can see (`not_found` otherwise, which reveals
/// nothing about documents of others).
pub async fn content(
    state: &AppState,
    account_id: String,
    id: String,
    starts_download: bool,
) -> Result<Content, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let not_found = || {
                ServerError::api(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "No such document.",
                )
            };
            let document: Document = feed::get(conn, &id)?.ok_or_else(not_found)?;
            let allowed = conn
                .query_opt(
                    "SELECT 1 FROM account_patients WHERE account_id = ?1 AND patient_id = ?2",
                    params![account_id, document.profile_id],
                    |_| Ok(()),
                )?
                .is_some();
            if !allowed {
                return Err(not_found());
            }
            let Document {
                sha256,
                content_type,
                title,
                ..
            } = document;
            let size: i64 = conn
                .query_opt(
                    "SELECT size FROM blobs WHERE sha256 = ?1",
                    params![&sha256],
                    |row| row.get(0),
                )?
                .ok_or_else(|| ServerError::internal("a document's bytes are missing"))?;
            if starts_download {
                crate::service::audit::record(
                    conn,
                    crate::db::millis(now),
                    &format!("account:{account_id}"),
                    "document.download",
                    &id,
                )?;
            }
            Ok(Content {
                size: u64::try_from(size).unwrap_or_default(),
                sha256,
                content_type,
                title,
            })
        })
        .await
}

/// Refuses an upload beyond the account's hourly rate or its quota of bytes held, with
/// the wait until it would fit (the oldest upload in the hour leaving it, or the oldest
/// held upload being cleaned up).
fn check_upload_limits(
    conn: &Conn,
    account_id: &str,
    size: u64,
    quota_mib: u32,
    now: i64,
) -> Result<(), ServerError> {
    let hour_ago = now - 3_600_000;
    let (recent, first_recent): (i64, Option<i64>) = conn
        .query_opt(
            "SELECT COUNT(*), MIN(created_at) FROM uploads WHERE account_id = ?1 AND created_at > ?2",
            params![account_id, hour_ago],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?
        .unwrap_or((0, None));
    let wait_secs = |until: i64| ((until - now).max(1000) + 999) as u64 / 1000;
    if recent >= UPLOADS_PER_HOUR {
        let until = first_recent.unwrap_or(now) + 3_600_000;
        let wait = wait_secs(until);
        return Err(ServerError::RateLimited {
            retry_after_secs: wait,
            message: format!(
                "You have sent {UPLOADS_PER_HOUR} files in the last hour. Please wait {} minutes, \
                 then try again.",
                wait.div_ceil(60)
            ),
        });
    }
    let (held, oldest): (i64, Option<i64>) = conn
        .query_opt(
            "SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT), MIN(u.created_at)
             FROM uploads u JOIN blobs b ON b.sha256 = u.sha256 WHERE u.account_id = ?1",
            params![account_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?
        .unwrap_or((0, None));
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    if held.saturating_add(size) > i64::from(quota_mib) << 20 {
        let until = oldest.unwrap_or(now) + UPLOADS_KEPT.num_milliseconds();
        let wait = wait_secs(until);
        return Err(ServerError::RateLimited {
            retry_after_secs: wait,
            message: format!(
                "Your files of the last {} days reach the limit of {} MiB. Older ones make room \
                 as they are cleared; please try again later.",
                UPLOADS_KEPT.num_days(),
                quota_mib
            ),
        });
    }
    Ok(())
}

/// Removes uploads older than [`UPLOADS_KEPT`], and the bytes of those nothing else
/// uses (another upload of the same file, or a live document filed from it). Returns
/// how many uploads and files went. Uploads left unfinished go too
/// ([`blob_store::purge_staging`]).
pub fn purge_uploads(conn: &Conn, now: i64) -> Result<(usize, usize), ServerError> {
    let before = now - UPLOADS_KEPT.num_milliseconds();
    let expired: Vec<String> = conn.query_all(
        "SELECT DISTINCT sha256 FROM uploads WHERE created_at < ?1",
        params![before],
        |row| row.get(0),
    )?;
    let uploads = conn.execute("DELETE FROM uploads WHERE created_at < ?1", params![before])?;
    let document_sha = conn.dialect().json_text("data", "sha256");
    let mut files = 0;
    for sha in expired {
        let in_use = conn
            .query_opt(
                "SELECT 1 FROM uploads WHERE sha256 = ?1 LIMIT 1",
                params![&sha],
                |_| Ok(()),
            )?
            .is_some()
            || conn
                .query_opt(
                    &format!(
                        "SELECT 1 FROM records WHERE kind = 'document' AND deleted = 0
                         AND {document_sha} = ?1 LIMIT 1"
                    ),
                    params![&sha],
                    |_| Ok(()),
                )?
                .is_some();
        if !in_use {
            files += blob_store::remove(conn, &sha)?;
        }
    }
    let unfinished = blob_store::purge_staging(conn, now)?;
    Ok((uploads + unfinished, files))
}

/// Checks an upload's id and content type before its body is read; returns the
/// content type to keep.
pub fn check_upload(upload_id: &str, content_type: &str) -> Result<String, ServerError> {
    let id_ok = !upload_id.is_empty()
        && upload_id.len() <= 64
        && upload_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(ServerError::bad_request(
            "upload_id must be 1-64 letters, digits, - or _.",
        ));
    }
    check_content_type(content_type).map_err(ServerError::bad_request)
}

/// Refuses, before its body is read, an upload the account's hourly rate or quota has
/// no room for (`declared`: the size `Content-Length` gives, if any). The filing
/// transaction checks again with the size that arrived. A repeat of an upload id
/// already used is let through: the filing answers it (the same bytes are no new
/// upload).
pub async fn check_room(
    state: &AppState,
    account_id: String,
    upload_id: String,
    declared: Option<u64>,
) -> Result<(), ServerError> {
    let now = millis(state.clock.now());
    let quota_mib = state.config.upload_quota_mib;
    let size = declared.unwrap_or_default();
    state
        .db
        .read(move |conn| {
            if conn.exists(
                "SELECT 1 FROM uploads WHERE account_id = ?1 AND upload_id = ?2",
                params![&account_id, &upload_id],
            )? {
                return Ok(());
            }
            check_upload_limits(conn, &account_id, size, quota_mib, now)
        })
        .await
}

/// The filing of an upload whose body arrived whole (`PUT /v1/uploads/{upload_id}`):
/// keeps the bytes under the client's id. Repeating the same upload is fine (`false`:
/// nothing new); other bytes under a used id are `conflict`. The staged bytes are
/// filed, or dropped when refused or already held.
pub async fn upload(
    state: &AppState,
    account_id: String,
    upload_id: String,
    content_type: String,
    file_name: Option<String>,
    staged: Staged,
) -> Result<bool, ServerError> {
    if staged.size == 0 {
        staged.discard(&state.db).await;
        return Err(ServerError::bad_request(format!(
            "An upload must be 1 byte to {} MiB.",
            MAX_BYTES >> 20
        )));
    }
    let now = millis(state.clock.now());
    let quota_mib = state.config.upload_quota_mib;
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let existing: Option<String> = tx.query_opt(
                "SELECT sha256 FROM uploads WHERE account_id = ?1 AND upload_id = ?2",
                params![account_id, upload_id],
                |row| row.get(0),
            )?;
            let refusal = match existing {
                Some(stored) if stored == staged.sha256 => Some(Ok(false)),
                Some(_) => Some(Err(ServerError::api(
                    StatusCode::CONFLICT,
                    ErrorCode::Conflict,
                    "This upload id already holds other content.",
                ))),
                None => check_upload_limits(&tx, &account_id, staged.size, quota_mib, now)
                    .err()
                    .map(Err),
            };
            if let Some(answer) = refusal {
                blob_store::unstage(&tx, &staged)?;
                tx.commit()?;
                return answer;
            }
            blob_store::file(&tx, &staged)?;
            tx.execute(
                "INSERT INTO uploads
                   (account_id, upload_id, sha256, content_type, created_at, file_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    account_id,
                    upload_id,
                    &staged.sha256,
                    content_type,
                    now,
                    file_name
                ],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
}

/// Mutation `upload_document`: files an upload as a document of the profile.
pub fn from_upload(
    tx: &Conn,
    account_id: &str,
    patient_id: &str,
    args: &Value,
    now: DateTime<Utc>,
) -> Result<Result<(), Refusal>, ServerError> {
    let refuse =
        |code: &'static str, message: &str| Ok(Err(Refusal::from((code, message.to_owned()))));
    let (Some(upload_id), Some(title)) = (
        args.get("upload_id").and_then(Value::as_str),
        args.get("title")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    ) else {
        return refuse("invalid_args", "args needs upload_id and a title.");
    };
    // Patients file their own documents as uploads: an invoice or a superbill comes
    // from the practice.
    let category = args
        .get("category")
        .and_then(Value::as_str)
        .unwrap_or("upload");
    if category != "upload" {
        return refuse(
            "invalid_args",
            "Your own documents are filed as 'upload': leave out the category.",
        );
    }
    if title.chars().count() > files::MAX_NAME_CHARS {
        return refuse(
            "invalid_args",
            &format!(
                "A title can be at most {} characters.",
                files::MAX_NAME_CHARS
            ),
        );
    }
    let title = files::clean_name(title);
    if title.is_empty() {
        return refuse("invalid_args", "The title has no visible characters.");
    }
    let row: Option<(String, String, i64)> = tx.query_opt(
        "SELECT u.sha256, u.content_type, b.size FROM uploads u JOIN blobs b ON b.sha256 = u.sha256
             WHERE u.account_id = ?1 AND u.upload_id = ?2",
        params![account_id, upload_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let Some((sha, content_type, size)) = row else {
        return refuse(
            "upload_missing",
            "The file has not arrived yet: upload it first.",
        );
    };
    publish(
        tx,
        patient_id,
        &title,
        category,
        &content_type,
        &sha,
        size,
        now,
    )?;
    Ok(Ok(()))
}

/// A `Range` that does not fit the document (answered 416).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// A byte range of a `size`-byte document, from a `Range` header: `Ok(None)` for the
/// whole document, `Err(Unsatisfiable)` for a range that cannot be satisfied.
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(header) = header else {
        return Ok(None);
    };
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    // Several ranges at once are answered with the whole document, as RFC 9110 allows.
    if spec.contains(',') {
        return Ok(None);
    }
    let (start, end) = spec.split_once('-').ok_or(Unsatisfiable)?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| Unsatisfiable)?;
            if n == 0 || size == 0 {
                return Err(Unsatisfiable);
            }
            (size.saturating_sub(n), size - 1)
        }
        (start, "") => (
            start.parse().map_err(|_| Unsatisfiable)?,
            size.saturating_sub(1),
        ),
        (start, end) => {
            let start: u64 = start.parse().map_err(|_| Unsatisfiable)?;
            let end: u64 = end.parse().map_err(|_| Unsatisfiable)?;
            (start, end.min(size.saturating_sub(1)))
        }
    };
    if start >= size || start > end {
        return Err(Unsatisfiable);
    }
    Ok(Some((start, end)))
}

#[cfg(test)]
mod tests {
    use super::{Unsatisfiable, parse_range};

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Ok(Some((0, 9))));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=50-500"), 100), Ok(Some((50, 99))));
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(parse_range(Some("items=0-1"), 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=9-3"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=x-3"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=-0"), 100), Err(Unsatisfiable));
    }
}
