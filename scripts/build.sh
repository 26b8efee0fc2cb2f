#!/usr/bin/env bash
# Builds every surface: the wasm UI, the desktop app (embedding the UI), the server,
# the FFI library, and the Swift, Kotlin and Python bindings generated from it.
#   scripts/build.sh            # debug builds (what the tests use)
#   scripts/build.sh --release  # optimised builds
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

profile=debug
# The debug server the tests start carries the test-support operations (a clock they
# move, tombstone purging); release builds never do.
cargo_flags=(--features portal-server/test-support)
if [ "${1:-}" = "--release" ]; then profile=release; cargo_flags=(--release); fi

step() { printf '[build] %s\n' "$*"; }
timed() { local start=$SECONDS; "$@"; step "  took $((SECONDS - start)) s"; }

step "wasm UI → ui/dist"
timed bash scripts/build-ui.sh
step "desktop app, server, FFI library and uniffi-bindgen ($profile)"
timed cargo build --locked "${cargo_flags[@]}"

out="$PORTAL_CACHE/bindings"
lib="$CARGO_TARGET_DIR/$profile/libportal_ffi.so"
step "bindings → $out"
rm -rf "$out"
for language in swift kotlin python; do
  "$CARGO_TARGET_DIR/$profile/uniffi-bindgen" generate --library "$lib" \
    --language "$language" --no-format --out-dir "$out/$language" >/dev/null
done
# Python: the client's module imports the shared model's relatively, so the two (and the
# library they load) form one package, `patient_portal`.
pkg="$out/python/patient_portal"
mkdir -p "$pkg"
mv "$out/python"/*.py "$pkg/"
cp "$lib" "$pkg/"
echo '"""Patient Portal: portal_ffi (the client) and portal_model (shared types)."""' \
  > "$pkg/__init__.py"
step "done: app $CARGO_TARGET_DIR/$profile/patient-portal, server $CARGO_TARGET_DIR/$profile/portal-server"
