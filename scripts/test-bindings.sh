#!/usr/bin/env bash
# Runs the binding tests against the real server binary: Python (pytest) and Kotlin on
# the JVM. Expects scripts/build.sh to have run. (Swift needs macOS: see bindings/README.md.)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

export PORTAL_SERVER_BIN="$CARGO_TARGET_DIR/debug/portal-server"
gen="$PORTAL_CACHE/bindings"

echo "[bindings] python"
PORTAL_FFI_PYTHON_DIR="$gen/python" python3 -m pytest -q -p no:cacheprovider bindings/tests/python

echo "[bindings] kotlin (JVM)"
kotlin_home="$PORTAL_TOOLS/kotlinc"
jna="/usr/share/java/jna.jar"
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
classes="$PORTAL_CACHE/kotlin-test"
rm -rf "$classes"
mkdir -p "$classes"
# Every generated file: the FFI's own and the shared model's (its error codes).
mapfile -t generated < <(find "$gen/kotlin" -name '*.kt' | sort)
"$kotlin_home/bin/kotlinc" -nowarn -cp "$jna:$coroutines" -d "$classes" \
  "${generated[@]}" bindings/tests/kotlin/InviteTest.kt
java -Djna.library.path="$CARGO_TARGET_DIR/debug" \
  -cp "$classes:$kotlin_home/lib/kotlin-stdlib.jar:$coroutines:$jna" InviteTestKt
