#!/usr/bin/env bash
# The demo: a practice on embedded SQLite with a demo patient, and the desktop app opened
# on that patient's invite link. Installs and builds what it lacks first.
#
#   scripts/demo.sh                      # needs a desktop session (DISPLAY or WAYLAND_DISPLAY)
#   scripts/demo.sh --screenshot F.png   # headless: run under Xvfb, save a screenshot, exit
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

screenshot=""
if [ "${1:-}" = "--screenshot" ]; then
  screenshot="$(realpath -m "${2:?--screenshot needs a file name}")"
fi

if [ -z "$screenshot" ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
No display found: the demo opens a desktop window.
- On a desktop, run scripts/demo.sh from a terminal inside your graphical session.
- Without one, run it under a virtual display and save a screenshot instead:
    scripts/demo.sh --screenshot demo.png
MSG
  exit 2
fi

if [ -z "${PORTAL_DEMO_BUILT:-}" ]; then
  bash scripts/setup.sh
  bash scripts/build.sh
  export PORTAL_DEMO_BUILT=1
fi
if [ -n "$screenshot" ] && [ -z "${PORTAL_IN_SESSION:-}" ]; then
  exec scripts/in-session.sh --display -- "$0" "$@"
fi

port="${PORTAL_DEMO_PORT:-8080}"
log="$(mktemp)"
"$CARGO_TARGET_DIR/debug/portal-server" demo --listen "127.0.0.1:$port" >"$log" 2>"$log.err" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log" "$log.err"' EXIT
link=""
for _ in $(seq 1 100); do
  link="$(sed -n 's/^demo invite link: //p' "$log")"
  [ -n "$link" ] && break
  kill -0 $server 2>/dev/null || { cat "$log.err" >&2; echo "the demo server stopped (is port $port in use? set PORTAL_DEMO_PORT)" >&2; exit 1; }
  sleep 0.1
done
[ -n "$link" ] || { echo "the demo server did not start" >&2; exit 1; }
cat "$log"
echo "opening the desktop app on the demo invite (server log: $log.err)"

export PORTAL_SERVER_URL="http://127.0.0.1:$port"
if [ -n "$screenshot" ]; then
  "$CARGO_TARGET_DIR/debug/patient-portal" "$link" &
  app=$!
  sleep "${PORTAL_DEMO_SETTLE:-6}"
  import -window root "$screenshot"
  kill $app; wait $app 2>/dev/null || true
  echo "screenshot saved to $screenshot"
else
  "$CARGO_TARGET_DIR/debug/patient-portal" "$link"
fi
