import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A cold mount over a slow link shows exactly the backed-up attributes: every request of the
/// emulator waits 40 ms and 30% of downloads 1.5 s more, the cache is empty, and the versions
/// are walked the moment the mount is up. Nothing may show a placeholder (the version's time on
/// a folder, whole-second mtimes, default modes, a symlink of size 0) even briefly: the kernel
/// keeps what it was told for a day.
@Suite(.serialized, .enabled(if: MountHarness.emulatorBuilt, "needs the built dupfs and pcloud-emulator"))
final class ColdAttributesTests {
    let root: URL
    let drive: URL
    let emulator: EmulatorProcess
    let passFile: String

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-cold")
        drive = root.appendingPathComponent("drive")
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "cold pass")
        let writer = try FixtureBackupWriter(directory: drive.appendingPathComponent("Backups/laptop"), options: options)
        for (tree, time) in zip(Self.trees, SampleBackup.times) {
            _ = try writer.addVersion(tree, time: time)
        }
        emulator = try EmulatorProcess(
            executable: DupfsProcess.binDirectory.appendingPathComponent("pcloud-emulator"), root: drive,
            work: root.appendingPathComponent("emulator"), tokens: ["good-token"])
        passFile = root.appendingPathComponent("pass").path
        try Data("cold pass\n".utf8).write(to: URL(fileURLWithPath: passFile))
    }

    deinit {
        MountHarness.unmount(root.appendingPathComponent("mnt").path)
        emulator.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// The sample's three versions, each with a few hundred more entries: folders of files
    /// with their own modes and sub-second mtimes (a few change from one version to the next).
    static let trees: [[FixtureEntry]] = SampleBackup.versions().enumerated().map { index, tree in
        var extra: [FixtureEntry] = []
        for folder in 0..<8 {
            let base = "/data/sample/many-\(folder)"
            extra.append(FixtureEntry(path: base, content: .folder, mode: 0o750 + UInt32(folder % 2) * 5,
                                      mtimeSeconds: 1_690_000_000 + Int64(folder), mtimeNanoseconds: Int32(folder * 1_000_100)))
            for file in 0..<30 {
                let changed = file % 10 == index
                extra.append(FixtureEntry(
                    path: "\(base)/f-\(file).txt", content: .file(Array("file \(folder)/\(file)\(changed ? " v\(index)" : "")\n".utf8)),
                    mode: [0o644, 0o600, 0o640, 0o755][file % 4], mtimeSeconds: 1_695_000_000 + Int64(folder * 100 + file) + (changed ? Int64(index) : 0),
                    mtimeNanoseconds: Int32((file * 7_919) % 10_000_000) * 100))
            }
        }
        return tree + extra
    }

    @Test func coldWalkOverASlowLinkShowsExactlyTheBackedUpAttributes() throws {
        let mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        let mounted = try DupfsProcess.run(
            ["mount", "pcloud://api.pcloud.com/Backups/laptop", mountpoint.path, "--pcloud-api", emulator.httpsURL,
             "--ca-file", emulator.caPath, "--cache-dir", root.appendingPathComponent("cache").path,
             "--passphrase-file", passFile, "--io-timeout", "30"],
            environment: ["PCLOUD_AUTHID": "good-token"])
        #expect(mounted.status == 0, "\(mounted.stderr)")
        defer { MountHarness.unmount(mountpoint.path) }
        // From now on the link is slow: every answer waits 40 ms, 30% of downloads 1.5 s more.
        try emulator.addFaults("""
            [{"method":"*","times":null,"action":"delay","ms":40},
             {"method":"download","times":null,"probability":0.3,"action":"delay","ms":1500}]
            """)
        let names = ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"]
        for (index, name) in names.enumerated().reversed() {
            let expected = root.appendingPathComponent("expected-\(index)")
            try materialize(Self.trees[index], into: expected)
            let source = try TreeSnapshot.capture(expected)
            // Every lstat (folders, mtimes to the nanosecond, modes, owners, sizes, link targets)
            // and every byte, straight from the cold mount.
            let started = Date()
            let seen = try TreeSnapshot.capture(mountpoint.appendingPathComponent(name))
            // For the record (no timed assertion): the whole cold walk of this version.
            print("cold walk of \(name): \(seen.items.count) entries in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            // `data` was only an ancestor of the source root: the backup holds no time for it.
            let diff = source.differences(from: seen, owners: getuid() == 0, folderTimes: true).filter { !$0.hasPrefix("data: mtime") }
            #expect(diff.isEmpty, "\(name) as mounted: \(diff.prefix(10))")
            // And what `cp -a` makes of it.
            let copy = root.appendingPathComponent("copy-\(index)")
            #expect(try MountHarness.copyAll(mountpoint.appendingPathComponent(name).path, copy.path) == 0)
            let copied = source.differences(from: try TreeSnapshot.capture(copy), owners: getuid() == 0, folderTimes: true)
                .filter { !$0.hasPrefix("data: mtime") }
            #expect(copied.isEmpty, "\(name) copied: \(copied.prefix(10))")
        }
    }
}
