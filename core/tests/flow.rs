//! The onboarding flow in core (`client.flow()`), against the real server binary over
//! loopback HTTP, with sessions in the real Secret Service (run under
//! scripts/in-session.sh): every next step an app draws, decided in one place.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use chrono::Duration;
use portal_core::{
    ClientConfig, CoreError, FlowNotice, FlowState, KeyringStore, LinkError, ManualClock,
    PortalClient,
};
use portal_e2e::TestServer;
use portal_model::{HintOnDevice, InviteProblem, JoinRequest};
use serde_json::json;
use std::sync::Arc;

const ADMIN: &str = "core-flow-admin-HaoV3PEiSI1MLXB1w2jn-vlYOL3cfumP";
const PASSWORD: &str = "river otter paints blue";

fn practice() -> TestServer {
    TestServer::setup().admin_token(ADMIN).start()
}

/// A client as an app makes it, over its own keychain entries (emptied first).
fn app(server: &TestServer, keychain: &str, clock: &ManualClock) -> PortalClient {
    let keys = KeyringStore::new(keychain);
    let config = ClientConfig::new(server.base_url(), &[], "patientportal")
        .unwrap()
        .with_device_name("flow test");
    PortalClient::with_clock(config, Arc::new(keys), Arc::new(clock.clone())).unwrap()
}

/// Signs out whatever an earlier run left in the keychain service.
async fn clean(server: &TestServer, keychain: &str) {
    let client = PortalClient::new(
        ClientConfig::new(server.base_url(), &[], "patientportal").unwrap(),
        Arc::new(KeyringStore::new(keychain)),
    )
    .unwrap();
    for _ in 0..5 {
        match client.auth().restore().await.unwrap() {
            portal_core::Restored::Nobody => return,
            _ => client.auth().logout().await.unwrap(),
        }
    }
    panic!("the keychain service {keychain} keeps accounts");
}

fn failed_code(state: &FlowState) -> Option<&'static str> {
    let notice = match state {
        FlowState::Welcome { notice }
        | FlowState::ForgotPassword { notice }
        | FlowState::ChoosePassword { notice, .. }
        | FlowState::ResetPassword { notice, .. }
        | FlowState::Join { notice, .. }
        | FlowState::SignIn { notice, .. }
        | FlowState::SignedIn { notice, .. }
        | FlowState::Locked { notice, .. } => notice.as_ref(),
        _ => None,
    };
    match notice {
        Some(FlowNotice::Failed(error)) => Some(error.code()),
        _ => None,
    }
}

