//! Build script: the hello world's own `tauri.conf.json`.
fn main() {
    println!("cargo:rerun-if-changed=page");
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new()) {
        // A build script reports failure by panicking; there is no caller to return to.
        panic!("tauri-build failed: {error:#}");
    }
}
