//! The `/.well-known/` files for iOS universal links and Android app links.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_server::ServerOptions;
use portal_server::config::AppLinks;
use serde_json::Value;

const WELL_KNOWN_ADMIN: &str = "well-known-admin-Tz4Nq8Wc1Lx5Pv9Kd2Rm7Hb3Fs6Gj0";

#[tokio::test]
async fn app_link_files_come_from_configuration() {
    portal_e2e::install_tls_provider();
    let bare = portal_server::start(ServerOptions::local(WELL_KNOWN_ADMIN))
        .await
        .unwrap();
    for path in ["apple-app-site-association", "assetlinks.json"] {
        let response = reqwest::get(format!("{}/.well-known/{path}", bare.base_url()))
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            404,
            "{path} without configuration"
        );
    }

    let server = portal_server::start(ServerOptions {
        app_links: AppLinks {
            apple_app_ids: vec!["ABCDE12345.org.patientportal.ios".into()],
            android_package: Some("org.patientportal.android".into()),
            android_cert_sha256: vec!["14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5".into()],
        },
        ..ServerOptions::local(WELL_KNOWN_ADMIN)
    })
    .await
    .unwrap();
    let apple = reqwest::get(format!(
        "{}/.well-known/apple-app-site-association",
        server.base_url()
    ))
    .await
    .unwrap();
    assert_eq!(apple.headers()["content-type"], "application/json");
    let apple: Value = apple.json().await.unwrap();
    let details = &apple["applinks"]["details"][0];
    assert_eq!(details["appIDs"][0], "ABCDE12345.org.patientportal.ios");
    assert_eq!(details["components"].as_array().unwrap().len(), 3);
    let android: Value = reqwest::get(format!("{}/.well-known/assetlinks.json", server.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        android[0]["target"]["package_name"],
        "org.patientportal.android"
    );
    assert_eq!(
        android[0]["relation"][0],
        "delegate_permission/common.handle_all_urls"
    );
}
