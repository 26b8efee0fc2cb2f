#!/usr/bin/env bash
# Fuzzes the deep-link parser with cargo-fuzz (libFuzzer) for a while, growing the
# committed corpus in core/fuzz/corpus/parse_link. The ordinary tests replay that corpus.
#   scripts/fuzz.sh [SECONDS]     (default 60)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"
if ! cargo install --list --root "$PORTAL_TOOLS" | grep -q '^cargo-fuzz v0.13.2:'; then
  cargo install -q --locked --root "$PORTAL_TOOLS" --version =0.13.2 cargo-fuzz
fi
# cargo-fuzz needs unstable compiler flags (sanitizers); the stable compiler allows them
# with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
CARGO_TARGET_DIR="$PORTAL_CACHE/target-fuzz" cargo fuzz run --fuzz-dir core/fuzz parse_link \
  core/fuzz/corpus/parse_link -- -max_total_time="${1:-60}" -max_len=600
