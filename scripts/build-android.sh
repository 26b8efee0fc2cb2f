#!/usr/bin/env bash
# Builds the Android library (AAR) of the SDK: libportal_ffi.so for the four Android
# ABIs with cargo-ndk, then the Gradle module in bindings/kotlin. Needs, beyond
# scripts/setup.sh: the Android SDK and NDK (ANDROID_HOME, ANDROID_NDK_HOME), Gradle 8,
# `cargo install cargo-ndk`, and `rustup target add aarch64-linux-android
# armv7-linux-androideabi x86_64-linux-android i686-linux-android`. (The NDK cannot be
# fetched on the project's Linux build machines: this runs on a developer's machine.)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the NDK (Android Studio: SDK Manager, NDK 27)}"
command -v cargo-ndk >/dev/null || { echo "cargo-ndk is missing: cargo install cargo-ndk" >&2; exit 1; }
command -v gradle >/dev/null || { echo "gradle is missing (Gradle 8)" >&2; exit 1; }

jni="bindings/kotlin/build/jniLibs"
rm -rf "$jni"
# API 26 (Android 8) is the module's minSdk.
cargo ndk --platform 26 -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 -o "$jni" \
  build --locked -p portal-ffi --features android --profile ffi
ls -l "$jni"/*/libportal_ffi.so

# The generated Kotlin the AAR compiles is the committed one; make sure it is current.
bash scripts/generated.sh
(cd bindings/kotlin && gradle --no-daemon assembleRelease)
echo "AAR: bindings/kotlin/build/outputs/aar/patient-portal-sdk-release.aar"
