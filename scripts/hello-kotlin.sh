#!/usr/bin/env bash
# Hello portal, in one command: builds the FFI library and the server (debug), starts a
# demo practice on loopback, compiles the Kotlin sample with the committed bindings and
# the SDK's Flow layer, and runs it on the demo's invite link. It prints the next
# appointment and the unread messages. Needs the tools of scripts/setup.sh.
#   scripts/hello-kotlin.sh             build, then run
#   scripts/hello-kotlin.sh --prebuilt  run with what scripts/build.sh already built
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

if [ "${1:-}" != "--prebuilt" ]; then
  echo "[hello] cargo build -p portal-ffi -p portal-server"
  cargo build --locked -p portal-ffi -p portal-server
fi
target="$CARGO_TARGET_DIR/debug"
for built in "$target/libportal_ffi.so" "$target/portal-server"; do
  [ -e "$built" ] || { echo "missing $built: run without --prebuilt" >&2; exit 1; }
done

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "[hello] starting a demo practice"
"$target/portal-server" demo --listen 127.0.0.1:0 >"$work/demo.out" 2>"$work/demo.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "demo invite link" "$work/demo.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/demo.err" >&2; echo "the demo server stopped" >&2; exit 1; }
  sleep 0.1
done
server_url="$(sed -n 's/^portal-server listening on //p' "$work/demo.out")"
link="$(sed -n 's/^demo invite link: //p' "$work/demo.out")"
[ -n "$server_url" ] && [ -n "$link" ] || { cat "$work/demo.out" >&2; echo "no link from the demo" >&2; exit 1; }

echo "[hello] compiling the Kotlin sample"
kotlin_home="$PORTAL_TOOLS/kotlinc"
jna="/usr/share/java/jna.jar"
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
mapfile -t sources < <(find bindings/generated/kotlin bindings/kotlin/src/main/kotlin bindings/samples/kotlin-hello \
  -name '*.kt' | sort)
"$kotlin_home/bin/kotlinc" -nowarn -cp "$jna:$coroutines" -d "$work/classes" "${sources[@]}"

echo "[hello] running it"
java -Djna.library.path="$target" \
  -cp "$work/classes:$kotlin_home/lib/kotlin-stdlib.jar:$coroutines:$jna" HelloPortalKt "$server_url" "$link"
