//! Several accounts on one device, a guardian's profiles, and the idle lock. Real server
//! over loopback HTTP; real Secret Service (run under scripts/in-session.sh); the core's
//! clock moved by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::Duration;
use portal_core::{
    ClientConfig, CoreError, KeyringStore, LockState, ManualClock, PortalClient, Restored,
    SecretStore, SessionCheck,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_model::InviteRole;
use serde_json::json;
use std::sync::Arc;

const ADMIN: &str = "core-accounts-admin-lr0BjFK8VUE8D7ihJrmOqtcMoQGnrnbn";
const PASSWORD: &str = "river otter paints blue";

async fn practice() -> (TestServer, AdminClient) {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    (server, admin)
}

/// A client as the app makes it at start-up, over the keychain entries of `keychain`,
/// reading the time from `clock`.
fn app(base_url: &str, keychain: &str, clock: &ManualClock) -> PortalClient {
    let config = ClientConfig::new(base_url, &[], "patientportal").unwrap();
    PortalClient::with_clock(
        config,
        Arc::new(KeyringStore::new(keychain)),
        Arc::new(clock.clone()),
    )
    .unwrap()
}

fn access_token(keychain: &str, key: &str) -> String {
    let stored = KeyringStore::new(keychain).get(key).unwrap().unwrap();
    let tokens: serde_json::Value = serde_json::from_str(&stored).unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn me_status(base: &str, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/v1/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn two_accounts_live_side_by_side_and_switching_keeps_each_session() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.accounts";
    let clock = ManualClock::default();
    let jordan = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let sam = admin.invite_new_patient("Sam", "sam@example.com").await;
    let client = app(base, keychain, &clock);
    let first = client
        .auth()
        .accept_invite(&jordan.token, PASSWORD, "family laptop")
        .await
        .unwrap();
    let second = client
        .auth()
        .accept_invite(&sam.token, "seven quiet harbour lamps", "family laptop")
        .await
        .unwrap();

    // Both are kept; the one who signed in last is in use.
    let emails: Vec<String> = client
        .auth()
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.account.email)
        .collect();
    assert_eq!(emails, ["jordan@example.com", "sam@example.com"]);
    assert_eq!(
        client.auth().signed_in().unwrap().account.id,
        second.account.id
    );
    let jordan_key = client.auth().session_key(&first.account.id);
    let sam_key = client.auth().session_key(&second.account.id);
    assert_ne!(jordan_key, sam_key);

    // Switching makes the other account the one in use at once, and the server
    // confirms its session.
    match client
        .auth()
        .switch_account(&first.account.id)
        .await
        .unwrap()
    {
        Restored::Cached(s) => assert_eq!(s.account.email, "jordan@example.com"),
        other => panic!("expected Jordan's session, got {other:?}"),
    }
    match client.auth().session_checked().await {
        SessionCheck::Confirmed(s) => assert_eq!(s.account.email, "jordan@example.com"),
        other => panic!("expected the server to confirm Jordan's session, got {other:?}"),
    }
    assert_eq!(
        me_status(base, &access_token(keychain, &jordan_key)).await,
        200
    );
    assert_eq!(
        me_status(base, &access_token(keychain, &sam_key)).await,
        200
    );
    assert!(matches!(
        client.auth().switch_account("acct_nobody").await,
        Err(CoreError::UnknownAccount)
    ));

    // A restart picks up the account last in use.
    let restarted = app(base, keychain, &clock);
    match restarted.auth().restore().await.unwrap() {
        Restored::Cached(s) => assert_eq!(s.account.email, "jordan@example.com"),
        other => panic!("expected Jordan after a restart, got {other:?}"),
    }
    assert!(matches!(
        restarted.auth().session_checked().await,
        SessionCheck::Confirmed(_)
    ));

    // Signing out of one leaves the other signed in, and the next start-up finds it.
    let jordan_access = access_token(keychain, &jordan_key);
    restarted.auth().logout().await.unwrap();
    assert_eq!(me_status(base, &jordan_access).await, 401);
    assert!(
        KeyringStore::new(keychain)
            .get(&jordan_key)
            .unwrap()
            .is_none()
    );
    match restarted.auth().restore().await.unwrap() {
        Restored::Cached(s) => assert_eq!(s.account.email, "sam@example.com"),
        other => panic!("expected Sam to remain, got {other:?}"),
    }
    assert!(matches!(
        restarted.auth().session_checked().await,
        SessionCheck::Confirmed(_)
    ));
    restarted.auth().logout().await.unwrap();
    assert_eq!(restarted.auth().restore().await.unwrap(), Restored::Nobody);
    assert!(KeyringStore::new(keychain).get(&sam_key).unwrap().is_none());
}

#[tokio::test]
async fn signing_out_at_the_lock_screen_does_not_open_the_next_account() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.lockedhandover";
    let clock = ManualClock::default();
    let jordan = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let sam = admin.invite_new_patient("Sam", "sam@example.com").await;
    let client = app(base, keychain, &clock);
    client
        .auth()
        .accept_invite(&sam.token, "seven quiet harbour lamps", "laptop")
        .await
        .unwrap();
    client
        .auth()
        .accept_invite(&jordan.token, PASSWORD, "laptop")
        .await
        .unwrap();
    client.idle_lock().lock_now();
    client.auth().logout().await.unwrap();
    // Sam used the app a moment ago, yet the person at the lock screen needs Sam's
    // password to get in.
    assert_eq!(
        client.auth().restore().await.unwrap(),
        Restored::Locked {
            email: "sam@example.com".into()
        }
    );
    assert_eq!(client.auth().signed_in(), None);
    assert!(matches!(
        client.idle_lock().unlock(PASSWORD).await,
        Err(CoreError::WrongPassword { .. })
    ));
    let unlocked = client
        .idle_lock()
        .unlock("seven quiet harbour lamps")
        .await
        .unwrap();
    assert_eq!(unlocked.account.email, "sam@example.com");
    client.auth().logout().await.unwrap();
    assert_eq!(client.auth().restore().await.unwrap(), Restored::Nobody);
}

