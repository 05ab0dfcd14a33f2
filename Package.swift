// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "dupfs",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dupfs", targets: ["dupfs"]),
        .executable(name: "dupfs-fixture", targets: ["dupfs-fixture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
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
            name: "CSQLite", path: "CModules/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),

        // Byte-level building blocks.
        .target(name: "ByteSource"),
        .target(name: "Digests", dependencies: ["COpenSSL"]),
        .target(name: "AESCrypt", dependencies: ["COpenSSL", "ByteSource", "Digests"]),
        .target(name: "Zip", dependencies: ["CZlib", "ByteSource"]),

        // Duplicati's remote format: bytes in, values out.
        .target(name: "DuplicatiFormat"),

        // Where volumes live, and the local index.
        .target(name: "Storage", dependencies: ["ByteSource"]),
        .target(name: "Catalog", dependencies: ["CSQLite"]),

        // Opening a backup, indexing it, reading and restoring files.
        .target(
            name: "Backup",
            dependencies: [
                "ByteSource", "Digests", "AESCrypt", "Zip", "DuplicatiFormat", "Storage", "Catalog",
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "dupfs",
            dependencies: [
                "Backup", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // A Duplicati-format backup writer, independent of the reader, for tests and demos.
        .target(name: "TestSupport", dependencies: ["AESCrypt", "Zip", "Digests"]),
        .executableTarget(
            name: "dupfs-fixture",
            dependencies: [
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "DigestsTests", dependencies: ["Digests"]),
        .testTarget(name: "AESCryptTests", dependencies: ["AESCrypt", "ByteSource", "Digests"]),
        .testTarget(name: "ZipTests", dependencies: ["Zip", "ByteSource"]),
        .testTarget(name: "DuplicatiFormatTests", dependencies: ["DuplicatiFormat"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport", "AESCrypt", "Zip", "ByteSource"]),
        .testTarget(
            name: "BackupTests",
            dependencies: ["Backup", "Storage", "TestSupport", "DuplicatiFormat", "Digests"]),
        .testTarget(name: "CommandLineTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
