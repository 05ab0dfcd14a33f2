import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// kill -9 at the worst moments leaves nothing that the next run trusts wrongly.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs FUSE and the built dupfs"))
final class InterruptionTests {
    let root: URL
    let backup: URL
    let cache: String

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-kill")
        backup = root.appendingPathComponent("backup")
        cache = root.appendingPathComponent("cache").path
        // Bigger than the sample: many versions' worth of file lists and blocks to chew on.
        var options = FixtureOptions(blocksize: 4096, volumeSize: 256 << 10)
        options.encryption = .aes(.v2, passphrase: "kill")
        let writer = try FixtureBackupWriter(directory: backup, options: options)
        var generator = SeededGenerator(seed: "kill")
        for version in 0..<6 {
            var entries = [FixtureEntry(path: "/data/tree", content: .folder, mode: 0o755)]
            for i in 0..<250 {
                let size = Int.random(in: 0...12_000, using: &generator)
                let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
                entries.append(FixtureEntry(path: "/data/tree/f\(i % 20)/file-\(i)-v\(version % 2).bin", content: .file(bytes), mode: 0o644))
            }
            for folder in 0..<20 { entries.append(FixtureEntry(path: "/data/tree/f\(folder)", content: .folder, mode: 0o755)) }
            try writer.addVersion(entries, time: Date(timeIntervalSince1970: 1_700_000_000 + Double(version) * 86_400))
        }
        try Data("kill\n".utf8).write(to: root.appendingPathComponent("pass"))
    }

    deinit {
        MountHarness.unmount(root.appendingPathComponent("mnt").path)
        try? FileManager.default.removeItem(at: root)
    }

    var pass: String { root.appendingPathComponent("pass").path }

    /// Starts dupfs, kills it with SIGKILL after `delay` seconds (or when it ends by itself).
    func killDuring(_ arguments: [String], after delay: Double) throws {
        let process = Process()
        process.executableURL = DupfsProcess.binDirectory.appendingPathComponent("dupfs")
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        usleep(useconds_t(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test(arguments: [0.05, 0.15, 0.3])
    func killedIndexBuildIsResumedAndComplete(delay: Double) throws {
        try killDuring(["versions", backup.path, "--cache-dir", cache, "--passphrase-file", pass], after: delay)
        let result = try DupfsProcess.run(["versions", backup.path, "--cache-dir", cache, "--passphrase-file", pass, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 6)
        #expect(rows.allSatisfy { $0["files"] as? Int == 250 })
        // And every file of the newest version restores with its hash verified.
        let target = root.appendingPathComponent("after-\(delay)")
        let restore = try DupfsProcess.run(["restore", backup.path, "--target", target.path, "--cache-dir", cache, "--passphrase-file", pass])
        #expect(restore.status == 0, "\(restore.stdout) \(restore.stderr)")
        #expect(restore.stdout.contains("250 files"))
    }

    @Test func killedRestoreCanBeRunAgain() throws {
        _ = try DupfsProcess.run(["versions", backup.path, "--cache-dir", cache, "--passphrase-file", pass])
        let target = root.appendingPathComponent("restore")
        try killDuring(["restore", backup.path, "--target", target.path, "--cache-dir", cache, "--passphrase-file", pass], after: 0.3)
        let again = try DupfsProcess.run(["restore", backup.path, "--target", target.path, "--overwrite", "--cache-dir", cache, "--passphrase-file", pass])
        #expect(again.status == 0, "\(again.stderr)")
        let snapshot = try TreeSnapshot.capture(target)
        let leftovers = snapshot.items.keys.map { String(decoding: $0, as: UTF8.self) }.filter { $0.contains("dupfs-partial") }
        #expect(leftovers.isEmpty, "\(leftovers.prefix(3))")
        #expect(snapshot.items.values.filter { $0.kind == .file }.count == 250)
    }

    @Test func killedMountIsReportedWithTheWayToClearIt() throws {
        let mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        let mounted = try DupfsProcess.run(["mount", backup.path, mountpoint.path, "--cache-dir", cache, "--passphrase-file", pass])
        #expect(mounted.status == 0, "\(mounted.stderr)")
        let pid = try #require(MountServer.pid(for: mountpoint.path))
        kill(pid, SIGKILL)
        #expect(MountHarness.waitForExit(pid))
        let again = try DupfsProcess.run(["mount", backup.path, mountpoint.path, "--cache-dir", cache, "--passphrase-file", pass])
        #expect(again.status == 64)
        #expect(again.stderr.contains("fusermount3 -u"), "\(again.stderr)")
        MountHarness.unmount(mountpoint.path)
        // Once cleared, it mounts again and the index is still good.
        let third = try DupfsProcess.run(["mount", backup.path, mountpoint.path, "--cache-dir", cache, "--passphrase-file", pass])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountpoint.path).count == 7)
    }
}
