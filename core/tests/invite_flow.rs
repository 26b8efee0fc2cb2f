//! The invite flow through core, against the real server over loopback HTTP, with
//! session tokens in the real Secret Service (run under scripts/in-session.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::{
    ClientConfig, CoreError, InviteState, KeyringStore, LinkKind, PortalClient, SecretStore,
};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use portal_model::{ErrorCode, InviteProblem, PolicyRule};
use std::sync::Arc;

const ADMIN: &str = "core-test-admin-_GusIFH2xgpz42-YS7uP2J4SkVhBC3As";

async fn practice() -> (TestServer, AdminClient) {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    (server, admin)
}

fn client(server: &TestServer, keychain_service: &str) -> PortalClient {
    let config = ClientConfig::new(server.base_url(), &[], "patientportal").unwrap();
    PortalClient::new(config, Arc::new(KeyringStore::new(keychain_service))).unwrap()
}

#[tokio::test]
async fn an_emailed_link_leads_to_a_password_and_a_session_in_the_keychain() {
    let (server, admin) = practice().await;
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let core = client(&server, "org.patientportal.test.flow");

    let link = core.parse_link(&invited.link).unwrap();
    assert_eq!(link.kind, LinkKind::Invite);
    let InviteState::Valid(info) = core.auth().inspect_invite(&link.token).await.unwrap() else {
        panic!("the invite should be valid");
    };
    assert_eq!(info.patient_first_name, "Jordan");
    assert_eq!(info.practice.name, "Riverside Family Practice");

    // A weak password is refused locally, before anything is sent...
    match core
        .auth()
        .accept_invite(&link.token, "iloveyou1234", "test")
        .await
    {
        Err(CoreError::WeakPassword(reasons)) => assert_eq!(reasons, vec![PolicyRule::Common]),
        other => panic!("expected a local refusal, got {other:?}"),
    }
    assert!(matches!(
        core.auth().inspect_invite(&link.token).await.unwrap(),
        InviteState::Valid(_)
    ));
    // ...and a rule only the server can check comes back typed as well.
    match core
        .auth()
        .accept_invite(&link.token, "jordan@example.com", "test")
        .await
    {
        Err(CoreError::WeakPassword(reasons)) => {
            assert_eq!(reasons, vec![PolicyRule::EqualsEmail])
        }
        other => panic!("expected the server's refusal, got {other:?}"),
    }

    let signed_in = core
        .auth()
        .accept_invite(&link.token, "river otter paints blue", "test laptop")
        .await
        .unwrap();
    assert_eq!(signed_in.account.email, "jordan@example.com");
    assert_eq!(signed_in.profiles[0].patient_id, invited.patient_id);
    assert_eq!(core.auth().signed_in(), Some(signed_in.clone()));

    // The tokens are in the OS keychain, readable by a fresh store, and nowhere else.
    let key = core.auth().session_key(&signed_in.account.id);
    let stored = KeyringStore::new("org.patientportal.test.flow")
        .get(&key)
        .unwrap()
        .unwrap();
    assert!(stored.contains("refresh_token"));
    assert!(
        core.auth()
            .has_stored_session(&signed_in.account.id)
            .await
            .unwrap()
    );

    assert_eq!(
        core.auth().inspect_invite(&link.token).await.unwrap(),
        InviteState::Unusable(InviteProblem::Used)
    );
    KeyringStore::new("org.patientportal.test.flow")
        .delete(&key)
        .unwrap();
}

