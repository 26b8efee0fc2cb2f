//! Without a keychain, signing in fails with a clear error before the invite is used,
//! and nothing is written in clear anywhere. (Its own test binary: it changes the
//! process's D-Bus address.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::{ClientConfig, CoreError, InviteState, KeyringStore, PortalClient, SecretError};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use std::sync::Arc;

#[tokio::test]
async fn no_keychain_means_a_clear_error_and_an_unused_invite() {
    // SAFETY: this test binary has one test, and sets the variable before any thread
    // that could read it starts talking to D-Bus.
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus") };
    let server = TestServer::setup()
        .admin_token("no-keychain-admin-x_xQGB6vN-2rzuh6RrWMrIw_MmhMhnx6")
        .start();
    let admin = AdminClient::new(
        server.base_url(),
        "no-keychain-admin-x_xQGB6vN-2rzuh6RrWMrIw_MmhMhnx6",
    );
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let config = ClientConfig::new(server.base_url(), &[], "patientportal").unwrap();
    let core = PortalClient::new(
        config,
        Arc::new(KeyringStore::new("org.patientportal.none")),
    )
    .unwrap();

    match core
        .auth()
        .accept_invite(&invited.token, "river otter paints blue", "t")
        .await
    {
        Err(error @ CoreError::Secrets(SecretError::Unavailable(_))) => {
            assert_eq!(error.code(), "keychain_unavailable");
            assert!(error.to_string().contains("keychain"));
        }
        other => panic!("expected keychain_unavailable, got {other:?}"),
    }
    // The invite was not spent: the person can retry once the keychain is back.
    assert!(matches!(
        core.auth().inspect_invite(&invited.token).await.unwrap(),
        InviteState::Valid(_)
    ));
}
