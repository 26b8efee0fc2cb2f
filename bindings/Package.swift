// swift-tools-version:5.10
// The Swift package of the patient portal SDK: the core (Rust, in an XCFramework that
// scripts/build-xcframework.sh builds on a Mac), its UniFFI-generated Swift (committed
// under generated/swift), and the async layer apps use (swift/Sources/PatientPortal).
//
//   bash scripts/build-xcframework.sh      # once, and after every change to the core
//   cd bindings && swift test               # needs PORTAL_SERVER_BIN (the server binary)
//   cd bindings && swift run HelloPortal [server url] [invite link]
import PackageDescription

let package = Package(
    name: "PatientPortal",
    platforms: [
        .iOS(.v15),
        .macOS(.v12),
    ],
    products: [
        .library(name: "PatientPortal", targets: ["PatientPortal"]),
    ],
    targets: [
        // libportal_ffi.a for devices, simulators and Macs, with both C headers and one
        // module map declaring the `portal_ffiFFI` and `portal_modelFFI` modules.
        .binaryTarget(
            name: "PortalFFIBinary",
            path: "swift/PortalFFI.xcframework"
        ),
        // Both generated files in one module: portal_ffi.swift uses portal_model's types
        // without importing them.
        .target(
            name: "PortalFFI",
            dependencies: ["PortalFFIBinary"],
            path: "generated/swift",
            exclude: [
                "portal_ffiFFI.h",
                "portal_ffiFFI.modulemap",
                "portal_modelFFI.h",
                "portal_modelFFI.modulemap",
            ],
            sources: [
                "portal_ffi.swift",
                "portal_model.swift",
            ],
            linkerSettings: [
                // The core's TLS verifies certificates with the platform's trust store.
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
        .target(
            name: "PatientPortal",
            dependencies: ["PortalFFI"],
            path: "swift/Sources/PatientPortal"
        ),
        .testTarget(
            name: "PatientPortalTests",
            dependencies: ["PatientPortal"],
            path: "swift/Tests/PatientPortalTests"
        ),
        // A macOS SwiftUI sample: opens an invite, signs in, shows the first sync, the
        // next appointment and the unread conversations.
        .executableTarget(
            name: "HelloPortal",
            dependencies: ["PatientPortal"],
            path: "swift/Samples/HelloPortal"
        ),
    ]
)
