#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring (the
# Secret Service that the desktop keeps tokens in) and, with --display, a virtual X
# display. Everything started here is stopped on exit.
#
#   scripts/in-session.sh [--display] -- COMMAND [ARGS...]
#
# It re-executes itself under dbus-run-session; keyring files go to a throwaway
# XDG_DATA_HOME unless PORTAL_KEEP_XDG=1.
set -euo pipefail

want_display=0
while [ $# -gt 0 ]; do
  case "$1" in
    --display) want_display=1; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--display] -- COMMAND..." >&2; exit 2; }

if [ -z "${PORTAL_IN_SESSION:-}" ]; then
  export PORTAL_IN_SESSION=1
  args=()
  [ "$want_display" = 1 ] && args+=(--display)
  exec dbus-run-session -- "$0" "${args[@]}" -- "$@"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${session_tmp:-}" ] && rm -rf "$session_tmp"
}
trap cleanup EXIT

session_tmp="$(mktemp -d)"
if [ "${PORTAL_KEEP_XDG:-0}" != 1 ]; then
  export XDG_DATA_HOME="$session_tmp/data"
  export XDG_CONFIG_HOME="$session_tmp/config"
  export XDG_CACHE_HOME="$session_tmp/cache"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
fi
export XDG_RUNTIME_DIR="$session_tmp/run"
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"

# GNOME Keyring with an unlocked login keyring: the Secret Service for this session.
keyring_env="$(printf 'session-keyring-password' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
eval "$(printf '%s\n' "$keyring_env" | sed -n 's/^\(GNOME_KEYRING_[A-Z_]*\)=\(.*\)$/export \1="\2"/p')"
if [ -n "${GNOME_KEYRING_PID:-}" ]; then pids+=("$GNOME_KEYRING_PID"); fi
# The keyring registers on the bus asynchronously; wait until it answers.
for _ in $(seq 1 50); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done

if [ "$want_display" = 1 ]; then
  # Xvfb picks a free display itself and writes its number to fd 3 once it is ready.
  display_file="$session_tmp/display"
  Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp 3>"$display_file" >/dev/null 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 100); do
    [ -s "$display_file" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "in-session: Xvfb failed to start" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$display_file" ] || { echo "in-session: Xvfb did not report a display" >&2; exit 1; }
  export DISPLAY=":$(tr -d '[:space:]' < "$display_file")"
fi

set +e
"$@"
status=$?
set -e
exit $status
