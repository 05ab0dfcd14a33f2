import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Every command over `pcloud://` against the bundled emulator gives what it gives on the same
/// backup in a folder; errors a pCloud user can make get clear messages.
@Suite(.serialized, .enabled(if: MountHarness.emulatorBuilt, "needs the built dupfs and pcloud-emulator"))
final class PCloudEndToEndTests {
    let root: URL
    let drive: URL
    let emulator: EmulatorProcess
    let passFile: String
    let cache: String

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-pcloud")
        drive = root.appendingPathComponent("drive")
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "cloud pass")
        try SampleBackup.write(to: drive.appendingPathComponent("Backups/laptop"), options: options)
        emulator = try EmulatorProcess(
            executable: DupfsProcess.binDirectory.appendingPathComponent("pcloud-emulator"), root: drive,
            work: root.appendingPathComponent("emulator"), tokens: ["good-token", "eu-token:eu"])
        passFile = root.appendingPathComponent("pass").path
        try Data("cloud pass\n".utf8).write(to: URL(fileURLWithPath: passFile))
        cache = root.appendingPathComponent("cache").path
    }

    deinit {
        MountHarness.unmount(root.appendingPathComponent("mnt").path)
        emulator.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func dupfs(_ arguments: [String], url: String = "pcloud://api.pcloud.com/Backups/laptop", environment: [String: String] = ["PCLOUD_AUTHID": "good-token"]) throws -> DupfsProcess.Result {
        try DupfsProcess.run(
            [arguments[0], url] + arguments.dropFirst()
                + ["--pcloud-api", emulator.httpsURL, "--ca-file", emulator.caPath, "--cache-dir", cache, "--passphrase-file", passFile],
            environment: environment)
    }

    @Test func commandsGiveTheSameResultsAsOnTheFolder() throws {
        let folder = "file://" + drive.appendingPathComponent("Backups/laptop").path
        for command in [["versions", "--json"], ["ls", "-R", "--json", "--version", "1"], ["ls", "-l", "data/sample"]] {
            let cloud = try dupfs(command)
            let local = try dupfs(command, url: folder)
            #expect(cloud.status == 0, "\(command): \(cloud.stderr)")
            if command.contains("versions") {
                // The dlist names are the same; only the location differs.
                #expect(cloud.stdout == local.stdout)
            } else {
                #expect(cloud.stdout == local.stdout, "\(command)")
            }
        }
        let target = root.appendingPathComponent("restored")
        let restore = try dupfs(["restore", "--target", target.path, "--version", "2"])
        #expect(restore.status == 0, "\(restore.stderr)")
        let expected = root.appendingPathComponent("expected")
        try materialize(SampleBackup.versions()[0], into: expected)
        let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(target), folderTimes: false)
        #expect(diff.isEmpty, "\(diff.prefix(10))")
    }

    @Test func tokenInTheURLWorksAndNeverShowsUp() throws {
        let result = try dupfs(["versions"], url: "pcloud://api.pcloud.com/Backups/laptop?authid=good-token", environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        let bad = try dupfs(["versions"], url: "pcloud://api.pcloud.com/Backups/laptop?authid=revoked-secret-token", environment: [:])
        #expect(bad.status == 67)
        #expect(!bad.stderr.contains("revoked-secret-token") && !bad.stdout.contains("revoked-secret-token"))
        let log = (try? String(contentsOf: emulator.requestLog, encoding: .utf8)) ?? ""
        #expect(!log.contains("good-token") && !log.contains("revoked-secret-token"))
    }

    @Test func usersMistakesGetClearMessages() throws {
        let none = try dupfs(["versions"], environment: [:])
        #expect(none.status == 67)
        #expect(none.stderr.contains("PCLOUD_AUTHID") || none.stderr.contains("authid"), "\(none.stderr)")
        let region = try dupfs(["versions"], environment: ["PCLOUD_AUTHID": "eu-token"])
        #expect(region.status == 67)
        #expect(region.stderr.contains("eapi.pcloud.com"), "\(region.stderr)")
        let folder = try dupfs(["versions"], url: "pcloud://api.pcloud.com/Backups/desktop")
        #expect(folder.status == 66)
        #expect(folder.stderr.contains("/Backups/desktop"), "\(folder.stderr)")
        let malformed = try dupfs(["versions"], url: "pcloud://")
        #expect(malformed.status == 64)
        for result in [none, region, folder, malformed] {
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test func warmIndexCostsOneListingAndNoDataDownloads() throws {
        // The first listing reads the file lists and the symlinks' metadata into the index.
        #expect(try dupfs(["ls", "-R"]).status == 0)
        let before = emulator.requests().count
        #expect(try dupfs(["ls", "-R"]).status == 0)
        let calls = emulator.requests().dropFirst(before).compactMap { $0["method"] as? String }
        #expect(calls.filter { $0 == "listfolder" }.count == 1, "\(calls)")
        // One volume header read checks the passphrase; nothing else is fetched.
        #expect(calls.filter { $0 == "download" }.count <= 2, "\(calls)")
    }

    @Test func mountOverPCloudServesEveryVersion() throws {
        let mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        let result = try dupfs(["mount", mountpoint.path])
        #expect(result.status == 0, "\(result.stderr)")
        defer { MountHarness.unmount(mountpoint.path) }
        for (index, name) in ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"].enumerated() {
            let copy = root.appendingPathComponent("copy-\(index)")
            #expect(try MountHarness.copyAll(mountpoint.appendingPathComponent(name).path, copy.path) == 0)
            let expected = root.appendingPathComponent("expected-\(index)")
            try materialize(SampleBackup.versions()[index], into: expected)
            let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(copy), folderTimes: false)
            #expect(diff.isEmpty, "\(name): \(diff.prefix(10))")
        }
        // A remount reads what was read before from the disk cache: no downloads at all.
        let readme = mountpoint.path + "/latest/data/sample/big.bin"
        let first = FileManager.default.contents(atPath: readme)
        MountHarness.unmount(mountpoint.path)
        let before = emulator.requests().count
        #expect(try dupfs(["mount", mountpoint.path]).status == 0)
        #expect(FileManager.default.contents(atPath: readme) == first)
        let calls = emulator.requests().dropFirst(before).compactMap { $0["method"] as? String }
        #expect(!calls.contains("download") && !calls.contains("getfilelink"), "\(calls)")
        // The mount process's command line carries no secret.
        let pid = try #require(MountServer.pid(for: mountpoint.path))
        let cmdline = String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
        #expect(!cmdline.contains("good-token") && !cmdline.contains("cloud pass"))
        let environment = String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data(), as: UTF8.self)
        #expect(!environment.contains("good-token") && !environment.contains("cloud pass"))
        // No core file of ours could hold them either.
        let limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
        #expect(limits.split(separator: "\n").contains { $0.hasPrefix("Max core file size") && $0.split(separator: " ").contains("0") })
    }

    @Test func secretsStayOutOfLogsAndCachesAreOwnerOnly() throws {
        let mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        let log = root.appendingPathComponent("debug.log").path
        let result = try dupfs(["mount", mountpoint.path, "--log-level", "trace", "--log-file", log],
                               url: "pcloud://api.pcloud.com/Backups/laptop?authid=good-token", environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        _ = FileManager.default.contents(atPath: mountpoint.path + "/latest/data/sample/README.txt")
        _ = try? FileManager.default.contentsOfDirectory(atPath: mountpoint.path + "/nonexistent")
        MountHarness.unmount(mountpoint.path)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(!text.isEmpty)
        #expect(!text.contains("good-token") && !text.contains("cloud pass"))
        // Everything dupfs keeps is readable by its owner only.
        var exposed: [String] = []
        if let walker = FileManager.default.enumerator(atPath: cache) {
            for case let item as String in walker {
                var info = stat()
                guard lstat(cache + "/" + item, &info) == 0 else { continue }
                if info.st_mode & 0o077 != 0 { exposed.append("\(item) \(String(info.st_mode & 0o777, radix: 8))") }
            }
        }
        #expect(exposed.isEmpty, "\(exposed)")
        var info = stat()
        #expect(stat(log, &info) == 0 && info.st_mode & 0o077 == 0)
    }
}
