//! Handlers of documents: staff upload them (multipart), patients download them (ETag,
//! ranges) and upload their own files.

use super::extract::{Admin, ApiPath, Authed};
use super::openapi::Binary;
use crate::error::ServerError;
use crate::service::blob_store::{self, Incoming, Refused, Staged};
use crate::service::documents::{self, NewDocument};
use crate::service::files;
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use portal_model::ApiErrorBody;
use portal_model::admin::DocumentCreated;

/// Room for the largest document plus the multipart framing.
pub const BODY_LIMIT: usize = documents::MAX_BYTES + 64 * 1024;

/// The multipart form of `POST /v1/admin/documents` (for the OpenAPI document only: the
/// handler reads the parts one by one).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    patient_id: String,
    title: String,
    /// `shared` (the default), `superbill`, `invoice`, `upload` or `form_pdf`.
    category: Option<String>,
    /// The document; its part's `Content-Type` is kept (default `application/octet-stream`).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ServerError {
    if super::request_limits::body_timed_out(&error) {
        return super::request_limits::body_too_slow();
    }
    ServerError::bad_request(format!(
        "The form upload is not valid: {}",
        error.body_text()
    ))
}

/// 413: more than the largest document.
fn too_large() -> ServerError {
    ServerError::api(
        StatusCode::PAYLOAD_TOO_LARGE,
        portal_model::ErrorCode::BadRequest,
        format!(
            "The file is larger than the limit of {} MiB.",
            documents::MAX_BYTES >> 20
        ),
    )
}

/// Stores a body in chunks as it arrives (never whole in memory); a body that breaks
/// off or grows past the limit leaves nothing behind.
async fn receive<S, E>(
    state: &AppState,
    mut body: S,
    broken: impl Fn(E) -> ServerError,
) -> Result<Staged, ServerError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let now = crate::db::millis(state.clock.now());
    let mut incoming = Incoming::start(&state.db, now, documents::MAX_BYTES as u64).await?;
    while let Some(piece) = body.next().await {
        let refused = match piece {
            Ok(data) => match incoming.push(&data).await {
                Ok(()) => continue,
                Err(Refused::TooLarge) => too_large(),
                Err(Refused::Storage(error)) => error,
            },
            Err(error) => broken(error),
        };
        incoming.discard().await;
        return Err(refused);
    }
    incoming.finish().await
}

/// Shares a document with a patient (multipart form, up to 25 MiB).
#[utoipa::path(
    post,
    path = "/documents",
    tag = "admin",
    security(("admin_token" = [])),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Created.", body = DocumentCreated),
        (status = 413, description = "The body exceeds the limit."),
    )
)]
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<DocumentCreated>), ServerError> {
    // Without a multipart body axum answers in plain text; the protocol answers in JSON.
    let mut form = form.map_err(|rejection| {
        ServerError::bad_request(format!(
            "The form upload is not valid: {}",
            rejection.body_text()
        ))
    })?;
    let mut fields = FormFields::default();
    let read = read_form(&state, &mut form, &mut fields).await;
    let FormFields {
        patient_id,
        title,
        category,
        file,
    } = fields;
    let complete = match (read, patient_id, title, file) {
        (Ok(()), Some(patient_id), Some(title), Some((content_type, staged))) => {
            Ok((patient_id, title, content_type, staged))
        }
        (read, _, _, file) => {
            if let Some((_, staged)) = file {
                staged.discard(&state.db).await;
            }
            Err(read.err().unwrap_or_else(|| {
                ServerError::bad_request("The form needs patient_id, title and file.")
            }))
        }
    };
    let (patient_id, title, content_type, staged) = complete?;
    let document_id = documents::create(
        &state,
        NewDocument {
            patient_id,
            title,
            category: category.unwrap_or_else(|| "shared".to_owned()),
            content_type,
            body: documents::Body::Staged(staged),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(DocumentCreated { document_id })))
}

/// The fields of the admin's document form as they arrive.
#[derive(Default)]
struct FormFields {
    patient_id: Option<String>,
    title: Option<String>,
    category: Option<String>,
    /// The part's content type and its bytes, stored as they came.
    file: Option<(String, Staged)>,
}

async fn read_form(
    state: &AppState,
    form: &mut Multipart,
    fields: &mut FormFields,
) -> Result<(), ServerError> {
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if fields.file.is_none() => {
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let staged = receive(state, field, multipart_error).await?;
                fields.file = Some((content_type, staged));
            }
            "patient_id" | "title" | "category" => {
                let text = field.text().await.map_err(multipart_error)?;
                match name.as_str() {
                    "patient_id" => fields.patient_id = Some(text),
                    "title" => fields.title = Some(text),
                    _ => fields.category = Some(text),
                }
            }
            other => {
                return Err(ServerError::bad_request(format!(
                    "Unexpected form field '{other}'."
                )));
            }
        }
    }
    Ok(())
}

/// Deletes a document; the patient's feed receives a delete.
#[utoipa::path(
    delete,
    path = "/documents/{id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "The document's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`not_found`.", body = ApiErrorBody),
    )
)]
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    documents::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn header_value(text: &str) -> Result<HeaderValue, ServerError> {
    HeaderValue::from_str(text).map_err(|e| ServerError::internal(format!("header value: {e}")))
}