#[tokio::test]
async fn a_guardian_with_two_children_sees_three_profiles_and_picks_one() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.profiles";
    let clock = ManualClock::default();
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    // Alex is a patient and the guardian of Mia and Leo.
    let alex = admin.invite_new_patient("Alex", "alex@example.com").await;
    let client = app(base, keychain, &clock);
    let signed_in = client
        .auth()
        .accept_invite(&alex.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let own_id = signed_in.profiles[0].patient_id.clone();
    assert_eq!(
        signed_in.current_profile_id.as_deref(),
        Some(own_id.as_str())
    );
    for name in ["Mia", "Leo"] {
        let child = admin
            .create_patient(json!({"first_name": name, "last_name": "Rivera",
                "primary_provider_id": provider,
                "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}}))
            .await;
        let invite = admin.resend_invite(&child.patient_id).await;
        client.auth().claim_invite(&invite.token).await.unwrap();
    }
    let signed_in = client.auth().signed_in().unwrap();
    assert_eq!(signed_in.profiles.len(), 3);
    let guardian_of: Vec<&str> = signed_in
        .profiles
        .iter()
        .filter(|p| p.role == InviteRole::Guardian)
        .map(|p| p.first_name.as_str())
        .collect();
    assert_eq!(guardian_of.len(), 2);
    assert!(guardian_of.contains(&"Mia") && guardian_of.contains(&"Leo"));
    // Claiming kept Alex's own profile in use.
    assert_eq!(signed_in.current_profile().unwrap().first_name, "Alex");

    let mia = signed_in
        .profiles
        .iter()
        .find(|p| p.first_name == "Mia")
        .unwrap()
        .patient_id
        .clone();
    let picked = client.auth().select_profile(&mia).await.unwrap();
    assert_eq!(picked.current_profile().unwrap().first_name, "Mia");
    assert!(matches!(
        client.auth().select_profile("pat_not_mine").await,
        Err(CoreError::UnknownProfile)
    ));

    // The choice survives a restart (and the server's fresh profile list).
    let restarted = app(base, keychain, &clock);
    match restarted.auth().restore().await.unwrap() {
        Restored::Cached(s) => {
            assert_eq!(s.profiles.len(), 3);
            assert_eq!(s.current_profile_id.as_deref(), Some(mia.as_str()));
        }
        other => panic!("expected a restored session, got {other:?}"),
    }
    match restarted.auth().session_checked().await {
        SessionCheck::Confirmed(s) => {
            assert_eq!(s.profiles.len(), 3);
            assert_eq!(s.current_profile_id.as_deref(), Some(mia.as_str()));
        }
        other => panic!("expected the server to confirm the session, got {other:?}"),
    }
    restarted.auth().logout().await.unwrap();
}

#[tokio::test]
async fn idle_time_locks_and_the_password_unlocks_offline() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.idle";
    let clock = ManualClock::default();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(base, keychain, &clock);
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let start = portal_core::Clock::now(&clock);
    assert_eq!(
        client.idle_lock().state(),
        LockState::Unlocked {
            locks_at: start + Duration::minutes(15)
        }
    );

    // Use pushes the lock back.
    clock.advance(Duration::minutes(14));
    client.idle_lock().touch().await.unwrap();
    clock.advance(Duration::minutes(14));
    assert!(client.auth().signed_in().is_some());

    // Fifteen minutes without use lock it: nothing of the account is served.
    clock.advance(Duration::minutes(1));
    assert_eq!(
        client.idle_lock().state(),
        LockState::Locked {
            account_id: signed_in.account.id.clone(),
            email: "jordan@example.com".into()
        }
    );
    assert_eq!(client.auth().signed_in(), None);
    assert!(matches!(
        client.auth().claim_invite(&invited.token).await,
        Err(CoreError::Locked)
    ));
    assert!(matches!(
        client.auth().accounts().await,
        Err(CoreError::Locked)
    ));
    // Touching a locked app does not unlock it.
    client.idle_lock().touch().await.unwrap();
    assert!(matches!(
        client.idle_lock().state(),
        LockState::Locked { .. }
    ));

    // Offline, the device's verifier checks the password.
    server.stop();
    assert!(matches!(
        client.idle_lock().unlock("river otter paints red").await,
        Err(CoreError::WrongPassword { attempts_left: 4 })
    ));
    let unlocked = client.idle_lock().unlock(PASSWORD).await.unwrap();
    assert_eq!(unlocked.account.id, signed_in.account.id);
    assert!(matches!(
        client.idle_lock().state(),
        LockState::Unlocked { .. }
    ));

    // Locking by hand works the same way.
    client.idle_lock().lock_now();
    assert_eq!(client.auth().signed_in(), None);
    client.idle_lock().unlock(PASSWORD).await.unwrap();
    client.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_restart_after_the_idle_timeout_starts_locked() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.coldlock";
    let clock = ManualClock::default();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    app(base, keychain, &clock)
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();

    // Within the timeout, a restart goes straight in.
    clock.advance(Duration::minutes(5));
    let soon = app(base, keychain, &clock);
    assert!(matches!(
        soon.auth().restore().await.unwrap(),
        Restored::Cached(_)
    ));
    assert!(matches!(
        soon.auth().session_checked().await,
        SessionCheck::Confirmed(_)
    ));
    soon.idle_lock().touch().await.unwrap();

    // Twenty minutes after the last use, it starts locked.
    clock.advance(Duration::minutes(20));
    let later = app(base, keychain, &clock);
    assert_eq!(
        later.auth().restore().await.unwrap(),
        Restored::Locked {
            email: "jordan@example.com".into()
        }
    );
    assert_eq!(later.auth().signed_in(), None);
    let unlocked = later.idle_lock().unlock(PASSWORD).await.unwrap();
    assert_eq!(unlocked.account.email, "jordan@example.com");
    later.auth().logout().await.unwrap();
}

#[tokio::test]
async fn five_wrong_passwords_at_the_lock_screen_sign_the_account_out() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.lockout";
    let clock = ManualClock::default();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(base, keychain, &clock);
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let key = client.auth().session_key(&signed_in.account.id);
    let access = access_token(keychain, &key);
    client.idle_lock().lock_now();
    for left in (1..=4).rev() {
        match client.idle_lock().unlock("wrong guess here").await {
            Err(CoreError::WrongPassword { attempts_left }) => assert_eq!(attempts_left, left),
            other => panic!("expected a wrong password, got {other:?}"),
        }
    }
    assert!(matches!(
        client.idle_lock().unlock("wrong guess here").await,
        Err(CoreError::TooManyUnlockAttempts)
    ));
    assert_eq!(client.idle_lock().state(), LockState::NotSignedIn);
    assert!(KeyringStore::new(keychain).get(&key).unwrap().is_none());
    let verifier_key = key.replacen("session:", "verifier:", 1);
    assert!(
        KeyringStore::new(keychain)
            .get(&verifier_key)
            .unwrap()
            .is_none()
    );
    // The session is over on the server too.
    assert_eq!(me_status(base, &access).await, 401);
    assert_eq!(client.auth().restore().await.unwrap(), Restored::Nobody);
}

#[tokio::test]
async fn without_a_verifier_the_server_checks_the_password_and_the_old_session_ends() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.onlineunlock";
    let clock = ManualClock::default();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(base, keychain, &clock);
    let signed_in = client
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let key = client.auth().session_key(&signed_in.account.id);
    let verifier_key = key.replacen("session:", "verifier:", 1);
    let verifier = KeyringStore::new(keychain)
        .get(&verifier_key)
        .unwrap()
        .unwrap();
    assert!(verifier.contains("$argon2id$"));
    assert!(!verifier.contains(PASSWORD));
    // As on a device signed in by an older version: no verifier.
    KeyringStore::new(keychain).delete(&verifier_key).unwrap();
    let old_access = access_token(keychain, &key);
    client.idle_lock().lock_now();

    assert!(matches!(
        client.idle_lock().unlock("river otter paints red").await,
        Err(CoreError::WrongPassword { attempts_left: 4 })
    ));
    let unlocked = client.idle_lock().unlock(PASSWORD).await.unwrap();
    assert_eq!(unlocked.account.id, signed_in.account.id);
    let new_access = access_token(keychain, &key);
    assert_ne!(new_access, old_access);
    assert_eq!(me_status(base, &old_access).await, 401);
    assert_eq!(me_status(base, &new_access).await, 200);
    // A verifier is kept from now on.
    assert!(
        KeyringStore::new(keychain)
            .get(&verifier_key)
            .unwrap()
            .is_some()
    );
    client.auth().logout().await.unwrap();
}

