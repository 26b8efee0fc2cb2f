#!/usr/bin/env bash
# The desktop app's size targets, built here in release (not part of CI: the release
# builds take minutes):
#  - the UI's wasm and JavaScript after brotli ÷ a Dioxus hello world built the same way
#    (bench/dioxus-hello, scripts/wasm-build.sh): target ≤ 4;
#  - the release app's binary, and the .deb and .rpm (scripts/package-desktop.sh), with
#    the .deb's installed size.
# The memory target (peak RSS at home with 100k records ÷ a Tauri hello world) is
# measured with the start-up times by scripts/bench-desktop.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

bash scripts/setup.sh >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bash scripts/build-ui.sh
bash scripts/wasm-build.sh portal-dioxus-hello "$tmp/hello"
bash scripts/wasm-build.sh portal-dioxus-hello "$tmp/trimmed" --no-default-features --features trimmed

# Bytes of FILES after `brotli -q 11` (what a packager or a web server would ship).
brotli_bytes() {
  local total=0 file
  for file in "$@"; do
    total=$((total + $(brotli -c -q 11 "$file" | wc -c)))
  done
  echo "$total"
}
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

mapfile -t ours < <(find ui/dist -name '*.wasm' -o -name '*.js' | sort)
mapfile -t theirs < <(find "$tmp/hello" -name '*.wasm' -o -name '*.js' | sort)
mapfile -t trimmed < <(find "$tmp/trimmed" -name '*.wasm' -o -name '*.js' | sort)
ours_raw="$(cat "${ours[@]}" | wc -c)"
theirs_raw="$(cat "${theirs[@]}" | wc -c)"
ours_br="$(brotli_bytes "${ours[@]}")"
theirs_br="$(brotli_bytes "${theirs[@]}")"
echo
echo "UI wasm and JS (${#ours[@]} files): $(kib "$ours_raw"), after brotli $(kib "$ours_br")"
for file in "${ours[@]}"; do
  echo "  ${file#ui/dist/}: $(kib "$(wc -c < "$file")"), after brotli $(kib "$(brotli_bytes "$file")")"
done
echo "Dioxus hello world (its template's features) wasm and JS: $(kib "$theirs_raw"), after brotli $(kib "$theirs_br")"
awk -v a="$ours_br" -v b="$theirs_br" 'BEGIN {
  ratio = a / b
  printf "ratio after brotli %.2f (target ≤ 4): %s\n", ratio, (ratio <= 4 ? "PASS" : "FAIL")
}'
trimmed_br="$(brotli_bytes "${trimmed[@]}")"
echo "a hello world with the UI's own trimmed Dioxus features: $(kib "$(cat "${trimmed[@]}" | wc -c)"), after brotli $(kib "$trimmed_br")"
awk -v a="$ours_br" -v b="$trimmed_br" 'BEGIN { printf "  ratio to it %.2f (for comparison)\n", a / b }'

echo
bash scripts/package-desktop.sh | grep '^\[package\]'
app="$CARGO_TARGET_DIR/release/patient-portal"
echo "release app binary: $(du -h "$app" | cut -f1) ($(wc -c < "$app") bytes; UI embedded)"