#[tokio::test]
async fn an_invite_link_leads_to_a_password_then_signed_in_and_every_step_is_told() {
    let server = practice();
    let keychain = "org.patientportal.test.flow.invite";
    clean(&server, keychain).await;
    let invited = server
        .admin()
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(&server, keychain, &ManualClock::default());
    let flow = client.flow();
    assert_eq!(flow.state(), FlowState::Welcome { notice: None });
    let mut seen = flow.subscribe();

    let state = flow.open_link(&invited.link).await;
    let FlowState::ChoosePassword {
        invite,
        hint_on_device,
        notice,
    } = &state
    else {
        panic!("{state:?}");
    };
    assert_eq!(invite.patient_first_name, "Jordan");
    assert_eq!(invite.email_hint, "j•••@example.com");
    // Nobody is signed in here yet: nothing to compare the address with.
    assert_eq!(*hint_on_device, HintOnDevice::NoAccounts);
    assert!(notice.is_none());
    assert!(seen.has_changed().unwrap());
    assert_eq!(*seen.borrow_and_update(), state);

    // A weak password stays on the screen, with the rules it breaks; nothing is sent.
    let weak = flow.submit_password("short").await;
    assert!(
        matches!(&weak, FlowState::ChoosePassword { notice: Some(FlowNotice::Failed(CoreError::WeakPassword(rules))), .. } if !rules.is_empty()),
        "{weak:?}"
    );

    let state = flow.submit_password(PASSWORD).await;
    let FlowState::SignedIn {
        signed_in,
        other_accounts,
        offline,
        notice,
    } = &state
    else {
        panic!("{state:?}");
    };
    assert_eq!(signed_in.account.email, "jordan@example.com");
    assert!(other_accounts.is_empty());
    assert!(!offline);
    assert!(notice.is_none());
    assert_eq!(flow.state(), state);
    assert_eq!(*seen.borrow_and_update(), state);

    // The same link again: it was used.
    let again = flow.open_link(&invited.link).await;
    assert_eq!(
        again,
        FlowState::InviteUnusable {
            problem: InviteProblem::Used
        }
    );
    // Asking for a password with nothing open says so.
    let nothing = flow.submit_password(PASSWORD).await;
    assert_eq!(
        nothing,
        FlowState::Welcome {
            notice: Some(FlowNotice::NoLinkOpen)
        }
    );
    client.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_bad_link_says_why_and_changes_nothing() {
    let server = practice();
    let client = app(
        &server,
        "org.patientportal.test.flow.bad",
        &ManualClock::default(),
    );
    let flow = client.flow();
    let state = flow.open_link("https://elsewhere.example/invite/abc").await;
    assert!(
        matches!(
            &state,
            FlowState::Welcome {
                notice: Some(FlowNotice::InvalidLink(LinkError::UnknownHost { .. }))
            }
        ),
        "{state:?}"
    );
    let state = flow
        .open_link(&format!("{}/invite/{}", server.base_url(), "A".repeat(43)))
        .await;
    assert_eq!(
        state,
        FlowState::InviteUnusable {
            problem: InviteProblem::NotFound
        }
    );
}

#[tokio::test]
async fn an_expired_invite_is_renewed_and_a_still_valid_one_leads_back_to_the_password() {
    let server = practice();
    let admin = server.admin();
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(
        &server,
        "org.patientportal.test.flow.renew",
        &ManualClock::default(),
    );
    let flow = client.flow();

    // Still valid: renewing answers with the password screen, not a new email.
    assert!(matches!(
        flow.open_link(&invited.link).await,
        FlowState::ChoosePassword { .. }
    ));
    let emails = admin.outbox().await.emails.len();
    assert!(matches!(
        flow.renew_invite().await,
        FlowState::ChoosePassword { .. }
    ));
    assert_eq!(admin.outbox().await.emails.len(), emails);

    server.advance_clock(Duration::days(5)).await;
    assert_eq!(
        flow.open_link(&invited.link).await,
        FlowState::InviteUnusable {
            problem: InviteProblem::Expired
        }
    );
    assert_eq!(
        flow.renew_invite().await,
        FlowState::InviteRenewed {
            provider_notified: false
        }
    );
    let fresh = admin.outbox().await.emails.pop().unwrap();
    assert_eq!(fresh.to, "jordan@example.com");
    assert!(matches!(
        flow.open_link(&fresh.links[0]).await,
        FlowState::ChoosePassword { .. }
    ));
    // Nothing to renew once the flow moved on.
    flow.start_over();
    assert_eq!(
        flow.renew_invite().await,
        FlowState::Welcome { notice: None }
    );
}

#[tokio::test]
async fn an_answer_for_an_older_link_never_replaces_the_newer_one() {
    let server = practice();
    let admin = server.admin();
    let first = admin.invite_new_patient("Avery", "avery@example.com").await;
    let second = admin.invite_new_patient("Blake", "blake@example.com").await;
    let client = app(
        &server,
        "org.patientportal.test.flow.race",
        &ManualClock::default(),
    );
    let flow = client.flow();
    let other = flow.clone();
    // The first lookup is in flight when the second link opens.
    let (older, newer) = tokio::join!(flow.open_link(&first.link), async {
        tokio::task::yield_now().await;
        other.open_link(&second.link).await
    });
    let name = |state: &FlowState| match state {
        FlowState::ChoosePassword { invite, .. } => invite.patient_first_name.clone(),
        other => format!("{other:?}"),
    };
    assert_eq!(name(&newer), "Blake");
    // The first lookup's answer came late: it shows what the newer work shows.
    assert_ne!(
        name(&older),
        "Avery",
        "the late answer replaced the newer link"
    );
    assert_eq!(name(&flow.state()), "Blake");
}

#[tokio::test]
async fn reset_links_lead_to_a_new_password_or_say_what_to_do() {
    let server = practice();
    let admin = server.admin();
    let keychain = "org.patientportal.test.flow.reset";
    clean(&server, keychain).await;
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(&server, keychain, &ManualClock::default());
    let flow = client.flow();
    flow.open_link(&invited.link).await;
    assert!(matches!(
        flow.submit_password(PASSWORD).await,
        FlowState::SignedIn { .. }
    ));

    assert_eq!(
        flow.show_forgot_password(),
        FlowState::ForgotPassword { notice: None }
    );
    assert_eq!(
        flow.request_reset("jordan@example.com").await,
        FlowState::Welcome {
            notice: Some(FlowNotice::ResetRequested)
        }
    );
    let link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let state = flow.open_link(&link).await;
    assert!(
        matches!(&state, FlowState::ResetPassword { email_hint, .. } if email_hint.starts_with('j')),
        "{state:?}"
    );
    let new_password = "a quite different passphrase";
    assert_eq!(
        flow.submit_password(new_password).await,
        FlowState::SignIn {
            notice: Some(FlowNotice::PasswordChanged),
            email: None,
            claim_for: None
        }
    );
    // The same reset link again: used.
    assert!(matches!(
        flow.open_link(&link).await,
        FlowState::SignIn {
            notice: Some(FlowNotice::ResetUsed),
            ..
        }
    ));
    // An expired one (they last an hour).
    flow.request_reset("jordan@example.com").await;
    let stale = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    server.advance_clock(Duration::hours(2)).await;
    assert_eq!(
        flow.open_link(&stale).await,
        FlowState::ForgotPassword {
            notice: Some(FlowNotice::ResetExpired)
        }
    );
    // Signing in with the new password.
    let state = flow
        .sign_in("jordan@example.com", "wrong password here")
        .await;
    assert_eq!(
        failed_code(&state),
        Some("invalid_credentials"),
        "{state:?}"
    );
    assert!(matches!(state, FlowState::SignIn { email: Some(_), .. }));
    assert!(matches!(
        flow.sign_in("jordan@example.com", new_password).await,
        FlowState::SignedIn { .. }
    ));
    assert_eq!(
        flow.sign_out().await,
        FlowState::Welcome {
            notice: Some(FlowNotice::SignedOut)
        }
    );
}

#[tokio::test]
async fn an_invite_to_an_email_with_an_account_is_claimed_after_signing_in() {
    let server = practice();
    let admin = server.admin();
    let keychain = "org.patientportal.test.flow.claim";
    clean(&server, keychain).await;
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let child = |name: &str| {
        json!({"first_name": name, "last_name": "Rivera", "primary_provider_id": provider,
               "guardian": {"name": "Alex Rivera", "email": "alex@example.com"}})
    };
    admin.create_patient(child("Mia")).await;
    let mia_link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let client = app(&server, keychain, &ManualClock::default());
    let flow = client.flow();
    flow.open_link(&mia_link).await;
    flow.submit_password(PASSWORD).await;
    flow.sign_out().await;

    admin.create_patient(child("Leo")).await;
    let leo_link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let state = flow.open_link(&leo_link).await;
    assert!(
        matches!(&state, FlowState::ChoosePassword { invite, .. } if invite.account_exists),
        "{state:?}"
    );
    assert_eq!(
        flow.show_sign_in(),
        FlowState::SignIn {
            notice: None,
            email: None,
            claim_for: Some("Leo".to_owned())
        }
    );
    let state = flow.sign_in("alex@example.com", PASSWORD).await;
    let FlowState::SignedIn {
        signed_in, notice, ..
    } = &state
    else {
        panic!("{state:?}");
    };
    assert!(notice.is_none(), "{notice:?}");
    let mut names: Vec<_> = signed_in
        .profiles
        .iter()
        .map(|p| p.first_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["Leo", "Mia"]);
    // A guardian picks a child.
    let leo = signed_in
        .profiles
        .iter()
        .find(|p| p.first_name == "Leo")
        .unwrap()
        .patient_id
        .clone();
    let state = flow.select_profile(&leo).await;
    assert!(
        matches!(&state, FlowState::SignedIn { signed_in, .. } if signed_in.current_profile_id.as_deref() == Some(leo.as_str())),
        "{state:?}"
    );
    client.auth().logout().await.unwrap();
}

#[tokio::test]
async fn a_join_link_opens_the_registration_and_ends_in_check_your_email() {
    let server = practice();
    let admin = server.admin();
    let link = admin.create_join_link("Spring group").await;
    let client = app(
        &server,
        "org.patientportal.test.flow.join",
        &ManualClock::default(),
    );
    let flow = client.flow();
    let details = JoinRequest {
        first_name: "Sam".into(),
        last_name: "Lee".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 2, 3).unwrap(),
        email: "sam@example.com".into(),
        phone: None,
    };
    // Nothing to submit before a join link is open.
    assert_eq!(
        flow.submit_join(&details).await,
        FlowState::Welcome {
            notice: Some(FlowNotice::NoLinkOpen)
        }
    );
    let state = flow.open_link(&link.url).await;
    assert!(
        matches!(&state, FlowState::Join { info, notice: None } if info.group.name == "Spring group"),
        "{state:?}"
    );
    assert_eq!(
        flow.submit_join(&details).await,
        FlowState::Welcome {
            notice: Some(FlowNotice::JoinRequested)
        }
    );
    let invite = admin.outbox().await.emails.pop().unwrap();
    assert_eq!(invite.to, "sam@example.com");
    assert!(matches!(
        flow.open_link(&invite.links[0]).await,
        FlowState::ChoosePassword { .. }
    ));

    server.advance_clock(Duration::days(5)).await;
    assert_eq!(
        flow.open_link(&link.url).await,
        FlowState::Welcome {
            notice: Some(FlowNotice::JoinLinkExpired)
        }
    );
}

