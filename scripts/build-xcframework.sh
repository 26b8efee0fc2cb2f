#!/usr/bin/env bash
# Builds bindings/swift/PortalFFI.xcframework, the binary target of the Swift package
# (bindings/Package.swift): libportal_ffi.a for iOS devices, the iOS simulator (arm64 and
# x86_64 in one library) and macOS (arm64 and x86_64 in one library), with the generated
# C headers and one module map declaring both of their modules. Runs on macOS only, with
# Xcode and, beyond scripts/setup.sh:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios \
#     aarch64-apple-darwin x86_64-apple-darwin
# The Swift sources the package compiles are the committed ones in
# bindings/generated/swift (scripts/generated.sh checks them against the code).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

if [ "$(uname)" != Darwin ]; then
  echo "build-xcframework.sh builds for iOS and macOS, and needs a Mac with Xcode (this is $(uname))." >&2
  exit 1
fi
command -v xcodebuild >/dev/null || {
  echo "xcodebuild is missing: install Xcode, then run: sudo xcode-select -s /Applications/Xcode.app" >&2
  exit 1
}
command -v lipo >/dev/null || { echo "lipo is missing: install Xcode's command line tools" >&2; exit 1; }
command -v rustup >/dev/null || { echo "rustup is missing: see https://rustup.rs" >&2; exit 1; }

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
installed="$(rustup target list --installed)"
missing=()
for target in "${targets[@]}"; do
  grep -qx "$target" <<<"$installed" || missing+=("$target")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Rust targets missing for the XCFramework; add them with:" >&2
  echo "  rustup target add ${missing[*]}" >&2
  exit 1
fi

generated="bindings/generated/swift"
for file in portal_ffiFFI.h portal_modelFFI.h portal_ffiFFI.modulemap portal_modelFFI.modulemap; do
  [ -f "$generated/$file" ] || { echo "$generated/$file is missing: run scripts/build.sh and scripts/generated.sh --update" >&2; exit 1; }
done

# The package's platforms (Package.swift): iOS 15, macOS 12.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

for target in "${targets[@]}"; do
  echo "[xcframework] cargo build --profile ffi --target $target"
  cargo build --locked -p portal-ffi --profile ffi --target "$target"
done

library() { echo "$CARGO_TARGET_DIR/$1/ffi/libportal_ffi.a"; }

work="$PORTAL_CACHE/xcframework"
rm -rf "$work"
mkdir -p "$work/headers" "$work/ios-simulator" "$work/macos"

# One headers directory for every slice: both headers, and one module map with both
# modules (each generated .modulemap declares one; they are kept as they are).
cp "$generated/portal_ffiFFI.h" "$generated/portal_modelFFI.h" "$work/headers/"
{
  cat "$generated/portal_ffiFFI.modulemap"
  echo
  cat "$generated/portal_modelFFI.modulemap"
  echo
} >"$work/headers/module.modulemap"

lipo -create "$(library aarch64-apple-ios-sim)" "$(library x86_64-apple-ios)" \
  -output "$work/ios-simulator/libportal_ffi.a"
lipo -create "$(library aarch64-apple-darwin)" "$(library x86_64-apple-darwin)" \
  -output "$work/macos/libportal_ffi.a"

out="bindings/swift/PortalFFI.xcframework"
rm -rf "$out"
xcodebuild -create-xcframework \
  -library "$(library aarch64-apple-ios)" -headers "$work/headers" \
  -library "$work/ios-simulator/libportal_ffi.a" -headers "$work/headers" \
  -library "$work/macos/libportal_ffi.a" -headers "$work/headers" \
  -output "$out"
echo "XCFramework: $out (the Swift package: bindings/Package.swift)"
