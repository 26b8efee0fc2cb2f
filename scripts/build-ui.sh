#!/usr/bin/env bash
# Builds the Dioxus UI for wasm32 (scripts/wasm-build.sh) and writes it, with the page
# and its style, to ui/dist (tauri.conf.json's frontendDist), which the desktop app
# embeds at compile time.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

dist="$here/ui/dist"
rm -rf "$dist.tmp"
bash scripts/wasm-build.sh portal-ui "$dist.tmp"
cp "$here"/ui/static/* "$dist.tmp/"
rm -rf "$dist"
mv "$dist.tmp" "$dist"
echo "[build-ui] $(du -sh "$dist" | cut -f1) in ui/dist (wasm: $(du -h "$dist/portal_ui_bg.wasm" | cut -f1))"
