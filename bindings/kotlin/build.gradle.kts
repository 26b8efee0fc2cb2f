plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.1.0"
}

android {
    namespace = "org.patientportal.sdk"
    compileSdk = 35
    // The NDK release cargo-ndk builds the native library with (scripts/build-android.sh).
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets["main"].apply {
        // The committed generated bindings (checked against the code in CI), the Flow
        // layer (src/main: plain Kotlin, also compiled and tested on the JVM), and what
        // needs Android's own APIs (src/android: the Keystore secret store).
        java.srcDirs("src/main/kotlin", "src/android/kotlin", "../generated/kotlin")
        // libportal_ffi.so for arm64-v8a, armeabi-v7a, x86_64 and x86.
        jniLibs.srcDirs("build/jniLibs")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated code calls the library through JNA; Android needs its AAR (it
    // carries libjnidispatch.so for each ABI).
    implementation("net.java.dev.jna:jna:5.15.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}
