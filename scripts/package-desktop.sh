#!/usr/bin/env bash
# Builds the desktop app's Linux packages, a .deb and an .rpm, with the Tauri CLI's
# bundler (npm @tauri-apps/cli, installed by scripts/setup.sh). They land in
# $CARGO_TARGET_DIR/<profile>/bundle/{deb,rpm}/, and their paths are printed.
#
#   scripts/package-desktop.sh                 release: builds the UI and the app first
#   scripts/package-desktop.sh --debug         packages the debug app scripts/build.sh
#                                              built (CI's install test; no rebuild)
#   scripts/package-desktop.sh --bundles LIST  other formats, comma-separated: appimage
#                                              (needs linuxdeploy, downloaded by the
#                                              bundler), msi and nsis on Windows, app and
#                                              dmg on macOS; configured in tauri.conf.json
#                                              but not built on this machine
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

profile=release
bundle_flags=()
bundles=deb,rpm
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug; bundle_flags=(--debug); shift ;;
    --bundles) bundles="${2:?--bundles needs a list}"; shift 2 ;;
    *) echo "usage: $0 [--debug] [--bundles deb,rpm,appimage,msi,nsis,app,dmg]" >&2; exit 2 ;;
  esac
done

command -v tauri >/dev/null || { echo "tauri (the CLI) is missing: run scripts/setup.sh" >&2; exit 1; }
if [ "$profile" = release ]; then
  bash scripts/build-ui.sh
  cargo build --locked --release -p portal-desktop
fi
app="$CARGO_TARGET_DIR/$profile/patient-portal"
[ -x "$app" ] || { echo "$app is missing: run scripts/build.sh first" >&2; exit 1; }

# The bundler reads tauri.conf.json from the app crate's folder and resolves the icons
# from there. Ours is the product's top-level one (which build.rs and generate_context!
# read), so it is linked into src-tauri/ for this run only, with the icons given as
# absolute paths.
link="src-tauri/tauri.conf.json"
[ -e "$link" ] && { echo "$link exists: remove it (this script links it for its run)" >&2; exit 1; }
ln -s ../tauri.conf.json "$link"
trap 'rm -f "$here/$link"' EXIT
override="$(python3 - "$here" <<'EOF'
import json, os, sys
root = sys.argv[1]
config = json.load(open(os.path.join(root, "tauri.conf.json")))
bundle = config["bundle"]
linux = bundle.get("linux", {})
for kind in ("deb", "rpm"):
    template = linux.get(kind, {}).get("desktopTemplate")
    if template:
        linux[kind]["desktopTemplate"] = os.path.join(root, template)
print(json.dumps({"bundle": {
    "icon": [os.path.join(root, icon) for icon in bundle["icon"]],
    "linux": linux,
}}))
EOF
)"
out="$CARGO_TARGET_DIR/$profile/bundle"
for kind in ${bundles//,/ }; do rm -rf "${out:?}/$kind"; done
(cd src-tauri && tauri bundle --ci "${bundle_flags[@]}" --bundles "$bundles" --config "$override")

for kind in ${bundles//,/ }; do
  # Each folder also holds the bundler's staging tree; the packages are the files.
  for file in "$out/$kind"/*.{deb,rpm,AppImage,msi,exe,dmg,app}; do
    [ -e "$file" ] || continue
    size="$(du -sh "$file" | cut -f1)"
    if [ "$kind" = deb ]; then
      size="$size; installed $(dpkg-deb --field "$file" Installed-Size) KiB"
    fi
    echo "[package] $file ($size)"
  done
done