#[test]
fn the_idle_timeout_is_configurable_within_sane_bounds() {
    let config = ClientConfig::new("http://127.0.0.1:8080", &[], "patientportal").unwrap();
    assert_eq!(config.idle_timeout(), portal_core::DEFAULT_IDLE_TIMEOUT);
    let five = config
        .clone()
        .with_idle_timeout(std::time::Duration::from_secs(300))
        .unwrap();
    assert_eq!(five.idle_timeout(), Duration::minutes(5));
    for bad in [0, 29, 86_401] {
        assert!(matches!(
            config
                .clone()
                .with_idle_timeout(std::time::Duration::from_secs(bad)),
            Err(CoreError::Config(_))
        ));
    }
}

#[tokio::test]
async fn wrong_passwords_at_the_lock_screen_count_across_restarts() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.lockcount";
    let clock = ManualClock::default();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let first = app(base, keychain, &clock);
    let signed_in = first
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    // The verifier is keyed with the device's secret: on its own (a backup, a copied
    // keychain item) it cannot test guesses of the password.
    let verifier_key =
        first
            .auth()
            .session_key(&signed_in.account.id)
            .replacen("session:", "verifier:", 1);
    let stored: serde_json::Value = serde_json::from_str(
        &KeyringStore::new(keychain)
            .get(&verifier_key)
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["keyed"], true);
    let phc = argon2::PasswordHash::new(stored["phc"].as_str().unwrap()).unwrap();
    assert!(
        argon2::PasswordVerifier::verify_password(
            &argon2::Argon2::default(),
            PASSWORD.as_bytes(),
            &phc
        )
        .is_err(),
        "the verifier checks the password without the device's secret"
    );

    // Locked by time; two wrong passwords; the app restarts (still locked).
    clock.advance(Duration::minutes(20));
    let second = app(base, keychain, &clock);
    assert!(matches!(
        second.auth().restore().await.unwrap(),
        Restored::Locked { .. }
    ));
    for left in [4, 3] {
        match second.idle_lock().unlock("wrong guess here").await {
            Err(CoreError::WrongPassword { attempts_left }) => assert_eq!(attempts_left, left),
            other => panic!("expected a wrong password, got {other:?}"),
        }
    }
    let third = app(base, keychain, &clock);
    assert!(matches!(
        third.auth().restore().await.unwrap(),
        Restored::Locked { .. }
    ));
    match third.idle_lock().unlock("wrong guess here").await {
        Err(CoreError::WrongPassword { attempts_left }) => {
            assert_eq!(attempts_left, 2, "the restart reset the count")
        }
        other => panic!("expected a wrong password, got {other:?}"),
    }
    // The right password unlocks and ends the count.
    third.idle_lock().unlock(PASSWORD).await.unwrap();
    third.idle_lock().lock_now();
    match third.idle_lock().unlock("wrong guess here").await {
        Err(CoreError::WrongPassword { attempts_left }) => assert_eq!(attempts_left, 4),
        other => panic!("expected a wrong password, got {other:?}"),
    }
    third.idle_lock().unlock(PASSWORD).await.unwrap();
    third.auth().logout().await.unwrap();
}

