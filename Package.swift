// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "dupfs",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dupfs", targets: ["dupfs"]),
        .executable(name: "dupfs-fixture", targets: ["dupfs-fixture"]),
        .executable(name: "pcloud-emulator", targets: ["pcloud-emulator"]),
        .executable(name: "dupfs-reliability", targets: ["dupfs-reliability"]),
        .executable(name: "dupfs-bench", targets: ["dupfs-bench"]),
        .executable(name: "dupfs-manual", targets: ["dupfs-manual"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // C at the bottom.
        .systemLibrary(
            name: "COpenSSL", path: "CModules/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "CModules/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "CModules/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CFuse", path: "CModules/CFuse", pkgConfig: "fuse3",
            providers: [.apt(["libfuse3-dev"])]),
        .systemLibrary(
            name: "CDeflate", path: "CModules/CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(
            name: "CZstd", path: "CModules/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CBZip2", path: "CModules/CBZip2", providers: [.apt(["libbz2-dev"])]),
        .systemLibrary(
            name: "CLzma", path: "CModules/CLzma", pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CProcess", path: "CModules/CProcess"),
        .systemLibrary(
            name: "CSQLite", path: "CModules/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),

        // Byte-level building blocks.
        .target(name: "ByteSource"),
        .target(name: "FetchPlanner"),
        // PPMd variant I (zip method 98): our own codec, no system library has it.
        // Optimised even in debug builds: a model update is thousands of small memory accesses,
        // and the debug code is too slow for the tests' multi-megabyte streams.
        .target(name: "PPMd", swiftSettings: [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])]),
        .target(name: "Digests", dependencies: ["COpenSSL"]),
        .target(name: "AESCrypt", dependencies: ["COpenSSL", "ByteSource", "Digests"]),
        .target(name: "Zip", dependencies: ["CZlib", "CDeflate", "CZstd", "CBZip2", "CLzma", "PPMd", "ByteSource"]),

        // Duplicati's remote format: bytes in, values out.
        .target(name: "DuplicatiFormat", dependencies: ["Digests"]),

        // Where volumes live, and the local index.
        .target(name: "Storage", dependencies: ["ByteSource", "FetchPlanner"]),
        .target(name: "Catalog", dependencies: ["CSQLite"]),

        // HTTP over libcurl, and the pCloud client on top of it.
        .target(name: "HTTP", dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "PCloud",
            dependencies: ["HTTP", "Storage", "ByteSource", .product(name: "Logging", package: "swift-log")]),

        // A thin Swift layer over libfuse3's low-level API.
        .target(name: "FuseKit", dependencies: ["CFuse", .product(name: "Logging", package: "swift-log")]),

        // Opening a backup, indexing it, reading and restoring files.
        .target(
            name: "Backup",
            dependencies: [
                "ByteSource", "Digests", "AESCrypt", "Zip", "DuplicatiFormat", "Storage", "Catalog", "FetchPlanner",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The mount: a backup as a read-only filesystem.
        .target(
            name: "BackupFS",
            dependencies: ["Backup", "Catalog", "FuseKit", .product(name: "Logging", package: "swift-log")]),

        .executableTarget(
            name: "dupfs",
            dependencies: [
                "Backup", "BackupFS", "FuseKit", "Storage", "PCloud", "CProcess", "FetchPlanner", "AESCrypt",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // A Duplicati-format backup writer, independent of the reader, for tests and demos.
        .target(name: "TestSupport", dependencies: ["AESCrypt", "Zip", "Digests", "ByteSource"]),
        .executableTarget(
            name: "dupfs-fixture",
            dependencies: [
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Renders docs/man/dupfs.1 from the CLI definition (dupfs --experimental-dump-help).
        .executableTarget(name: "dupfs-manual"),

        .executableTarget(
            name: "dupfs-reliability",
            dependencies: ["TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Measures dupfs through its mount against the targets and against restic/borg.
        .executableTarget(
            name: "dupfs-bench",
            dependencies: [
                "TestSupport", "AESCrypt", "Zip", "Digests", "ByteSource",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"]),

        // A pCloud stand-in on loopback, for tests and the demo.
        .target(
            name: "PCloudEmulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]),
        .executableTarget(
            name: "pcloud-emulator",
            dependencies: ["PCloudEmulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "DigestsTests", dependencies: ["Digests"]),
        .testTarget(name: "FetchPlannerTests", dependencies: ["FetchPlanner", "TestSupport"]),
        .testTarget(name: "AESCryptTests", dependencies: ["AESCrypt", "ByteSource", "Digests"]),
        .testTarget(name: "ZipTests", dependencies: ["Zip", "ByteSource"]),
        .testTarget(name: "PPMdTests", dependencies: ["PPMd"]),
        .testTarget(name: "DuplicatiFormatTests", dependencies: ["DuplicatiFormat", "Digests"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"]),
        .testTarget(
            name: "FuzzRegressionTests",
            dependencies: ["AESCrypt", "Zip", "DuplicatiFormat", "ByteSource", "Digests"],
            exclude: ["Inputs"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "ByteSource"]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport", "AESCrypt", "Zip", "ByteSource"]),
        .testTarget(
            name: "BackupTests",
            dependencies: ["Backup", "Storage", "TestSupport", "DuplicatiFormat", "Digests"]),
        .testTarget(name: "CommandLineTests", dependencies: ["TestSupport", "AESCrypt"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
        .testTarget(name: "FuseKitTests", dependencies: ["FuseKit"]),
        .testTarget(
            name: "BackupFSTests",
            dependencies: ["BackupFS", "Backup", "Catalog", "FuseKit", "Storage", "TestSupport"]),
        .testTarget(name: "PCloudEmulatorTests", dependencies: ["PCloudEmulator", "TestSupport"]),
        .testTarget(name: "PCloudTests", dependencies: ["PCloud", "HTTP", "Storage", "ByteSource", "PCloudEmulator"]),
    ],
    swiftLanguageModes: [.v6]
)
