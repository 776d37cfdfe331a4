// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rr-swift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rr-supervisor", targets: ["rr-supervisor"]),
        .executable(name: "rr-trace-writer", targets: ["rr-trace-writer"]),
        .executable(name: "rr-replayer", targets: ["rr-replayer"]),
        .executable(name: "rr-inspect", targets: ["rr-inspect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        .target(name: "CRRShims", linkerSettings: [.linkedLibrary("crypto")]),
        // Decodes instructions around a syscall site before it is patched (Debian libzydis-dev).
        .target(name: "CPatchDecoder", linkerSettings: [.linkedLibrary("Zydis")]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .target(name: "RRCore", dependencies: [
            "CRRShims", "CElf", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "RRTrace", dependencies: [
            "RRCore", "CZlib", "CZstd", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "RRPtrace", dependencies: [
            "RRCore", "CRRShims", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "RRRecord", dependencies: [
            "RRCore", "RRTrace", "RRPtrace", "CRRShims", "CPatchDecoder", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // The gdb remote serial protocol: packets, requests, the target description, one session.
        .target(name: "RRGdb", dependencies: ["CRRShims"]),
        .target(name: "RRReplay", dependencies: [
            "RRGdb", "RRCore", "RRTrace", "RRPtrace", "CRRShims", "CPatchDecoder", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .executableTarget(name: "rr-supervisor", dependencies: [
            "RRRecord", "RRTrace", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "rr-trace-writer", dependencies: [
            "RRTrace", "CRRShims", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "rr-replayer", dependencies: [
            "RRReplay", "RRTrace", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "RRInspect", dependencies: [
            "RRCore", "RRTrace", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .executableTarget(name: "rr-inspect", dependencies: [
            "RRInspect", "RRTrace", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Fuzz targets over the trace reader and decoder (see Sources/RRFuzzTargets). A normal
        // build makes each a plain program that runs the files it is given through the target;
        // `make fuzz` builds them with -sanitize=fuzzer,address and -DRR_LIBFUZZER, where their
        // main starts libFuzzer's driver instead.
        .target(name: "RRFuzzTargets", dependencies: [
            "RRTrace", "RRCore", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .executableTarget(name: "rr-fuzz-stream", dependencies: ["RRFuzzTargets"]),
        .executableTarget(name: "rr-fuzz-events", dependencies: ["RRFuzzTargets"]),
        .testTarget(name: "RRCoreTests", dependencies: ["RRCore", "CPatchDecoder"]),
        .testTarget(name: "RRGdbTests", dependencies: ["RRGdb"]),
        .testTarget(name: "RRPtraceTests", dependencies: ["RRPtrace"]),
        .testTarget(name: "RRTraceTests", dependencies: ["RRTrace", "RRCore", "RRFuzzTargets"]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "RRTrace", "RRCore", .product(name: "SystemPackage", package: "swift-system"),
        ]),
    ]
)
