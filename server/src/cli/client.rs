//! The admin API as the command line calls it: one request each, answers as JSON, and
//! every failure turned into words a receptionist can act on.

use axum::http::StatusCode;
use portal_model::ApiErrorBody;
use portal_server::error::ServerError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;
use url::Url;

/// A client of `/v1/admin/...` on one server, with the admin token.
pub struct AdminApi {
    base: Url,
    token: String,
    http: reqwest::Client,
}

impl AdminApi {
    /// A client of the server at `base`.
    pub fn new(base: Url, token: String) -> Result<Self, ServerError> {
        // The process-wide rustls provider that reqwest is built to use; a second
        // install (already installed) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| ServerError::Command(format!("cannot set up HTTP: {e}")))?;
        Ok(Self { base, token, http })
    }

    /// `{base}/v1/admin/{path...}`, each segment encoded (ids come from people).
    fn url(&self, path: &[&str]) -> Result<Url, ServerError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ServerError::Command(format!("{} cannot be a server's address", self.base))
            })?
            .pop_if_empty()
            .extend(["v1", "admin"])
            .extend(path);
        Ok(url)
    }

    /// `GET /v1/admin/{path...}`.
    pub async fn get(&self, path: &[&str]) -> Result<Value, ServerError> {
        self.send(self.http.get(self.url(path)?)).await
    }

    /// `POST /v1/admin/{path...}` with a JSON body.
    pub async fn post(&self, path: &[&str], body: &Value) -> Result<Value, ServerError> {
        self.send(self.http.post(self.url(path)?).json(body)).await
    }

    /// `PUT /v1/admin/{path...}` with a JSON body.
    pub async fn put(&self, path: &[&str], body: &Value) -> Result<Value, ServerError> {
        self.send(self.http.put(self.url(path)?).json(body)).await
    }

    /// `PATCH /v1/admin/{path...}` with a JSON body.
    pub async fn patch(&self, path: &[&str], body: &Value) -> Result<Value, ServerError> {
        self.send(self.http.patch(self.url(path)?).json(body)).await
    }

    /// `DELETE /v1/admin/{path...}`.
    pub async fn delete(&self, path: &[&str]) -> Result<Value, ServerError> {
        self.send(self.http.delete(self.url(path)?)).await
    }

    /// `POST /v1/admin/{path...}` with a multipart form.
    pub async fn post_form(
        &self,
        path: &[&str],
        form: reqwest::multipart::Form,
    ) -> Result<Value, ServerError> {
        self.send(self.http.post(self.url(path)?).multipart(form))
            .await
    }

    /// Sends with the token; a success answers its JSON (`null` when empty).
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, ServerError> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| self.unreachable(&e))?;
        if status.is_success() {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|_| self.not_a_portal(status.as_u16()));
        }
        let Ok(body) = serde_json::from_str::<ApiErrorBody>(&text) else {
            return Err(self.not_a_portal(status.as_u16()));
        };
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(ServerError::Command(format!(
                "the server at {} refused the admin token: {} Set PORTAL_ADMIN_TOKEN, or \
                 admin_token in the settings file given with --config, to the server's token.",
                self.shown(),
                body.error.message
            )));
        }
        Err(ServerError::Api {
            status: StatusCode::from_u16(status.as_u16())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: body.error.code,
            message: body.error.message,
            reasons: body.error.reasons,
        })
    }

    /// The server's address as people write it (no trailing slash).
    fn shown(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn unreachable(&self, error: &reqwest::Error) -> ServerError {
        // The innermost cause says what happened ("Connection refused"); the outer
        // layers only repeat the URL.
        let mut cause: &dyn std::error::Error = error;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        let what = if error.is_timeout() {
            "no answer in time".to_owned()
        } else {
            cause.to_string()
        };
        ServerError::Command(format!(
            "cannot reach the server at {}: {what}. Is `portal-server serve` running there? \
             Choose the server with --server or PORTAL_SERVER_URL.",
            self.shown()
        ))
    }

    fn not_a_portal(&self, status: u16) -> ServerError {
        ServerError::Command(format!(
            "the server at {} answered HTTP {status} in a form this tool does not understand; \
             is it a Patient Portal server of this version?",
            self.shown()
        ))
    }
}

/// Reads an answer as `T`; a mismatch means the server speaks another version.
pub fn decode<T: DeserializeOwned>(answer: Value) -> Result<T, ServerError> {
    serde_json::from_value(answer).map_err(|e| {
        ServerError::Command(format!(
            "the server's answer is not what this tool expects ({e}); is the server of the same version?"
        ))
    })
}

/// Names what was not found: the server says "No such patient.", staff also want to
/// see which id they typed.
pub fn naming(id: &str) -> impl FnOnce(ServerError) -> ServerError + '_ {
    move |error| match error {
        ServerError::Api {
            status,
            code,
            message,
            reasons,
        } if status == StatusCode::NOT_FOUND => ServerError::Api {
            status,
            code,
            message: format!("{} (id '{id}')", message.trim_end_matches('.')),
            reasons,
        },
        other => other,
    }
}
