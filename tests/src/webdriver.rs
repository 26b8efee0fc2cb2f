//! A small W3C WebDriver client over plain HTTP (enough to drive the desktop app through
//! tauri-driver and WebKitWebDriver): sessions, elements, typing, clicking, screenshots.

use base64::Engine;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The W3C key that identifies an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session.
pub struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

/// A failed WebDriver command, with the driver's own words.
#[derive(Debug)]
pub struct WebDriverError(pub String);

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WebDriverError {}

type Result<T> = std::result::Result<T, WebDriverError>;

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> Result<Value> {
    let mut request = http.request(method.clone(), &url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| WebDriverError(format!("{method} {url}: {e}")))?;
    let status = response.status();
    let value: Value = response
        .json()
        .await
        .map_err(|e| WebDriverError(format!("{method} {url}: body: {e}")))?;
    if !status.is_success() {
        return Err(WebDriverError(format!("{method} {url}: {status}: {value}")));
    }
    Ok(value.get("value").cloned().unwrap_or(Value::Null))
}

/// The driver found an element the page replaced meanwhile: ask again.
pub fn is_stale(error: &WebDriverError) -> bool {
    error.0.contains("stale element")
}

impl Session {
    /// Starts a session on the driver at `driver` (such as `http://127.0.0.1:4444`).
    pub async fn start(driver: &str, capabilities: Value) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| WebDriverError(e.to_string()))?;
        let base = driver.trim_end_matches('/').to_owned();
        let value = call(
            &http,
            reqwest::Method::POST,
            format!("{base}/session"),
            Some(json!({"capabilities": {"alwaysMatch": capabilities}})),
        )
        .await?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| WebDriverError(format!("no session id in {value}")))?
            .to_owned();
        Ok(Self { http, base, id })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        call(
            &self.http,
            method,
            format!("{}/session/{}{path}", self.base, self.id),
            body,
        )
        .await
    }

    /// Opens `url` in the session's window and waits for the page to load.
    pub async fn navigate(&self, url: &str) -> Result<()> {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await
            .map(|_| ())
    }

    /// The first element matching `css`, if any right now.
    pub async fn find(&self, css: &str) -> Result<Option<String>> {
        let value = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(value
            .as_array()
            .and_then(|items| items.first())
            .and_then(|item| item.get(ELEMENT_KEY))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// Waits up to `timeout` for an element matching `css`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css).await {
                Ok(Some(element)) => return Ok(element),
                Ok(None) => {}
                // WebKitWebDriver answers so when the page redraws during the query.
                Err(error) if is_stale(&error) => {}
                Err(error) => return Err(error),
            }
            if Instant::now() >= deadline {
                let page = self.page_text().await.unwrap_or_default();
                return Err(WebDriverError(format!(
                    "no element '{css}' after {timeout:?}; the page says: {page}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Types `text` into an element.
    pub async fn type_into(&self, element: &str, text: &str) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await
        .map(|_| ())
    }

    /// Clicks an element.
    pub async fn click(&self, element: &str) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await
        .map(|_| ())
    }

    /// Runs `script` in the page as an async function body (its last argument is the
    /// callback that returns the result) and returns what it passed back.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// A DOM property of an element (an input's `value`, a box's `checked`), as text.
    pub async fn property(&self, element: &str, name: &str) -> Result<String> {
        let value = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{element}/property/{name}"),
                None,
            )
            .await?;
        Ok(match value {
            Value::String(text) => text,
            Value::Null => String::new(),
            other => other.to_string(),
        })
    }

    /// Types `keys` on the keyboard, into whatever has the focus (WebDriver actions:
    /// each character pressed and released; `\u{E004}` is Tab, `\u{E007}` Enter).
    pub async fn keys(&self, keys: &str) -> Result<()> {
        let mut actions = Vec::new();
        for key in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": key.to_string()}));
            actions.push(json!({"type": "keyUp", "value": key.to_string()}));
        }
        self.cmd(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await
        .map(|_| ())
    }

    /// The rendered text of an element.
    pub async fn text(&self, element: &str) -> Result<String> {
        let value = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{element}/text"),
                None,
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Whether an element is enabled.
    pub async fn is_enabled(&self, element: &str) -> Result<bool> {
        let value = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{element}/enabled"),
                None,
            )
            .await?;
        Ok(value.as_bool().unwrap_or(false))
    }

    /// The text of the whole page body.
    pub async fn page_text(&self) -> Result<String> {
        match self.find("body").await? {
            Some(body) => self.text(&body).await,
            None => Ok(String::new()),
        }
    }

    /// Waits for two animation frames, so what the page changed last is painted.
    pub async fn settle(&self) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(true), 50)));",
                "args": []
            })),
        )
        .await
        .map(|_| ())
    }

    /// A PNG screenshot of the window, taken once the page has painted.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        self.settle().await?;
        let value = self.cmd(reqwest::Method::GET, "/screenshot", None).await?;
        let encoded = value
            .as_str()
            .ok_or_else(|| WebDriverError("the screenshot is not a string".into()))?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| WebDriverError(format!("screenshot base64: {e}")))
    }

    /// Ends the session (closing the app).
    pub async fn end(self) -> Result<()> {
        call(
            &self.http,
            reqwest::Method::DELETE,
            format!("{}/session/{}", self.base, self.id),
            None,
        )
        .await
        .map(|_| ())
    }
}
