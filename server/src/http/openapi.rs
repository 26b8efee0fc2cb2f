//! The OpenAPI document of protocol v1, generated from the handlers' `#[utoipa::path]`
//! annotations and the model's schemas. Served at `GET /v1/openapi.json` and kept in the
//! repository as `docs/openapi.json`; a test fails when the two differ.

use axum::Json;
use portal_model::ApiErrorBody;
use std::sync::OnceLock;
use utoipa::Modify;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    Components, ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, path::Operation,
};

/// The security scheme of the patient API: a session's `access_token`.
pub const PATIENT_TOKEN: &str = "patient_token";
/// The security scheme of the admin API: the server's admin token.
pub const ADMIN_TOKEN: &str = "admin_token";

/// The document's fixed parts; the paths come from the router (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Patient Portal protocol",
        version = "1",
        description = "Protocol v1 between the reference server, the client core and the \
            native SDKs. Every error answers `{\"error\": {\"code\", \"message\"}}` with a \
            stable code (`reasons` too for `weak_password`); 429 `rate_limited` and 503 \
            `server_busy` come with `Retry-After`. Anything the server cannot parse answers 400 `bad_request`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    components(schemas(ApiErrorBody)),
    tags(
        (name = "sessions", description = "Sign-in, refresh, sign-out, password reset."),
        (name = "invites", description = "Provider-issued invites."),
        (name = "join", description = "Group join links (self-registration)."),
        (name = "sync", description = "The sync feed, its event stream, and mutations."),
        (name = "documents", description = "Document downloads and patient uploads."),
        (name = "admin", description = "Practice administration (admin token)."),
        (name = "pages", description = "Browser pages behind the links in emails (HTML forms)."),
        (name = "app-links", description = "Files that let the apps open the portal's links."),
        (name = "meta", description = "This document.")
    )
)]
pub struct ApiDoc;

/// The schema of a body of raw bytes (uploads, document content).
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}

static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this server.", body = Object))
)]
pub async fn document() -> Json<&'static OpenApi> {
    Json(DOCUMENT.get_or_init(super::openapi))
}

const BAD_REQUEST: &str = "BadRequest";
const UNAUTHORIZED: &str = "Unauthorized";
const ADMIN_GUESSES: &str = "TooManyAdminGuesses";
const PUBLIC_LIMIT: &str = "TooManyFromAddress";
const PUBLIC_LIMIT_PAGE: &str = "TooManyFromAddressPage";

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiErrorBody")))
                .build(),
        )
        .build()
}

/// What every operation shares: the security schemes, 400 `bad_request` wherever there
/// is input to parse, and 401 wherever a token is required.
pub struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        components.security_schemes.insert(
            PATIENT_TOKEN.to_owned(),
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The `access_token` of a session (login, invite acceptance, refresh).",
                    ))
                    .build(),
            ),
        );
        components.security_schemes.insert(
            ADMIN_TOKEN.to_owned(),
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The server's admin token (`PORTAL_ADMIN_TOKEN`: at least 43 base64url \
                         characters, from `portal-server new-admin-token`); without one the \
                         admin API answers 401.",
                    ))
                    .build(),
            ),
        );
        components.responses.insert(
            BAD_REQUEST.to_owned(),
            RefOr::T(error_response(
                "`bad_request`: the request could not be parsed (body, path, query), or its \
                 body names something that does not exist or breaks a rule (the message \
                 says which).",
            )),
        );
        components.responses.insert(
            UNAUTHORIZED.to_owned(),
            RefOr::T(error_response(
                "`unauthorized`, `session_expired` or `session_revoked`: no valid token.",
            )),
        );
        components.responses.insert(
            ADMIN_GUESSES.to_owned(),
            RefOr::T(error_response(
                "`rate_limited`, with `Retry-After`: too many wrong admin tokens from this \
                 address within a minute; every admin request from it waits.",
            )),
        );
        components.responses.insert(
            PUBLIC_LIMIT.to_owned(),
            RefOr::T(error_response(
                "`rate_limited`, with `Retry-After`: too many requests to the routes without \
                 a session from this client address.",
            )),
        );
        components.responses.insert(
            PUBLIC_LIMIT_PAGE.to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(
                        "Too many requests from this client address: a page saying how long \
                         to wait, with `Retry-After`.",
                    )
                    .content(
                        "text/html",
                        ContentBuilder::new()
                            .schema(Some(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::String),
                            ))
                            .build(),
                    )
                    .build(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in [
                (axum::http::Method::GET, &mut item.get),
                (axum::http::Method::PUT, &mut item.put),
                (axum::http::Method::POST, &mut item.post),
                (axum::http::Method::DELETE, &mut item.delete),
                (axum::http::Method::PATCH, &mut item.patch),
            ] {
                let Some(operation) = operation else {
                    continue;
                };
                add_common_answers(operation);
                if super::public_limit::is_public(&method, path) {
                    let answer = if path.starts_with("/v1/") {
                        PUBLIC_LIMIT
                    } else {
                        PUBLIC_LIMIT_PAGE
                    };
                    operation
                        .responses
                        .responses
                        .entry("429".to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(answer)));
                }
            }
        }
    }
}

fn add_common_answers(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    let has_input = operation.request_body.is_some()
        || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    if has_input {
        responses
            .entry("400".to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(BAD_REQUEST)));
    }
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        responses
            .entry("401".to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(UNAUTHORIZED)));
    }
    if operation
        .tags
        .as_ref()
        .is_some_and(|tags| tags.iter().any(|tag| tag == "admin"))
    {
        responses
            .entry("429".to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(ADMIN_GUESSES)));
    }
}
