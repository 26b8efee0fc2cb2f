#!/usr/bin/env bash
# The desktop app's speed targets (tests/benches/desktop.rs): builds the UI, the app and
# the Tauri hello world in release, then measures them under Xvfb with a keyring. Not
# part of CI: it seeds 100k records and takes several minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

bash scripts/setup.sh
bash scripts/build-ui.sh
cargo build --locked --release -p portal-desktop -p portal-hello
# The server the benchmark starts keeps its test operations (seeding through the CLI):
# the debug build scripts/build.sh makes, selected the same way so nothing is rebuilt
# (a `-p portal-server` filter unifies features differently).
cargo build --locked --features portal-server/test-support
export PORTAL_SERVER_BIN="$CARGO_TARGET_DIR/debug/portal-server"
export PORTAL_APP_BIN="$CARGO_TARGET_DIR/release/patient-portal"
export PORTAL_HELLO_BIN="$CARGO_TARGET_DIR/release/portal-hello"
export PORTAL_TAURI_DRIVER="$PORTAL_TOOLS/bin/tauri-driver"
scripts/in-session.sh --display -- cargo bench --locked -p portal-e2e --bench desktop
