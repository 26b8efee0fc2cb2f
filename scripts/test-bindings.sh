#!/usr/bin/env bash
# Runs the binding tests against the real server binary: Python (pytest) and Kotlin on
# the JVM (the SDK's flows, bindings/tests/kotlin). Expects scripts/build.sh to have run.
# (Swift needs macOS: see bindings/README.md.)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

export PORTAL_SERVER_BIN="$CARGO_TARGET_DIR/debug/portal-server"
gen="$PORTAL_CACHE/bindings"

# `scripts/test-bindings.sh kotlin [NAME]` or `python [PYTEST ARGS]` runs one language.
only="${1:-all}"
[ $# -gt 0 ] && shift

if [ "$only" = all ] || [ "$only" = python ]; then
  echo "[bindings] python"
  PORTAL_FFI_PYTHON_DIR="$gen/python" python3 -m pytest -q -p no:cacheprovider bindings/tests/python "$@"
fi
[ "$only" = all ] || [ "$only" = kotlin ] || exit 0

echo "[bindings] kotlin (JVM)"
kotlin_home="$PORTAL_TOOLS/kotlinc"
jna="/usr/share/java/jna.jar"
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
classes="$PORTAL_CACHE/kotlin-test"
rm -rf "$classes"
mkdir -p "$classes"
# The committed generated sources (scripts/generated.sh checks them against the code),
# the SDK's Flow layer, and the tests.
mapfile -t sources < <(find bindings/generated/kotlin bindings/kotlin/src/main/kotlin bindings/tests/kotlin \
  -name '*.kt' | sort)
"$kotlin_home/bin/kotlinc" -nowarn -cp "$jna:$coroutines" -d "$classes" "${sources[@]}"
java -Djna.library.path="$CARGO_TARGET_DIR/debug" \
  -cp "$classes:$kotlin_home/lib/kotlin-stdlib.jar:$coroutines:$jna" MainKt "$@"