/// A document's bytes, with `ETag` (its SHA-256) and byte ranges.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}/content",
    tag = "documents",
    security(("patient_token" = [])),
    params(
        ("id" = String, Path, description = "The document's id (from the feed)."),
        ("Range" = Option<String>, Header, description = "One byte range, such as `bytes=0-1023`."),
        ("If-Range" = Option<String>, Header, description = "Apply `Range` only to this ETag."),
        ("If-None-Match" = Option<String>, Header, description = "ETags the client already holds."),
    ),
    responses(
        (status = 200, description = "The document, in its own content type.", content_type = "*/*", body = Binary,
            headers(("ETag" = String, description = "The SHA-256 of the content, quoted."))),
        (status = 206, description = "The requested range, in the document's content type.", content_type = "*/*", body = Binary,
            headers(("Content-Range" = String))),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 404, description = "`not_found`: no such document for this account.", body = ApiErrorBody),
        (status = 416, description = "The range cannot be satisfied.",
            headers(("Content-Range" = String, description = "`bytes */{size}`"))),
    )
)]
pub async fn content(
    State(state): State<AppState>,
    Authed(session): Authed,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    // A download begins (and is audited) with a request for the whole file or its
    // start; a resumed range or a check of a copy already held is not a new download.
    let starts_download = !headers.contains_key(header::IF_NONE_MATCH)
        && headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|range| {
                range
                    .trim()
                    .strip_prefix("bytes=")
                    .and_then(|r| r.split('-').next())
                    .is_some_and(|start| start.trim() == "0")
            });
    let content = documents::content(&state, session.account_id, id, starts_download).await?;
    let etag = format!("\"{}\"", content.sha256);
    let size = content.size;
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::ETAG, header_value(&etag)?);
    response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Served as a download, in a type from the allow-list, never run as a page (rows
    // stored before the allow-list are mapped here too).
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(files::served_type(&content.content_type)),
    );
    response_headers.insert(
        header::CONTENT_DISPOSITION,
        header_value(&files::attachment(&content.title))?,
    );
    response_headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    // A range only applies to the same content (If-Range with our ETag, or no If-Range).
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| if_range_ok);
    // The bytes stream from their chunks as the client takes them; only the chunks a
    // range covers are read.
    let body = |start: u64, end: u64| {
        if size == 0 {
            return Body::empty();
        }
        Body::from_stream(blob_store::read_range(
            state.db.clone(),
            content.sha256.clone(),
            start,
            end,
        ))
    };
    match documents::parse_range(range, size) {
        Ok(None) => {
            response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            Ok((
                StatusCode::OK,
                response_headers,
                body(0, size.saturating_sub(1)),
            )
                .into_response())
        }
        Ok(Some((start, end))) => {
            response_headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {start}-{end}/{size}"))?,
            );
            response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start + 1));
            Ok((
                StatusCode::PARTIAL_CONTENT,
                response_headers,
                body(start, end),
            )
                .into_response())
        }
        Err(documents::Unsatisfiable) => {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{size}"))?,
            );
            Ok((StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response())
        }
    }
}

/// Uploads a file for a later `upload_document` or `send_message` mutation; idempotent
/// by the client-chosen `upload_id`. A message's `attachment_ids` are upload ids: each
/// is filed as a document of the patient (category `upload`, titled with the name from
/// `Content-Disposition`, else "Attachment"), and the message lists those documents.
#[utoipa::path(
    put,
    path = "/v1/uploads/{upload_id}",
    tag = "documents",
    security(("patient_token" = [])),
    params(
        ("upload_id" = String, Path, description = "1-64 letters, digits, `-` or `_`, chosen by the client."),
        ("Content-Disposition" = Option<String>, Header, description = "The file's name (RFC 6266), e.g. `attachment; filename*=UTF-8''scan%20%281%29.pdf`: a message attachment is filed under it."),
    ),
    request_body(content = Binary, content_type = "application/octet-stream",
        description = "The file (1 byte to 25 MiB), in its own content type."),
    responses(
        (status = 201, description = "Stored."),
        (status = 200, description = "Already stored with the same content."),
        (status = 409, description = "`conflict`: the upload id holds other content.", body = ApiErrorBody),
        (status = 413, description = "The body exceeds the limit."),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    Authed(session): Authed,
    ApiPath(upload_id): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ServerError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream");
    let content_type = documents::check_upload(&upload_id, content_type)?;
    // What the client declares is checked before anything is stored; what arrives is
    // counted as it comes.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > documents::MAX_BYTES as u64) {
        return Err(too_large());
    }
    documents::check_room(
        &state,
        session.account_id.clone(),
        upload_id.clone(),
        declared,
    )
    .await?;
    let file_name = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::service::files::file_name_of);
    let staged = receive(&state, body.into_data_stream(), |error: axum::Error| {
        if super::request_limits::body_timed_out(&error) {
            super::request_limits::body_too_slow()
        } else {
            ServerError::bad_request(format!("The upload broke off: {error}"))
        }
    })
    .await?;
    let new = documents::upload(
        &state,
        session.account_id,
        upload_id,
        content_type,
        file_name,
        staged,
    )
    .await?;
    Ok(if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}
