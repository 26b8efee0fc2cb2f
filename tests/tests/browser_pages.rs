//! The server's fallback pages in a real browser: headless Chromium driven through
//! chromedriver (both from Debian), against the real server binary. A person without
//! the app sets a password from an invite page and is told to open the app.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_e2e::TestServer;
use portal_e2e::process::{Guard, free_port, wait_for_port};
use portal_e2e::webdriver::Session;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs the built server and Chromium with chromedriver: run scripts/test.sh"]
async fn a_person_without_the_app_sets_a_password_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::setup()
        .admin_token("browser-admin-6O8OOvbJhEJgKFkQDb4ZtYy7vCCIiMCa")
        .start();
    let base = server.base_url().to_owned();
    let admin = server.admin();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;

    let port = free_port();
    let _driver = Guard::spawn(
        "chromedriver",
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_for_port(port, WAIT);
    let profile = dir.path().join("chromium-profile");
    let session = Session::start(
        &format!("http://127.0.0.1:{port}"),
        json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--window-size=900,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }),
    )
    .await
    .unwrap();

    session.navigate(&invited.link).await.unwrap();
    session.wait_for("#choose-password", WAIT).await.unwrap();
    let text = session.page_text().await.unwrap();
    assert!(
        text.contains("Welcome, Jordan") && text.contains("Riverside Family Practice"),
        "{text}"
    );

    // A mismatch is explained on the page, and nothing is lost but the passwords.
    let password = session.wait_for("#password", WAIT).await.unwrap();
    let confirm = session.wait_for("#password_confirm", WAIT).await.unwrap();
    session
        .type_into(&password, "river otter paints blue")
        .await
        .unwrap();
    session
        .type_into(&confirm, "river otter paints red!")
        .await
        .unwrap();
    session
        .click(&session.wait_for("#submit", WAIT).await.unwrap())
        .await
        .unwrap();
    let notice = session.wait_for("#form-notice", WAIT).await.unwrap();
    assert!(
        session
            .text(&notice)
            .await
            .unwrap()
            .contains("not the same")
    );

    let password = session.wait_for("#password", WAIT).await.unwrap();
    let confirm = session.wait_for("#password_confirm", WAIT).await.unwrap();
    session
        .type_into(&password, "river otter paints blue")
        .await
        .unwrap();
    session
        .type_into(&confirm, "river otter paints blue")
        .await
        .unwrap();
    session
        .click(&session.wait_for("#submit", WAIT).await.unwrap())
        .await
        .unwrap();
    session.wait_for("#password-set", WAIT).await.unwrap();
    let text = session.page_text().await.unwrap();
    assert!(
        text.contains("Open the Patient Portal app and sign in"),
        "{text}"
    );

    let png = session.screenshot().await.unwrap();
    if let Ok(dir) = std::env::var("PORTAL_ARTIFACTS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            std::path::Path::new(&dir).join("browser-password-set.png"),
            png,
        )
        .unwrap();
    }
    session.end().await.unwrap();

    let inspect = reqwest::get(format!("{base}/v1/invites/{}", invited.token))
        .await
        .unwrap();
    assert_eq!(inspect.status().as_u16(), 410);
}