#[tokio::test]
async fn changing_the_password_ends_the_other_devices_and_the_lock_takes_the_new_one() {
    const NEW: &str = "seven quiet harbour lamps";
    let (server, admin) = practice().await;
    let base = server.base_url();
    let clock = ManualClock::default();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let laptop_keychain = "org.patientportal.test.change.laptop";
    let phone_keychain = "org.patientportal.test.change.phone";
    let laptop = app(base, laptop_keychain, &clock);
    let signed_in = laptop
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    let phone = app(base, phone_keychain, &clock);
    let on_phone = phone.flow().sign_in("jordan@example.com", PASSWORD).await;
    assert!(
        matches!(on_phone, portal_core::FlowState::SignedIn { .. }),
        "{on_phone:?}"
    );
    let phone_key = phone.auth().session_key(&signed_in.account.id);

    // A weak new password is refused here, before anything is sent.
    assert!(matches!(
        laptop.auth().change_password(PASSWORD, "Sunshine2024!").await,
        Err(CoreError::WeakPassword(rules)) if rules == vec![portal_model::PolicyRule::Common]
    ));
    // A wrong current password is the server's refusal, by code.
    match laptop
        .auth()
        .change_password("not my password at all", NEW)
        .await
    {
        Err(CoreError::Server { code, .. }) => {
            assert_eq!(code, portal_model::ErrorCode::WrongPassword)
        }
        other => panic!("expected wrong_password, got {other:?}"),
    }
    laptop.auth().change_password(PASSWORD, NEW).await.unwrap();

    // The laptop stays signed in; the phone's session is over on the server.
    assert!(laptop.auth().signed_in().is_some());
    assert_eq!(
        me_status(base, &access_token(laptop_keychain, &phone_key)).await,
        200
    );
    assert_eq!(
        me_status(base, &access_token(phone_keychain, &phone_key)).await,
        401
    );
    // The phone's next call hears it: its tokens go, and its screen asks to sign in
    // again, saying why.
    match phone.auth().claim_invite(&invited.token).await {
        Err(CoreError::Server { code, .. }) => {
            assert_eq!(code, portal_model::ErrorCode::SessionRevoked)
        }
        other => panic!("expected session_revoked, got {other:?}"),
    }
    assert_eq!(phone.auth().signed_in(), None);
    let mut screens = phone.flow().subscribe();
    let shown = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        screens.wait_for(|state| matches!(state, portal_core::FlowState::SignIn { .. })),
    )
    .await
    .expect("the phone shows the sign-in screen")
    .unwrap()
    .clone();
    assert!(
        matches!(
            &shown,
            portal_core::FlowState::SignIn {
                notice: Some(portal_core::FlowNotice::SessionEnded),
                email: Some(email),
                ..
            } if email == "jordan@example.com"
        ),
        "{shown:?}"
    );

    // Offline, the lock screen opens with the new password only.
    laptop.idle_lock().lock_now();
    server.stop();
    assert!(matches!(
        laptop.idle_lock().unlock(PASSWORD).await,
        Err(CoreError::WrongPassword { attempts_left: 4 })
    ));
    let unlocked = laptop.idle_lock().unlock(NEW).await.unwrap();
    assert_eq!(unlocked.account.id, signed_in.account.id);
    laptop.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_lock_by_hand_survives_a_restart_and_the_unlock_is_kept_too() {
    let (server, admin) = practice().await;
    let base = server.base_url();
    let keychain = "org.patientportal.test.handlock";
    let clock = ManualClock::default();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let first = app(base, keychain, &clock);
    first
        .auth()
        .accept_invite(&invited.token, PASSWORD, "laptop")
        .await
        .unwrap();
    first.idle_lock().lock_now();
    // The lock reaches the keychain in the background: wait for the index to say so
    // (the app is then killed, say, a moment later).
    let index_key = format!("accounts:{}", base.trim_start_matches("http://"));
    let stored = || {
        let index = KeyringStore::new(keychain).get(&index_key).unwrap();
        index.is_some_and(|text| text.contains("1970-01-01"))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !stored() {
        assert!(
            std::time::Instant::now() < deadline,
            "the lock was never kept"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(first);

    // A minute later, well within the idle timeout, the app starts locked.
    clock.advance(Duration::minutes(1));
    let restarted = app(base, keychain, &clock);
    assert_eq!(
        restarted.auth().restore().await.unwrap(),
        Restored::Locked {
            email: "jordan@example.com".into()
        }
    );
    restarted.idle_lock().unlock(PASSWORD).await.unwrap();
    drop(restarted);

    // Unlocked, the next restart goes straight in.
    let again = app(base, keychain, &clock);
    assert!(matches!(
        again.auth().restore().await.unwrap(),
        Restored::Cached(_)
    ));
    again.auth().logout().await.unwrap();
}
