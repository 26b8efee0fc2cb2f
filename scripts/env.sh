# Shared settings for the build and test scripts. Sourced, not run.
# Build outputs and tools live outside the clone so that CI and fresh clones reuse them.
export PORTAL_CACHE="${PORTAL_CACHE:-$HOME/.cache/patient-portal}"
export PORTAL_TOOLS="${PORTAL_TOOLS:-$PORTAL_CACHE/tools}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PORTAL_CACHE/target}"
# The wasm UI is built by Debian's rustc-web in its own target directory.
export PORTAL_WASM_TARGET_DIR="${PORTAL_WASM_TARGET_DIR:-$PORTAL_CACHE/target-wasm}"
export KOTLIN_NPM_VERSION="${KOTLIN_NPM_VERSION:-2.4.20}"
export TAURI_DRIVER_VERSION="${TAURI_DRIVER_VERSION:-2.1.0}"
# The Tauri CLI whose bundler makes the desktop packages (scripts/package-desktop.sh).
export TAURI_CLI_VERSION="${TAURI_CLI_VERSION:-2.12.6}"
# The accessibility checker the desktop e2e tests inject into every screen they save.
export AXE_CORE_VERSION="${AXE_CORE_VERSION:-4.14.1}"
export PATH="$PORTAL_TOOLS/bin:$PATH"
