#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine.
# Idempotent: each step checks before it installs. Safe to run on every CI run.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$here/scripts/env.sh"

log() { printf '[setup] %s\n' "$*"; }
# Root installs directly (as CI does); anyone else through sudo.
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

apt_packages=(
  build-essential pkg-config libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev webkit2gtk-driver
  xvfb xauth dbus dbus-x11 imagemagick
  gnome-keyring keyutils libsecret-tools
  rustc-web cargo-web rust-web-src lld-22
  libjna-java
  xdg-utils desktop-file-utils libglib2.0-bin
  chromium chromium-driver
  curl ca-certificates openssl
  poppler-utils fonts-wqy-microhei xdotool x11-utils
  brotli
  postgresql
)

need_apt=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Python test tools for the bindings test.
requirements="$here/tests/python-requirements.txt"
# pip's dry run prints "Would install ..." only when something is missing or differs.
if ! python3 -m pip install --dry-run --disable-pip-version-check -r "$requirements" 2>/dev/null \
     | grep -q "^Would install"; then
  :
else
  log "pip: installing the Python test tools"
  python3 -m pip install -q --disable-pip-version-check -r "$requirements"
fi

# Kotlin compiler (Debian's is too old); the npm package carries kotlinc and the
# coroutines jar. Unpacked once into the tools directory.
if [ ! -x "$PORTAL_TOOLS/kotlinc/bin/kotlinc" ]; then
  log "npm: fetching kotlin-compiler $KOTLIN_NPM_VERSION"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "kotlin-compiler@$KOTLIN_NPM_VERSION" >/dev/null)
  mkdir -p "$PORTAL_TOOLS/kotlin-npm"
  tar -xzf "$tmp"/kotlin-compiler-*.tgz -C "$PORTAL_TOOLS/kotlin-npm"
  rm -rf "$tmp"
  kc="$(find "$PORTAL_TOOLS/kotlin-npm" -type f -path '*/bin/kotlinc' | head -n1)"
  [ -n "$kc" ] || { echo "kotlinc not found in the kotlin-compiler package" >&2; exit 1; }
  ln -sfn "$(dirname "$(dirname "$kc")")" "$PORTAL_TOOLS/kotlinc"
  chmod +x "$PORTAL_TOOLS/kotlinc/bin/"* || true
fi

# axe-core (npm), which the desktop e2e tests inject into each screen they check.
axe="$PORTAL_TOOLS/axe-core-$AXE_CORE_VERSION/axe.min.js"
if [ ! -s "$axe" ]; then
  log "npm: fetching axe-core $AXE_CORE_VERSION"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "axe-core@$AXE_CORE_VERSION" >/dev/null)
  mkdir -p "$(dirname "$axe")"
  tar -xzf "$tmp"/axe-core-*.tgz -C "$tmp"
  cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$(dirname "$axe")/"
  rm -rf "$tmp"
fi

# The Tauri CLI (npm: a prebuilt native module that Node runs), for its bundler: the
# .deb and .rpm of scripts/package-desktop.sh. Pinned to the tauri crate's minor version.
tauri_cli="$PORTAL_TOOLS/tauri-cli-$TAURI_CLI_VERSION"
if [ ! -s "$tauri_cli/node_modules/@tauri-apps/cli/tauri.js" ]; then
  log "npm: fetching @tauri-apps/cli $TAURI_CLI_VERSION"
  rm -rf "$tauri_cli"
  mkdir -p "$tauri_cli"
  npm install --silent --no-audit --no-fund --prefix "$tauri_cli" \
    "@tauri-apps/cli@$TAURI_CLI_VERSION" >/dev/null
fi
mkdir -p "$PORTAL_TOOLS/bin"
printf '#!/bin/sh\nexec node "%s/node_modules/@tauri-apps/cli/tauri.js" "$@"\n' "$tauri_cli" \
  > "$PORTAL_TOOLS/bin/tauri"
chmod +x "$PORTAL_TOOLS/bin/tauri"

# Cargo-installed tools, pinned. wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock.
installed() { cargo install --list --root "$PORTAL_TOOLS" 2>/dev/null | grep -q "^$1 v$2:"; }
wb_version="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$here/Cargo.lock")"
if [ -z "$wb_version" ]; then echo "wasm-bindgen not found in Cargo.lock" >&2; exit 1; fi
if ! installed wasm-bindgen-cli "$wb_version"; then
  log "cargo: installing wasm-bindgen-cli $wb_version"
  # --locked fails here (a pinned dependency is missing from the registry).
  cargo install -q --root "$PORTAL_TOOLS" --version "=$wb_version" wasm-bindgen-cli
fi
if ! installed tauri-driver "$TAURI_DRIVER_VERSION"; then
  log "cargo: installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install -q --locked --root "$PORTAL_TOOLS" --version "=$TAURI_DRIVER_VERSION" tauri-driver
fi
log "ok"
