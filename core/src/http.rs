//! The HTTP transport: protocol v1 over reqwest with rustls. Errors become typed
//! [`CoreError`]s; URLs (which can hold tokens) never appear in them.

use crate::config::ClientConfig;
use crate::error::CoreError;
use portal_model::ApiErrorBody;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A server's answer that was not a success.
pub(crate) struct Failure {
    pub status: StatusCode,
    pub body: Option<ApiErrorBody>,
}

/// A client for one server.
#[derive(Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
    /// How long the event stream's answer may take to begin (its body then lasts hours).
    head_wait: Duration,
}

impl Api {
    pub fn new(config: &ClientConfig) -> Result<Self, CoreError> {
        // The process-wide rustls provider; a host may have installed one already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut extra_roots = Vec::new();
        for pem in config.extra_roots_pem() {
            extra_roots.extend(
                reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                    CoreError::Config(format!("extra root certificates: {}", e.without_url()))
                })?,
            );
        }
        let http = reqwest::Client::builder()
            .tls_certs_merge(extra_roots)
            .https_only(!config.is_loopback())
            // Never follow a redirect: it could carry a token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.request_timeout().min(Duration::from_secs(10)))
            .timeout(config.request_timeout())
            // Below the server's keep-alive bound (its header deadline, 30 s by
            // default): a pooled connection is dropped here before the server closes it,
            // so a request never goes out on a connection being closed.
            .pool_idle_timeout(Duration::from_secs(20))
            .user_agent(concat!("patient-portal-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Config(format!("HTTP client: {}", e.without_url())))?;
        Ok(Self {
            http,
            head_wait: config.request_timeout().min(Duration::from_secs(10)),
            base: config
                .server_url()
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        })
    }

    /// Sends a request; `Ok(Err(failure))` is an answer from the server that was not 2xx.
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Result<T, Failure>, CoreError> {
        self.send_as(method, path, body, None).await
    }

    /// Like [`Api::send`], with `Authorization: Bearer {access_token}` when given.
    pub async fn send_as<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        access_token: Option<&str>,
    ) -> Result<Result<T, Failure>, CoreError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(token) = access_token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(network)?;
        let status = response.status();
        if status == StatusCode::NO_CONTENT {
            return serde_json::from_value(serde_json::Value::Null)
                .map(Ok)
                .map_err(|_| CoreError::UnexpectedResponse { status: 204 });
        }
        if status.is_success() {
            let value = response.json::<T>().await.map_err(|e| {
                if e.is_decode() {
                    CoreError::UnexpectedResponse {
                        status: status.as_u16(),
                    }
                } else {
                    network(e)
                }
            })?;
            return Ok(Ok(value));
        }
        let bytes = response.bytes().await.map_err(network)?;
        let body = serde_json::from_slice::<ApiErrorBody>(&bytes).ok();
        Ok(Err(Failure { status, body }))
    }
}

/// An open server-sent event stream.
pub(crate) struct EventStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl EventStream {
    /// The name of the next event (`changed`), or `None` when the stream ended. Keep-
    /// alive comments are skipped; a read error is a network error.
    pub async fn next_event(&mut self) -> Result<Option<String>, CoreError> {
        loop {
            if let Some(end) = find_blank_line(&self.buffer) {
                let block: Vec<u8> = self.buffer.drain(..end).collect();
                let text = String::from_utf8_lossy(&block);
                let name = text
                    .lines()
                    .find_map(|line| line.strip_prefix("event:"))
                    .map(|name| name.trim().to_owned());
                if let Some(name) = name {
                    return Ok(Some(name));
                }
                continue;
            }
            match self.response.chunk().await.map_err(network)? {
                Some(chunk) => {
                    self.buffer.extend_from_slice(&chunk);
                    if self.buffer.len() > 64 * 1024 {
                        return Err(CoreError::UnexpectedResponse { status: 200 });
                    }
                }
                None => return Ok(None),
            }
        }
    }
}

/// The end (exclusive, blank line included) of the first complete event block.
fn find_blank_line(buffer: &[u8]) -> Option<usize> {
    let text = buffer;
    for i in 0..text.len() {
        if text[i..].starts_with(b"\n\n") {
            return Some(i + 2);
        }
        if text[i..].starts_with(b"\r\n\r\n") {
            return Some(i + 4);
        }
    }
    None
}

impl Api {
    /// Opens `GET /v1/sync/events`. The request has no overall time limit (the stream is
    /// endless); the caller notices a silent connection by the missing keep-alives.
    pub async fn open_events(
        &self,
        access_token: &str,
    ) -> Result<Result<EventStream, Failure>, CoreError> {
        let request = self
            .http
            .get(format!("{}/v1/sync/events", self.base))
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .timeout(Duration::from_secs(24 * 60 * 60))
            .send();
        // The stream may last a day, but its answer must begin soon: the background
        // sync waits for it before each pull, and a stream that never answers (a
        // connection a proxy half-dropped) must not hold the pull, and the outbox, back.
        let response = tokio::time::timeout(self.head_wait, request)
            .await
            .map_err(|_| CoreError::Network("the event stream did not answer".to_owned()))?
            .map_err(network)?;
        let status = response.status();
        if status.is_success() {
            return Ok(Ok(EventStream {
                response,
                buffer: Vec::new(),
            }));
        }
        let bytes = response.bytes().await.map_err(network)?;
        let body = serde_json::from_slice::<ApiErrorBody>(&bytes).ok();
        Ok(Err(Failure { status, body }))
    }
}

impl Api {
    /// A request for bodies that are not JSON (document bytes), with the bearer token.
    /// `timeout` replaces the client's 30 s: a large document may take longer.
    pub fn raw(
        &self,
        method: Method,
        path: &str,
        access_token: &str,
        timeout: Duration,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(access_token)
            .timeout(timeout)
    }
}

impl Failure {
    /// The protocol's error code, when the answer carried one.
    pub fn code(&self) -> Option<portal_model::ErrorCode> {
        self.body.as_ref().map(|b| b.error.code)
    }

    /// The protocol error as a [`CoreError`], for answers the caller has no special case for.
    pub fn into_error(self) -> CoreError {
        match self.body {
            Some(body) => CoreError::Server {
                status: self.status.as_u16(),
                code: body.error.code,
                message: body.error.message,
            },
            None => CoreError::UnexpectedResponse {
                status: self.status.as_u16(),
            },
        }
    }
}

pub(crate) fn network(error: reqwest::Error) -> CoreError {
    let kind = if error.is_timeout() {
        "the server took too long to answer"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    };
    CoreError::Network(format!("{kind}: {}", error.without_url()))
}
