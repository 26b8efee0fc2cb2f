#!/usr/bin/env bash
# Builds a wasm32 crate of the workspace the way the desktop app's UI is built, and binds
# it with wasm-bindgen into OUT_DIR: Debian's rustc-web (std built from rust-web-src),
# the release profile (opt-level s, LTO), -D warnings, no name or producers section.
# Used by scripts/build-ui.sh (the UI) and scripts/bench-footprint.sh (its yardstick).
#
#   scripts/wasm-build.sh CRATE OUT_DIR [CARGO_ARGS...]   (--features, say)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"
[ $# -ge 2 ] || { echo "usage: $0 CRATE OUT_DIR [CARGO_ARGS...]" >&2; exit 2; }
crate="$1"
out="$2"
shift 2

export RUSTC_BOOTSTRAP=1
export RUSTC=/usr/bin/rustc
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-22/bin/wasm-ld
# `cargo rustc` so that -D warnings applies to the crate alone (clippy for this compiler
# is not packaged, so the compiler's own warnings are the wasm crates' lint gate).
CARGO_TARGET_DIR="$PORTAL_WASM_TARGET_DIR" /usr/bin/cargo rustc --release --locked \
  --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort -p "$crate" --lib "$@" -- -D warnings

mkdir -p "$out"
# Without the name section (half the module's size: function names for stack traces)
# the window's first paint comes sooner (tests/benches/desktop.rs).
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$out" "$PORTAL_WASM_TARGET_DIR/wasm32-unknown-unknown/release/${crate//-/_}.wasm"
