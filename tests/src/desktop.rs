//! The desktop app under test: tauri-driver (with WebKitWebDriver) starting the real
//! app against a real server, and the steps the desktop tests share (sign in, open a
//! section, wait for words, save a screenshot).
//!
//! Needs what scripts/test.sh provides: built binaries (PORTAL_SERVER_BIN,
//! PORTAL_APP_BIN), tauri-driver and WebKitWebDriver, an X display and a D-Bus session
//! with GNOME Keyring. Screenshots go to PORTAL_ARTIFACTS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support: fail loudly.

use crate::TestServer;
use crate::process::{Guard, free_port, wait_for_port};
use crate::webdriver::Session;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The admin token of the practices these tests start.
pub const ADMIN: &str = "e2e-admin-token-IDV2A7vRSQuSFb18__lCG8z02RMb1U5K";
/// The patients' password.
pub const PASSWORD: &str = "river otter paints blue";
/// One app at a time: the app is single-instance per session bus.
pub static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the desktop tests through scripts/test.sh")
    }))
}

pub fn artifacts() -> PathBuf {
    let dir = std::env::var("PORTAL_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("portal-artifacts"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// The server binary on a free port with a fresh SQLite file.
pub fn start_practice() -> TestServer {
    TestServer::setup().admin_token(ADMIN).start()
}

/// tauri-driver (with WebKitWebDriver) on free ports, its app pointed at `server_url`.
pub fn start_driver(server_url: &str) -> (Guard, String) {
    start_driver_with(server_url, &[])
}

/// Like [`start_driver`], with more environment for the app. Unless `env` names one,
/// the app keeps its offline copies in a directory of its own under the system's
/// temporary directory, never in the home directory of the machine running the tests.
pub fn start_driver_with(server_url: &str, env: &[(&str, &str)]) -> (Guard, String) {
    spawn_driver(Some(server_url), env)
}

/// Like [`start_driver_with`], with no server configured: the app's first run.
pub fn start_driver_without_server(env: &[(&str, &str)]) -> (Guard, String) {
    spawn_driver(None, env)
}

fn spawn_driver(server_url: Option<&str>, env: &[(&str, &str)]) -> (Guard, String) {
    let port = free_port();
    let native_port = free_port();
    let own_data = std::env::temp_dir().join(format!("portal-desktop-test-{port}"));
    let data_dir = if env.iter().any(|(name, _)| *name == "PORTAL_DATA_DIR") {
        None
    } else {
        Some(own_data.to_string_lossy().into_owned())
    };
    let driver = Guard::spawn_group(
        "tauri-driver",
        Command::new(
            std::env::var("PORTAL_TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()),
        )
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env_remove("PORTAL_SERVER_URL")
        .envs(server_url.map(|url| ("PORTAL_SERVER_URL", url)))
        .envs(data_dir.iter().map(|dir| ("PORTAL_DATA_DIR", dir.as_str())))
        .envs(env.iter().copied())
        .stdout(Stdio::null()),
    );
    wait_for_port(port, Duration::from_secs(30));
    (driver, format!("http://127.0.0.1:{port}"))
}

/// tauri-driver for an installed app started as a person would start it: `HOME` is
/// `home`, and nothing points the app at a server, a data directory or other XDG folders,
/// so it finds its settings, data and deep-link handler under `home` by itself.
pub fn start_driver_at_home(home: &std::path::Path) -> (Guard, String) {
    let port = free_port();
    let native_port = free_port();
    let mut command = Command::new(
        std::env::var("PORTAL_TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()),
    );
    command
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("HOME", home)
        .stdout(Stdio::null());
    for name in [
        "PORTAL_SERVER_URL",
        "PORTAL_DATA_DIR",
        "PORTAL_LANGUAGE",
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
        "XDG_STATE_HOME",
    ] {
        command.env_remove(name);
    }
    let driver = Guard::spawn_group("tauri-driver", &mut command);
    wait_for_port(port, Duration::from_secs(30));
    (driver, format!("http://127.0.0.1:{port}"))
}

/// The WebDriver capabilities that start the app under test (`PORTAL_APP_BIN`) with `args`.
pub fn capabilities(args: &[&str]) -> serde_json::Value {
    capabilities_of(&env_path("PORTAL_APP_BIN"), args)
}

/// The WebDriver capabilities that start the app at `application` with `args`.
pub fn capabilities_of(application: &std::path::Path, args: &[&str]) -> serde_json::Value {
    json!({
        "browserName": "wry",
        "tauri:options": {
            "application": application,
            "args": args,
        }
    })
}

/// The serious and critical WCAG 2.2 A/AA violations axe-core finds on the screen now,
/// each as "rule: help (where)". axe-core comes from npm through scripts/setup.sh.
pub async fn accessibility_violations(session: &Session) -> Vec<String> {
    let tools = env_path("PORTAL_TOOLS");
    let version = std::env::var("AXE_CORE_VERSION")
        .unwrap_or_else(|_| panic!("AXE_CORE_VERSION is not set: run through scripts/test.sh"));
    let path = tools.join(format!("axe-core-{version}/axe.min.js"));
    let axe = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing at {} ({e}): run scripts/setup.sh",
            path.display()
        )
    });
    let script = format!(
        "const done = arguments[arguments.length - 1];
         if (!window.axe) {{ {axe}\n }}
         window.axe.run(document, {{
             runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }},
             resultTypes: ['violations'],
         }}).then((result) => done({{
             checked: result.passes.length + result.violations.length + result.incomplete.length,
             violations: result.violations
               .filter((v) => v.impact === 'serious' || v.impact === 'critical')
               .map((v) => v.id + ': ' + v.help + ' (' +
                   v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ') + ')'),
           }}))
           .catch((error) => done({{ checked: 0, violations: ['axe did not run: ' + error] }}));"
    );
    let found = session
        .execute_async(&script, vec![])
        .await
        .unwrap_or_else(|e| panic!("axe-core: {e}"));
    // A check that ran no rule proves nothing.
    assert!(
        found["checked"].as_u64().unwrap_or(0) >= 5,
        "axe-core checked nothing: {found}"
    );
    found["violations"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_else(|| panic!("axe-core answered {found}"))
}

