#!/usr/bin/env bash
# The binding benchmark, every figure from one run against one practice (not part of
# scripts/test.sh: it builds the FFI library in release, ~10 minutes cold):
#   - one typed page of 50 appointments in Rust, in Python and in Kotlin (JNA), and the
#     ratios Python ÷ Rust and Kotlin ÷ Rust (target ≤ 3 each), for the async call and
#     for the blocking one (`appointmentPageBlocking`, from a background thread); a page
#     of 1 beside it splits the call's own cost from the cost of each record;
#   - a watch callback as Kotlin sees it, after one change made on the device and after
#     one change from the practice (target: p50 ≤ 10 ms).
# Needs scripts/setup.sh's tools and the debug server of scripts/build.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

server_bin="$CARGO_TARGET_DIR/debug/portal-server"
[ -x "$server_bin" ] || { echo "no server at $server_bin: run scripts/build.sh first" >&2; exit 1; }
echo "[bench] release builds: the FFI library, and the Rust run"
cargo build --locked --release -p portal-ffi
cargo bench --locked -p portal-ffi --bench typed_page --no-run
lib="$CARGO_TARGET_DIR/release/libportal_ffi.so"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

PORTAL_BENCH_ADMIN_TOKEN="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
export PORTAL_BENCH_ADMIN_TOKEN
PORTAL_ADMIN_TOKEN="$PORTAL_BENCH_ADMIN_TOKEN" PORTAL_OUTBOX_API=true "$server_bin" serve --listen 127.0.0.1:0 \
  --database "sqlite://$work/portal.db" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
PORTAL_BENCH_SERVER="$(sed -n 's/^portal-server listening on //p' "$work/server.out")"
[ -n "$PORTAL_BENCH_SERVER" ] || { cat "$work/server.err" >&2; exit 1; }
export PORTAL_BENCH_SERVER

# The generated Python package with the release library.
mkdir -p "$work/python/patient_portal"
cp "$PORTAL_CACHE/bindings/python/patient_portal/"*.py "$work/python/patient_portal/"
cp "$lib" "$work/python/patient_portal/"
export PORTAL_FFI_PYTHON_DIR="$work/python"

eval "$(python3 bindings/benches/bench_python.py setup)"

echo "[bench] rust"
cargo bench --locked -p portal-ffi --bench typed_page >"$work/rust.out" 2>"$work/rust.err" ||
  { cat "$work/rust.err" >&2; exit 1; }
rust="$(grep '^rust ' "$work/rust.out")"
echo "$rust"
echo "[bench] python"
python="$(python3 bindings/benches/bench_python.py page)"
echo "$python"
echo "[bench] kotlin (compiling)"
kotlin_home="$PORTAL_TOOLS/kotlinc"
jna="/usr/share/java/jna.jar"
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
mapfile -t sources < <(find bindings/generated/kotlin bindings/kotlin/src/main/kotlin -name '*.kt' | sort)
"$kotlin_home/bin/kotlinc" -nowarn -cp "$jna:$coroutines" -d "$work/kotlin" "${sources[@]}" bindings/benches/Bench.kt
kotlin="$(java -Djna.library.path="$CARGO_TARGET_DIR/release" \
  -cp "$work/kotlin:$kotlin_home/lib/kotlin-stdlib.jar:$coroutines:$jna" BenchKt)"
echo "$kotlin"

value() { sed -n "s/.*$1=\\([0-9.]*\\).*/\\1/p" <<<"$2" | head -n1; }
rust_us="$(value median_us "$(grep ' page50' <<<"$rust" | grep -v blocking)")"
python_us="$(value median_us "$(grep ' page50' <<<"$python" | grep -v blocking)")"
kotlin_us="$(value median_us "$(grep ' page50' <<<"$kotlin" | grep -v blocking)")"
rust_b="$(value median_us "$(grep 'blocking page50' <<<"$rust")")"
python_b="$(value median_us "$(grep 'blocking page50' <<<"$python")")"
kotlin_b="$(value median_us "$(grep 'blocking page50' <<<"$kotlin")")"
local_ms="$(value p50_ms "$(grep watch-local <<<"$kotlin")")"
incoming_ms="$(value p50_ms "$(grep watch-incoming <<<"$kotlin")")"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "ok" : "OVER" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "verdicts (one run):"
r="$(ratio "$python_us" "$rust_us")"
echo "  page of 50, python ÷ rust: $r (python ${python_us} µs, rust ${rust_us} µs; target ≤ 3): $(verdict "$r" 3)"
r="$(ratio "$kotlin_us" "$rust_us")"
echo "  page of 50, kotlin ÷ rust: $r (kotlin ${kotlin_us} µs; target ≤ 3): $(verdict "$r" 3)"
r="$(ratio "$python_b" "$rust_b")"
echo "  blocking page of 50, python ÷ rust: $r (python ${python_b} µs, rust ${rust_b} µs; target ≤ 3): $(verdict "$r" 3)"
r="$(ratio "$kotlin_b" "$rust_b")"
echo "  blocking page of 50, kotlin ÷ rust: $r (kotlin ${kotlin_b} µs; target ≤ 3): $(verdict "$r" 3)"
r="$(ratio "$kotlin_b" "$rust_us")"
echo "  blocking page of 50 in kotlin ÷ the async call in rust: $r"
one() { value median_us "$(grep ' page1' <<<"$1" | grep -v blocking)"; }
one_b() { value median_us "$(grep 'blocking page1' <<<"$1")"; }
echo "  a page of 1 (the call itself, with one record): rust $(one "$rust") µs, python $(one "$python") µs, kotlin $(one "$kotlin") µs"
echo "  a blocking page of 1: rust $(one_b "$rust") µs, python $(one_b "$python") µs, kotlin $(one_b "$kotlin") µs"
echo "  watch callback after a change on the device, kotlin p50: ${local_ms} ms (target ≤ 10): $(verdict "$local_ms" 10)"
echo "  watch callback after a change from the practice, kotlin p50: ${incoming_ms} ms (target ≤ 10): $(verdict "$incoming_ms" 10)"
