//! The desktop app end to end: the real server binary, the real app in a real WebKitGTK
//! webview driven through tauri-driver, and the real Secret Service.
//!
//! Needs what scripts/test.sh provides (see `portal_e2e::desktop`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_e2e::desktop::*;
use portal_e2e::process::run_with_timeout;
use portal_e2e::webdriver::Session;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn an_invite_link_on_the_command_line_leads_to_a_password_and_the_signed_in_screen() {
    let _one = ONE_APP.lock().await;
    let practice = start_practice();
    let invited = practice
        .admin()
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    // The account's offline copy goes here (the app's data directory otherwise).
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let (_driver, driver_url) = start_driver_with(
        practice.admin().base(),
        &[("PORTAL_DATA_DIR", data_dir.as_str())],
    );
    let session = Session::start(&driver_url, capabilities(&[&invited.link]))
        .await
        .unwrap();

    session.wait_for("#choose-password", WAIT).await.unwrap();
    let heading = session.wait_for("#invite-heading", WAIT).await.unwrap();
    assert_eq!(
        session.text(&heading).await.unwrap_or_default(),
        "Welcome, Jordan"
    );
    let practice_line = session
        .find("#invite-practice")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let practice_text = session.text(&practice_line).await.unwrap_or_default();
    assert!(
        practice_text.contains("Riverside Family Practice"),
        "{practice_text}"
    );
    assert!(
        practice_text.contains("j•••@example.com"),
        "{practice_text}"
    );
    // The address is shown on its own, to confirm; a first account on this computer
    // has nothing to be compared with, so no warning.
    wait_for_text(&session, "#invite-address-hint", "j•••@example.com").await;
    assert!(
        session
            .find("#invite-address-unknown")
            .await
            .unwrap()
            .is_none()
    );

    let submit = session.wait_for("#set-password", WAIT).await.unwrap();
    assert!(
        !session.is_enabled(&submit).await.unwrap_or(true),
        "enabled before a password"
    );

    let password = session.wait_for("#password", WAIT).await.unwrap();
    let confirm = session.wait_for("#password-confirm", WAIT).await.unwrap();
    // A common password: the live checklist says so and the button stays disabled.
    session.type_into(&password, "iloveyou1234").await.unwrap();
    session.type_into(&confirm, "iloveyou1234").await.unwrap();
    let rules = session.wait_for("#password-rules", WAIT).await.unwrap();
    let common_rule = session
        .find(".rule[data-rule='Not a commonly used password']:not(.passed)")
        .await
        .unwrap();
    assert!(
        common_rule.is_some(),
        "the checklist does not flag a common password: {}",
        session.text(&rules).await.unwrap_or_default()
    );
    assert!(!session.is_enabled(&submit).await.unwrap_or(true));
    save_screenshot(&session, "desktop-choose-password.png").await;

    // Replace with a good passphrase (WebDriver clear is not needed: select-all + type).
    clear(&session, &password).await;
    clear(&session, &confirm).await;
    session.type_into(&password, PASSWORD).await.unwrap();
    session.type_into(&confirm, PASSWORD).await.unwrap();
    // Every rule passes (the shell checks the common-password list)...
    session
        .wait_for(
            ".rule.passed[data-rule='Not a commonly used password']",
            WAIT,
        )
        .await
        .unwrap();
    // ...but the button waits for the address to be confirmed.
    assert!(
        !session.is_enabled(&submit).await.unwrap_or(true),
        "enabled before the address was confirmed"
    );
    session
        .click(&session.wait_for("#confirm-address", WAIT).await.unwrap())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while !session.is_enabled(&submit).await.unwrap_or(false) {
        assert!(
            std::time::Instant::now() < deadline,
            "a good password is not accepted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    session.click(&submit).await.unwrap();

    session.wait_for("#signed-in", WAIT).await.unwrap();
    let email = session.wait_for("#signed-in-email", WAIT).await.unwrap();
    assert_eq!(
        session.text(&email).await.unwrap_or_default(),
        "jordan@example.com"
    );
    save_screenshot(&session, "desktop-signed-in.png").await;
    // Signed in, the core syncs by itself into the account's encrypted copy.
    assert!(
        wait_for_file(data.path(), "portal.db", true).await,
        "no offline copy under {data_dir} after signing in"
    );
    session.end().await.unwrap();

    // A restart finds the session in the keychain; signing out and in again works.
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session.wait_for("#signed-in", WAIT).await.unwrap();
    let sign_out = session.wait_for("#sign-out", WAIT).await.unwrap();
    session.click(&sign_out).await.unwrap();
    let notice = session
        .wait_for(".notice[data-code='signed_out']", WAIT)
        .await
        .unwrap();
    assert!(session.text(&notice).await.unwrap().contains("signed out"));
    assert!(
        !secret_listing().contains(&session_key_prefix(practice.admin().base())),
        "tokens left in the keychain after sign-out"
    );
    assert!(
        wait_for_file(data.path(), "portal.db", false).await,
        "the offline copy outlived the sign-out"
    );
    session
        .click(&session.wait_for("#go-sign-in", WAIT).await.unwrap())
        .await
        .unwrap();
    let email = session.wait_for("#sign-in-email", WAIT).await.unwrap();
    session
        .type_into(&email, "jordan@example.com")
        .await
        .unwrap();
    let password = session.wait_for("#sign-in-password", WAIT).await.unwrap();
    session
        .type_into(&password, "wrong password!!")
        .await
        .unwrap();
    session
        .click(&session.wait_for("#sign-in-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    session
        .wait_for(".notice[data-code='invalid_credentials']", WAIT)
        .await
        .unwrap();
    let password = session.wait_for("#sign-in-password", WAIT).await.unwrap();
    clear(&session, &password).await;
    session.type_into(&password, PASSWORD).await.unwrap();
    session
        .click(&session.wait_for("#sign-in-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    wait_for_text(&session, "#signed-in-email", "jordan@example.com").await;
    session.end().await.unwrap();

    // The invite is used up, and the session's tokens are in the Secret Service.
    let inspect = reqwest::get(format!(
        "{}/v1/invites/{}",
        practice.admin().base(),
        invited.token
    ))
    .await
    .unwrap();
    assert_eq!(inspect.status().as_u16(), 410);
    assert!(
        secret_listing().contains(&session_key_prefix(practice.admin().base())),
        "no session in the keychain"
    );
}

/// Waits (up to 30 s) until a file named `name` exists somewhere under `dir` (or,
/// with `present` false, until none does); true when it happened.
async fn wait_for_file(dir: &std::path::Path, name: &str, present: bool) -> bool {
    fn found(dir: &std::path::Path, name: &str) -> bool {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| {
                let path = entry.path();
                if path.is_dir() {
                    found(&path, name)
                } else {
                    path.file_name().is_some_and(|n| n == name)
                }
            })
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if found(dir, name) == present {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// What the Secret Service holds for the app (secret values included).
fn secret_listing() -> String {
    let stored = Command::new("secret-tool")
        .args(["search", "--all", "service", "org.patientportal.desktop"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&stored.stdout).into_owned()
}

/// The start of the keychain keys that hold sessions with the server at `base`.
fn session_key_prefix(base: &str) -> String {
    format!("session:{}:", base.trim_start_matches("http://"))
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_link_opened_while_the_app_runs_reaches_the_running_window() {
    let _one = ONE_APP.lock().await;
    let practice = start_practice();
    let invited = practice
        .admin()
        .invite_new_patient("Avery", "avery@example.com")
        .await;
    let (_driver, driver_url) = start_driver(practice.admin().base());
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session.wait_for("#welcome", WAIT).await.unwrap();

    // A pasted link from somewhere else is refused with a reason.
    let input = session.wait_for("#open-link-input", WAIT).await.unwrap();
    session
        .type_into(
            &input,
            &format!("https://evil.example/invite/{}", invited.token),
        )
        .await
        .unwrap();
    let open = session.wait_for("#open-link-button", WAIT).await.unwrap();
    session.click(&open).await.unwrap();
    let notice = session
        .wait_for(".notice[data-code='invalid_link']", WAIT)
        .await
        .unwrap();
    let words = session.text(&notice).await.unwrap_or_default();
    assert!(words.contains("not from your practice"), "{words}");

    // The OS opens a patientportal:// link: `gio open` finds the handler that the app
    // registered at start-up, starts the app again, and that second instance hands the
    // link over to this window (single-instance + deep-link plugins) and exits.
    let custom = format!("patientportal://invite/{}", invited.token);
    let status = run_with_timeout(
        "gio open",
        Command::new("gio").args(["open", &custom]),
        Duration::from_secs(30),
    );
    assert!(status.success(), "gio open failed: {status}");
    let heading = session.wait_for("#invite-heading", WAIT).await.unwrap();
    assert_eq!(
        session.text(&heading).await.unwrap_or_default(),
        "Welcome, Avery"
    );

    // An https link given to a second launch reaches this window too.
    let other = practice
        .admin()
        .invite_new_patient("Blake", "blake@example.com")
        .await;
    let status = run_with_timeout(
        "second app instance",
        Command::new(env_path("PORTAL_APP_BIN"))
            .arg(&other.link)
            .env("PORTAL_SERVER_URL", practice.admin().base())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        Duration::from_secs(30),
    );
    assert!(status.success(), "the second instance failed: {status}");
    wait_for_text(&session, "#invite-heading", "Welcome, Blake").await;
    save_screenshot(&session, "desktop-link-handover.png").await;
    session.end().await.unwrap();
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_forgotten_password_is_reset_through_the_app() {
    let _one = ONE_APP.lock().await;
    let practice = start_practice();
    let invited = practice
        .admin()
        .invite_new_patient("Casey", "casey@example.com")
        .await;
    // Casey set a password on another device some time ago.
    let accepted = reqwest::Client::new()
        .post(format!(
            "{}/v1/invites/{}/accept",
            practice.admin().base(),
            invited.token
        ))
        .json(&json!({"password": PASSWORD, "device_name": "phone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 201);
    let (_driver, driver_url) = start_driver(practice.admin().base());
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session
        .click(&session.wait_for("#go-sign-in", WAIT).await.unwrap())
        .await
        .unwrap();
    session
        .click(&session.wait_for("#go-forgot", WAIT).await.unwrap())
        .await
        .unwrap();
    let email = session.wait_for("#forgot-email", WAIT).await.unwrap();
    session
        .type_into(&email, "casey@example.com")
        .await
        .unwrap();
    session
        .click(&session.wait_for("#forgot-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    session
        .wait_for(".notice[data-code='reset_requested']", WAIT)
        .await
        .unwrap();

    // The emailed reset link, opened as the OS would: a second launch hands it over.
    let link = practice.admin().outbox().await.emails.pop().unwrap().links[0].clone();
    let status = run_with_timeout(
        "second app instance",
        Command::new(env_path("PORTAL_APP_BIN"))
            .arg(&link)
            .env("PORTAL_SERVER_URL", practice.admin().base())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        Duration::from_secs(30),
    );
    assert!(status.success());
    session.wait_for("#reset-password", WAIT).await.unwrap();
    let new_password = "seven quiet harbour lamps";
    let password = session.wait_for("#password", WAIT).await.unwrap();
    session.type_into(&password, new_password).await.unwrap();
    let confirm = session.wait_for("#password-confirm", WAIT).await.unwrap();
    session.type_into(&confirm, new_password).await.unwrap();
    click_when_enabled(&session, "#set-password").await;
    session
        .wait_for(".notice[data-code='password_changed']", WAIT)
        .await
        .unwrap();
    let email = session.wait_for("#sign-in-email", WAIT).await.unwrap();
    session
        .type_into(&email, "casey@example.com")
        .await
        .unwrap();
    let password = session.wait_for("#sign-in-password", WAIT).await.unwrap();
    session.type_into(&password, new_password).await.unwrap();
    session
        .click(&session.wait_for("#sign-in-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    wait_for_text(&session, "#signed-in-email", "casey@example.com").await;
    save_screenshot(&session, "desktop-reset-signed-in.png").await;
    session.end().await.unwrap();
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_guardian_picks_a_child_switches_accounts_and_the_idle_app_locks() {
    let _one = ONE_APP.lock().await;
    let practice = start_practice();
    let base = practice.admin().base().to_owned();
    let provider = practice
        .admin()
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    // Alex is a patient and Mia's guardian; Sam shares the computer.
    let alex = practice
        .admin()
        .invite_new_patient("Alex", "alex@example.com")
        .await;
    let alex_access = accept_elsewhere(&base, &alex.token, PASSWORD).await;
    let mia = practice
        .admin()
        .create_patient(json!({"first_name": "Mia", "last_name": "Rivera",
            "primary_provider_id": provider,
            "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}}))
        .await;
    let mia_invite = practice.admin().resend_invite(&mia.patient_id).await;
    let claimed = reqwest::Client::new()
        .post(format!("{base}/v1/invites/{}/claim", mia_invite.token))
        .bearer_auth(&alex_access)
        .send()
        .await
        .unwrap();
    assert_eq!(claimed.status().as_u16(), 200);
    let sam = practice
        .admin()
        .invite_new_patient("Sam", "sam@example.com")
        .await;
    let sam_password = "seven quiet harbour lamps";
    accept_elsewhere(&base, &sam.token, sam_password).await;

    let (_driver, driver_url) = start_driver_with(&base, &[("PORTAL_IDLE_TIMEOUT_SECS", "30")]);
    let session = Session::start(&driver_url, capabilities(&[]))
        .await
        .unwrap();
    session
        .click(&session.wait_for("#go-sign-in", WAIT).await.unwrap())
        .await
        .unwrap();
    sign_in(&session, "alex@example.com", PASSWORD).await;
    wait_for_text(&session, "#signed-in-title", "You're all set, Alex").await;

    // Alex looks after Mia (on the account page).
    open_section(&session, "#nav-account").await;
    session
        .click(
            &session
                .wait_for("li[data-profile='Mia'] .view-profile", WAIT)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    wait_for_text(&session, "#signed-in-title", "Looking after Mia").await;

    // Sam adds their account; Alex's stays, with Mia still picked.
    session
        .click(&session.wait_for("#add-account", WAIT).await.unwrap())
        .await
        .unwrap();
    sign_in(&session, "sam@example.com", sam_password).await;
    open_section(&session, "#nav-account").await;
    session
        .click(
            &session
                .wait_for(".switch-account[data-account='alex@example.com']", WAIT)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    wait_for_text(&session, "#signed-in-email", "alex@example.com").await;
    wait_for_text(&session, "#signed-in-title", "Looking after Mia").await;
    save_screenshot(&session, "desktop-profiles-and-accounts.png").await;

    // Locked by hand: a wrong password is refused with the tries left; the right one
    // opens it again.
    session
        .click(&session.wait_for("#lock-now", WAIT).await.unwrap())
        .await
        .unwrap();
    wait_for_text(&session, "#locked-email", "alex@example.com").await;
    let field = session.wait_for("#unlock-password", WAIT).await.unwrap();
    session.type_into(&field, "not my password").await.unwrap();
    session
        .click(&session.wait_for("#unlock-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    session
        .wait_for(".notice[data-code='wrong_password']", WAIT)
        .await
        .unwrap();
    let field = session.wait_for("#unlock-password", WAIT).await.unwrap();
    session.type_into(&field, PASSWORD).await.unwrap();
    session
        .click(&session.wait_for("#unlock-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    wait_for_text(&session, "#signed-in-title", "Looking after Mia").await;

    // Left alone for the idle timeout (30 s here), the app locks by itself.
    session
        .wait_for(".notice[data-code='locked']", Duration::from_secs(60))
        .await
        .unwrap();
    wait_for_text(&session, "#locked-email", "alex@example.com").await;
    save_screenshot(&session, "desktop-locked.png").await;

    // Signing out at the lock screen does not open Sam's account to whoever is there:
    // it asks for Sam's password. Sam unlocks, then signs out too.
    session
        .click(&session.wait_for("#locked-sign-out", WAIT).await.unwrap())
        .await
        .unwrap();
    wait_for_text(&session, "#locked-email", "sam@example.com").await;
    session
        .wait_for(".notice[data-code='signed_out']", WAIT)
        .await
        .unwrap();
    let field = session.wait_for("#unlock-password", WAIT).await.unwrap();
    session.type_into(&field, sam_password).await.unwrap();
    session
        .click(&session.wait_for("#unlock-submit", WAIT).await.unwrap())
        .await
        .unwrap();
    wait_for_text(&session, "#signed-in-email", "sam@example.com").await;
    session
        .click(&session.wait_for("#sign-out", WAIT).await.unwrap())
        .await
        .unwrap();
    session.wait_for("#welcome", WAIT).await.unwrap();
    assert!(!secret_listing().contains(&session_key_prefix(&base)));
    session.end().await.unwrap();
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn a_join_link_registers_inside_the_app_and_ends_in_check_your_email() {
    let _one = ONE_APP.lock().await;
    let practice = start_practice();
    let admin = practice.admin();
    let link = admin.create_join_link("Spring group").await;
    let (_driver, driver_url) = start_driver(admin.base());
    let session = Session::start(&driver_url, capabilities(&[&link.url]))
        .await
        .unwrap();

    session.wait_for("#join", WAIT).await.unwrap();
    let submit = session.wait_for("#join-submit", WAIT).await.unwrap();
    assert!(!session.is_enabled(&submit).await.unwrap_or(true));
    for (field, value) in [
        ("#join-first-name", "Sam"),
        ("#join-last-name", "Lee"),
        ("#join-dob-day", "3"),
        ("#join-dob-month", "2"),
        ("#join-dob-year", "1990"),
        ("#join-email", "sam@example.com"),
    ] {
        let input = session.wait_for(field, WAIT).await.unwrap();
        session.type_into(&input, value).await.unwrap();
    }
    assert!(
        session.is_enabled(&submit).await.unwrap_or(false),
        "a complete registration is not accepted"
    );
    save_screenshot(&session, "desktop-join.png").await;
    session.click(&submit).await.unwrap();
    let notice = session
        .wait_for(".notice[data-code='join_requested']", WAIT)
        .await
        .unwrap();
    assert!(
        session
            .text(&notice)
            .await
            .unwrap()
            .contains("Check your email")
    );
    let invite = admin.outbox().await.emails.pop().unwrap();
    assert_eq!(invite.to, "sam@example.com");
    session.end().await.unwrap();
}