#[tokio::test]
async fn start_up_finds_the_session_and_the_idle_lock_shows_and_lifts() {
    let server = practice();
    let keychain = "org.patientportal.test.flow.start";
    clean(&server, keychain).await;
    let invited = server
        .admin()
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let clock = ManualClock::default();
    let first = app(&server, keychain, &clock);
    first.flow().open_link(&invited.link).await;
    first.flow().submit_password(PASSWORD).await;
    drop(first);

    // A restart: the session kept in the keychain.
    let client = app(&server, keychain, &clock);
    let flow = client.flow();
    let state = flow.start().await;
    assert!(
        matches!(&state, FlowState::SignedIn { offline: false, .. }),
        "{state:?}"
    );

    // Idle past the timeout: the lock screen.
    clock.advance(Duration::minutes(16));
    let state = flow.check_lock();
    assert!(
        matches!(&state, FlowState::Locked { email, notice: Some(FlowNotice::IdleLocked) } if email == "jordan@example.com"),
        "{state:?}"
    );
    let state = flow.unlock("not the password at all").await;
    assert_eq!(failed_code(&state), Some("wrong_password"), "{state:?}");
    assert!(matches!(state, FlowState::Locked { .. }));
    assert!(matches!(
        flow.unlock(PASSWORD).await,
        FlowState::SignedIn { .. }
    ));
    assert!(matches!(flow.lock_now(), FlowState::Locked { .. }));
    flow.unlock(PASSWORD).await;

    // A link opened while start-up looks for the session wins.
    let fresh = server
        .admin()
        .invite_new_patient("Avery", "avery@example.com")
        .await;
    let restarted = app(&server, keychain, &clock);
    let flow = restarted.flow();
    let other = flow.clone();
    let (started, opened) = tokio::join!(flow.start(), async {
        tokio::task::yield_now().await;
        other.open_link(&fresh.link).await
    });
    assert!(
        matches!(opened, FlowState::ChoosePassword { .. }),
        "{opened:?}"
    );
    assert!(
        !matches!(started, FlowState::SignedIn { .. }),
        "{started:?}"
    );
    assert!(matches!(flow.state(), FlowState::ChoosePassword { .. }));

    // The server gone: start-up shows the account at once, then marks it offline once
    // the server could not be reached.
    let cached = app(&server, keychain, &clock);
    server.stop();
    let mut states = cached.flow().subscribe();
    let state = cached.flow().start().await;
    assert!(
        matches!(&state, FlowState::SignedIn { offline: false, .. }),
        "{state:?}"
    );
    let marked = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        states.wait_for(|s| matches!(s, FlowState::SignedIn { offline: true, .. })),
    )
    .await
    // The state seen is a borrow of the channel: let go of it at once.
    .is_ok_and(|seen| seen.is_ok());
    assert!(marked, "never marked offline: {:?}", cached.flow().state());
    assert!(matches!(
        cached.flow().sign_out().await,
        FlowState::Welcome { .. }
    ));
}

