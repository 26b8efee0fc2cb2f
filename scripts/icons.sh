#!/usr/bin/env bash
# Draws the app's icon (a white cross on a teal rounded square) at 1024 px with
# ImageMagick, and makes from it, with the Tauri CLI (scripts/setup.sh installs both),
# every size the desktop platforms need, into icons/: PNGs for Linux (32 to 512 px,
# installed under /usr/share/icons/hicolor by the packages), icon.ico for Windows and
# icon.icns for macOS. Run after changing the drawing; the results are committed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
convert -size 1024x1024 xc:none \
  -fill '#0f766e' -draw 'roundrectangle 32,32 991,991 192,192' \
  -fill white -draw 'rectangle 432,224 591,799' -draw 'rectangle 224,432 799,591' \
  "$tmp/icon-1024.png"
tauri icon "$tmp/icon-1024.png" --output "$tmp/out" >/dev/null 2>&1
for name in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png icon.ico icon.icns; do
  cp "$tmp/out/$name" icons/
done
ls -l icons/