/// Saves a screenshot of the screen now, after checking it with axe-core: every screen
/// the tests keep a picture of has no serious or critical WCAG 2.2 AA violation.
pub async fn save_screenshot(session: &Session, name: &str) {
    let violations = accessibility_violations(session).await;
    assert!(
        violations.is_empty(),
        "{name}: accessibility violations:\n{}",
        violations.join("\n")
    );
    let png = session
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot: {e}"));
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    let path = artifacts().join(name);
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// How long a step may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(45);

/// Sets a password over HTTP, as if on another device; returns the session's access token.
pub async fn accept_elsewhere(base: &str, token: &str, password: &str) -> String {
    let accepted: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/v1/invites/{token}/accept"))
        .json(&json!({"password": password, "device_name": "phone"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    accepted["access_token"].as_str().unwrap().to_owned()
}

pub async fn sign_in(session: &Session, email: &str, password: &str) {
    let field = session.wait_for("#sign-in-email", WAIT).await.unwrap();
    clear(session, &field).await;
    session.type_into(&field, email).await.unwrap();
    let field = session.wait_for("#sign-in-password", WAIT).await.unwrap();
    session.type_into(&field, password).await.unwrap();
    session
        .click(&session.wait_for("#sign-in-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    wait_for_text(session, "#signed-in-email", email).await;
}

/// Presses Tab (at most 60 times) until the focused element matches `css`, as a person
/// with only a keyboard would; fails when focus never gets there.
pub async fn tab_to(session: &Session, css: &str) {
    for _ in 0..60 {
        let focused = session
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 done(!!document.activeElement && document.activeElement.matches(arguments[0]));",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if focused == json!(true) {
            return;
        }
        session.keys("\u{E004}").await.unwrap();
    }
    panic!("Tab never reached {css}");
}

/// Types `keys` into the focused element (WebDriver key codes: Enter is `\u{E007}`).
pub async fn press(session: &Session, keys: &str) {
    session.keys(keys).await.unwrap();
}

/// Another program's window (xmessage, from x11-utils), which takes the keyboard
/// focus from the app as a person turning to another program would; closed when
/// dropped. `focus` gives it the focus again (xdotool, from scripts/setup.sh).
pub struct Elsewhere {
    _window: Guard,
    id: String,
}

impl Elsewhere {
    pub fn open() -> Self {
        let title = format!("portal-elsewhere-{}", std::process::id());
        let window = Guard::spawn(
            "xmessage",
            Command::new("xmessage")
                .args(["-title", &title, "Another program"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let found = Command::new("xdotool")
            .args(["search", "--sync", "--name", &format!("^{title}$")])
            .output()
            .unwrap_or_else(|e| panic!("xdotool (scripts/setup.sh): {e}"));
        let id = String::from_utf8_lossy(&found.stdout)
            .lines()
            .next()
            .unwrap_or_else(|| panic!("the other program's window did not appear"))
            .trim()
            .to_owned();
        let elsewhere = Self {
            _window: window,
            id,
        };
        elsewhere.focus();
        elsewhere
    }

    /// Gives the other program the keyboard focus.
    pub fn focus(&self) {
        let status = Command::new("xdotool")
            .args(["windowfocus", "--sync", &self.id])
            .status()
            .unwrap_or_else(|e| panic!("xdotool (scripts/setup.sh): {e}"));
        assert!(status.success(), "xdotool windowfocus {} failed", self.id);
    }
}

/// Opens a section of the signed-in area from its link in the side bar.
pub async fn open_section(session: &Session, link: &str) {
    session
        .click(&session.wait_for(link, WAIT).await.unwrap())
        .await
        .unwrap();
}

/// Waits until the element matching `css` shows exactly `expected`.
pub async fn wait_for_text(session: &Session, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(element) = found(session, css).await
            && session.text(&element).await.unwrap_or_default() == expected
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "'{css}' never showed '{expected}'; the page says: {}",
            session.page_text().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

pub async fn clear(session: &Session, element: &str) {
    // Ctrl+A then Backspace, as a person would.
    session
        .type_into(element, "\u{E009}a\u{E009}\u{E003}")
        .await
        .unwrap();
}

/// Clicks `css` once it is enabled (a password form's button waits for the shell's check).
pub async fn click_when_enabled(session: &Session, css: &str) {
    let button = session.wait_for(css, WAIT).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while !session.is_enabled(&button).await.unwrap_or(false) {
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never became enabled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    session.click(&button).await.unwrap();
}

/// Chooses `PASSWORD` on the invite's password screen and waits for the signed-in area.
pub async fn choose_password(session: &Session) {
    let password = session.wait_for("#password", WAIT).await.unwrap();
    session.type_into(&password, PASSWORD).await.unwrap();
    let confirm = session.wait_for("#password-confirm", WAIT).await.unwrap();
    session.type_into(&confirm, PASSWORD).await.unwrap();
    // The invite's address is the person's own.
    let address = session.wait_for("#confirm-address", WAIT).await.unwrap();
    session.click(&address).await.unwrap();
    let submit = session.wait_for("#set-password", WAIT).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while !session.is_enabled(&submit).await.unwrap_or(false) {
        assert!(
            std::time::Instant::now() < deadline,
            "the password was never accepted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    session.click(&submit).await.unwrap();
    session.wait_for("#signed-in", WAIT).await.unwrap();
}

/// Waits until the element matching `css` contains `expected` among its words.
pub async fn wait_for_words(session: &Session, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(element) = found(session, css).await
            && session
                .text(&element)
                .await
                .unwrap_or_default()
                .contains(expected)
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "'{css}' never said '{expected}'; the page says: {}",
            session.page_text().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until nothing matches `css`.
pub async fn wait_for_absent(session: &Session, css: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while session
        .find(css)
        .await
        .map_or(true, |element| element.is_some())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "'{css}' never went away; the page says: {}",
            session.page_text().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The network is back: presses the offline banner's "try now" if it is still there
/// (the app may have found the server again by itself).
pub async fn try_now(session: &Session) {
    if let Some(button) = found(session, "#try-now").await {
        // Gone between finding and clicking: the app is online already.
        let _ = session.click(&button).await;
    }
}

/// The first element matching `css`, or none yet (also when the page redrew during the
/// query: the next look finds it).
async fn found(session: &Session, css: &str) -> Option<String> {
    match session.find(css).await {
        Ok(element) => element,
        Err(error) if crate::webdriver::is_stale(&error) => None,
        Err(error) => panic!("looking for '{css}': {error}"),
    }
}
