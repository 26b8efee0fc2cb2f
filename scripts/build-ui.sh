#!/usr/bin/env bash
# Builds the Dioxus UI for wasm32 with Debian's rustc-web (std built from rust-web-src),
# binds it with wasm-bindgen, and writes the result to ui/dist (tauri.conf.json's
# frontendDist), which the desktop app embeds at compile time.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

export RUSTC_BOOTSTRAP=1
export RUSTC=/usr/bin/rustc
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-22/bin/wasm-ld
# `cargo rustc` so that -D warnings applies to the UI crate alone (clippy for this
# compiler is not packaged, so the compiler's own warnings are the UI's lint gate).
CARGO_TARGET_DIR="$PORTAL_WASM_TARGET_DIR" /usr/bin/cargo rustc --release --locked \
  --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort -p portal-ui --lib -- -D warnings

dist="$here/ui/dist"
rm -rf "$dist.tmp"
mkdir -p "$dist.tmp"
# Without the name section (half the module's size: function names for stack traces)
# the window's first paint comes sooner (tests/benches/desktop.rs).
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$dist.tmp" \
  "$PORTAL_WASM_TARGET_DIR/wasm32-unknown-unknown/release/portal_ui.wasm"
cp "$here"/ui/static/* "$dist.tmp/"
rm -rf "$dist"
mv "$dist.tmp" "$dist"
echo "[build-ui] $(du -sh "$dist" | cut -f1) in ui/dist (wasm: $(du -h "$dist/portal_ui_bg.wasm" | cut -f1))"
