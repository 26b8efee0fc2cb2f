//! Build script: reads the product's top-level `tauri.conf.json` and the command list.
fn main() {
    // The UI is embedded at compile time: rebuild when scripts/build-ui.sh changes it.
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(portal_commands()));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; there is no caller to return to.
        panic!("tauri-build failed: {error:#}");
    }
}

/// The desktop commands the UI may invoke; permissions are generated from this list.
fn portal_commands() -> &'static [&'static str] {
    &[
        "app_status",
        "open_link",
        "password_policy",
        "accept_invite",
        "start_over",
        "renew_invite",
        "show_sign_in",
        "sign_in",
        "sign_out",
        "complete_reset",
        "show_forgot_password",
        "request_reset",
        "submit_join",
        "unlock",
        "touch",
        "lock_now",
        "select_profile",
        "switch_account",
        "add_account",
    ]
}
