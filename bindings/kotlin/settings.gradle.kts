// The Android library (AAR) of the Patient Portal SDK: the generated Kotlin bindings
// (../generated/kotlin), the Flow layer (src/main/kotlin) and the native library for
// four ABIs (build/jniLibs, by scripts/build-android.sh). See ../README.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "patient-portal-sdk"