#[tokio::test]
async fn every_unusable_invite_has_its_own_outcome() {
    let (server, admin) = practice().await;
    let first = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let second = admin.resend_invite(&first.patient_id).await;
    let core = client(&server, "org.patientportal.test.outcomes");

    assert_eq!(
        core.auth().inspect_invite(&first.token).await.unwrap(),
        InviteState::Unusable(InviteProblem::Revoked)
    );
    let unknown = "A".repeat(43);
    assert_eq!(
        core.auth().inspect_invite(&unknown).await.unwrap(),
        InviteState::Unusable(InviteProblem::NotFound)
    );
    match core
        .auth()
        .accept_invite(&first.token, "river otter paints blue", "t")
        .await
    {
        Err(CoreError::Server { code, .. }) => assert_eq!(code, ErrorCode::InviteRevoked),
        other => panic!("expected invite_revoked, got {other:?}"),
    }
    // A malformed token never reaches the network.
    assert!(matches!(
        core.auth().inspect_invite("../admin/outbox").await,
        Err(CoreError::InvalidLink(_))
    ));
    assert!(matches!(
        core.auth().inspect_invite(&second.token).await.unwrap(),
        InviteState::Valid(_)
    ));
}

#[tokio::test]
async fn a_dropped_server_is_a_network_error_not_a_crash() {
    let (server, admin) = practice().await;
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let core = client(&server, "org.patientportal.test.network");
    server.stop();
    match core.auth().inspect_invite(&invited.token).await {
        Err(error @ CoreError::Network(_)) => {
            assert_eq!(error.code(), "network");
            assert!(
                !error.to_string().contains(&invited.token),
                "the token leaked into {error}"
            );
        }
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_expired_invite_is_renewed_from_the_app() {
    let server = TestServer::setup().admin_token(ADMIN).start();
    let admin = AdminClient::new(server.base_url(), ADMIN);
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let core = client(&server, "org.patientportal.test.renew");

    assert_eq!(
        core.auth().renew_invite(&invited.token).await.unwrap(),
        portal_core::RenewOutcome::StillValid
    );
    server.advance_clock(chrono::Duration::days(4)).await;
    assert_eq!(
        core.auth().inspect_invite(&invited.token).await.unwrap(),
        InviteState::Unusable(InviteProblem::Expired)
    );
    assert_eq!(
        core.auth().renew_invite(&invited.token).await.unwrap(),
        portal_core::RenewOutcome::Sent
    );
    let email = admin.outbox().await.emails.pop().unwrap();
    assert_eq!(email.to, "jordan@example.com");
    let fresh = core.parse_link(&email.links[0]).unwrap();
    assert!(matches!(
        core.auth().inspect_invite(&fresh.token).await.unwrap(),
        InviteState::Valid(_)
    ));
    assert_eq!(
        core.auth().renew_invite(&invited.token).await.unwrap(),
        portal_core::RenewOutcome::Unusable(InviteProblem::Revoked)
    );
}

#[tokio::test]
async fn a_join_link_registers_a_person_who_continues_from_the_invite_email() {
    let (server, admin) = practice().await;
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let group: portal_model::admin::CreateGroupResponse = admin
        .post(
            "groups",
            serde_json::json!({"name": "Spring group", "provider_id": provider}),
        )
        .await
        .json()
        .await
        .unwrap();
    let link: portal_model::admin::JoinLinkCreated = admin
        .post(
            &format!("groups/{}/join-links", group.group_id),
            serde_json::json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let core = client(&server, "org.patientportal.test.join");
    let parsed = core.parse_link(&link.url).unwrap();
    assert_eq!(parsed.kind, LinkKind::Join);
    let portal_core::JoinState::Valid(info) =
        core.auth().inspect_join(&parsed.token).await.unwrap()
    else {
        panic!("the join link should be open");
    };
    assert_eq!(info.group.name, "Spring group");
    let details = portal_model::JoinRequest {
        first_name: "Sam".into(),
        last_name: "Lee".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 2, 3).unwrap(),
        email: "sam@example.com".into(),
        phone: None,
    };
    core.auth().join(&parsed.token, &details).await.unwrap();
    let invite = admin.outbox().await.emails.pop().unwrap();
    assert_eq!(invite.to, "sam@example.com");
    let token = core.parse_link(&invite.links[0]).unwrap().token;
    assert!(matches!(
        core.auth().inspect_invite(&token).await.unwrap(),
        InviteState::Valid(_)
    ));
    assert_eq!(
        core.auth().inspect_join(&"Q".repeat(43)).await.unwrap(),
        portal_core::JoinState::NotFound
    );
}