#[tokio::test]
async fn an_invite_for_an_address_of_no_account_here_is_flagged() {
    let server = practice();
    let keychain = "org.patientportal.test.flow.hint";
    clean(&server, keychain).await;
    let admin = server.admin();
    let jordan = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let client = app(&server, keychain, &ManualClock::default());
    let flow = client.flow();
    flow.open_link(&jordan.link).await;
    assert!(matches!(
        flow.submit_password(PASSWORD).await,
        FlowState::SignedIn { .. }
    ));

    // An invite to someone else's address, opened on Jordan's device: flagged.
    let stranger = admin.invite_new_patient("Sam", "sam@example.org").await;
    let state = flow.open_link(&stranger.link).await;
    assert!(
        matches!(
            &state,
            FlowState::ChoosePassword { invite, hint_on_device: HintOnDevice::MatchesNone, .. }
                if invite.email_hint == "s•••@example.org"
        ),
        "{state:?}"
    );
    // A second invite to Jordan's own address (a child Jordan is guardian of): known.
    let provider = admin
        .create_provider("Dr. Maya Okafor", "okafor@example.com")
        .await;
    admin
        .create_patient(json!({"first_name": "Mia", "last_name": "Rivera", "primary_provider_id": provider,
                               "guardian": {"name": "Jordan Rivera", "email": "jordan@example.com"}}))
        .await;
    let mia_link = admin.outbox().await.emails.pop().unwrap().links[0].clone();
    let state = flow.open_link(&mia_link).await;
    assert!(
        matches!(
            &state,
            FlowState::ChoosePassword {
                hint_on_device: HintOnDevice::MatchesAnAccount,
                ..
            }
        ),
        "{state:?}"
    );
    flow.start_over();
    client.auth().logout().await.unwrap();
}
