//! A practice on a private certificate authority: the client trusts it only when given
//! its root, over real TLS on loopback (rcgen makes the CA and the server certificate;
//! a TLS front end forwards to the real server).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::{ClientConfig, CoreError, KeyringStore, PortalClient};
use portal_e2e::AdminClient;
use portal_e2e::TestServer;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA, and a certificate for `localhost` it signed: (CA PEM, server chain, server key).
fn private_ca() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Riverside test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let server = server_params.signed_by(&server_key, &issuer).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    (ca.pem(), vec![server.der().clone(), ca.der().clone()], key)
}

/// Terminates TLS on a loopback port and forwards each connection to `backend`.
async fn tls_front(
    backend: std::net::SocketAddr,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> u16 {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let (Ok(mut tls), Ok(mut plain)) = (
                    acceptor.accept(socket).await,
                    TcpStream::connect(backend).await,
                ) {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn a_private_ca_is_trusted_only_when_configured() {
    let server = TestServer::setup()
        .admin_token("ca-admin-HmQrfp8K5uidlnSN0k3gbPiE9x7qV6xm40")
        .start();
    let admin = AdminClient::new(
        server.base_url(),
        "ca-admin-HmQrfp8K5uidlnSN0k3gbPiE9x7qV6xm40",
    );
    let invited = admin
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let (ca_pem, chain, key) = private_ca();
    let port = tls_front(server.addr(), chain, key).await;
    let url = format!("https://localhost:{port}");
    let store = || Arc::new(KeyringStore::new("org.patientportal.test.ca"));

    let untrusting = PortalClient::new(
        ClientConfig::new(&url, &[], "patientportal").unwrap(),
        store(),
    )
    .unwrap();
    match untrusting.auth().inspect_invite(&invited.token).await {
        Err(CoreError::Network(_)) => {}
        other => panic!("an unknown CA must not be trusted, got {other:?}"),
    }

    let config = ClientConfig::new(&url, &[], "patientportal")
        .unwrap()
        .with_extra_roots_pem(&ca_pem)
        .unwrap();
    let trusting = PortalClient::new(config, store()).unwrap();
    assert!(matches!(
        trusting
            .auth()
            .inspect_invite(&invited.token)
            .await
            .unwrap(),
        portal_core::InviteState::Valid(_)
    ));

    let bad = ClientConfig::new(&url, &[], "patientportal")
        .unwrap()
        .with_extra_roots_pem("not a certificate");
    assert!(matches!(bad, Err(CoreError::Config(_))));
}
