import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Hostile co-users and careless users (docs/reliability.md): a cache folder someone else
/// controls, a relative or full cache folder, a token about to travel in clear text, a
/// passphrase left in /proc, and what a restore as root brings back.
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct HostileCoUserTests {
    static let isRoot = geteuid() == 0
    let root: URL
    let backup: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-hostile-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup")
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "secret-pass-123")
        try SampleBackup.write(to: backup, options: options)
        try Data("secret-pass-123\n".utf8).write(to: root.appendingPathComponent("pass"))
    }

    var passFile: String { root.appendingPathComponent("pass").path }

    func dupfs(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> DupfsProcess.Result {
        try DupfsProcess.run(arguments, environment: environment, directory: directory)
    }

    @Test func aRelativeCacheDirIsResolvedAgainstTheWorkingFolder() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let work = root.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        for command in [["versions", backup.path], ["ls", backup.path, "-R"]] {
            let result = try dupfs(command + ["--cache-dir", "c", "--passphrase-file", passFile], directory: work)
            #expect(result.status == 0, "\(command[0]): \(result.stderr)")
        }
        let made = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("c").path)
        #expect(made.count == 1, "one backup folder under the relative cache root: \(made)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("c/\(made.first ?? "")/index.sqlite").path))
    }

    @Test(.enabled(if: isRoot, "needs root to give a folder to another user"))
    func aCacheFolderOfAnotherUserIsRefusedWithItsName() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = root.appendingPathComponent("theirs").path
        #expect(mkdir(cache, 0o755) == 0 && chown(cache, 65534, 65534) == 0)
        let result = try dupfs(["ls", backup.path, "--cache-dir", cache, "--passphrase-file", passFile])
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains(cache) && result.stderr.contains("--cache-dir"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).isEmpty, "the decrypted file list went into their folder")
    }

    /// In a shared sticky folder, another user took the name of our backup's folder first.
    @Test(.enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs root and setpriv"))
    func aBackupFolderNameTakenByAnotherUserIsRefusedWithItsName() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let shared = root.appendingPathComponent("shared").path
        #expect(mkdir(shared, 0o700) == 0 && chmod(shared, 0o1777) == 0 && chmod(root.path, 0o755) == 0)
        // Root runs first and makes its private folder; then nobody asks for the same backup.
        #expect(try dupfs(["versions", backup.path, "--cache-dir", shared, "--passphrase-file", passFile]).status == 0)
        let taken = try FileManager.default.contentsOfDirectory(atPath: shared)
        try #require(taken.count == 1)
        #expect(chmod(passFile, 0o644) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups",
                             DupfsProcess.binDirectory.appendingPathComponent("dupfs").path,
                             "versions", backup.path, "--cache-dir", shared, "--passphrase-file", passFile]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 74, "\(message)")
        #expect(message.contains(shared + "/" + taken[0]) && message.contains("another user") && message.contains("--cache-dir"), "\(message)")
    }

    @Test func aSharedStickyCacheDirKeepsItsMode() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        // What `--cache-dir /tmp` is, without touching /tmp: used through a private folder inside.
        let shared = root.appendingPathComponent("shared").path
        #expect(mkdir(shared, 0o700) == 0 && chmod(shared, 0o1777) == 0)
        let result = try dupfs(["versions", backup.path, "--cache-dir", shared, "--passphrase-file", passFile])
        #expect(result.status == 0, "\(result.stderr)")
        var info = stat()
        #expect(stat(shared, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o1777, "dupfs changed the mode of a folder it did not create")
    }

    @Test(.enabled(if: isRoot, "needs root to mount a small tmpfs"))
    func aFullCacheDiskNamesTheFolderAndTheWayOut() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let small = root.appendingPathComponent("small").path
        #expect(mkdir(small, 0o700) == 0)
        try #require(Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", small]) == 0)
        defer { _ = Self.command("/bin/umount", [small]) }
        let result = try dupfs(["ls", backup.path, "--cache-dir", small, "--passphrase-file", passFile])
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains(small), "\(result.stderr)")
        #expect(result.stderr.contains("--cache-dir") && result.stderr.contains("--cache-size"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func aPlainHTTPAPIIsRefusedUnlessLoopback() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let token = "tok-must-not-leak-4711"
        let cache = root.appendingPathComponent("cache").path
        // 192.0.2.1 is TEST-NET-1: nothing answers there; the refusal must come before any try.
        let remote = try dupfs(
            ["versions", "pcloud://api.pcloud.com/Backups/x", "--pcloud-api", "http://192.0.2.1:8080", "--io-timeout", "3",
             "--cache-dir", cache],
            environment: ["PCLOUD_AUTHID": token])
        #expect(remote.status == 64, "\(remote.stderr)")
        #expect(remote.stderr.contains("clear text") && remote.stderr.contains("https://"), "\(remote.stderr)")
        #expect(!remote.stderr.contains(token) && !remote.stdout.contains(token))
        let loopback = try dupfs(
            ["versions", "pcloud://api.pcloud.com/Backups/x", "--pcloud-api", "http://127.0.0.1:1", "--io-timeout", "3",
             "--cache-dir", cache],
            environment: ["PCLOUD_AUTHID": token])
        #expect(loopback.status == 69, "nothing listens on port 1: \(loopback.stderr)")
        #expect(loopback.stderr.contains("unencrypted"), "a loopback http API gets a warning: \(loopback.stderr)")
        #expect(!loopback.stderr.contains(token))
    }

    /// `ls -R` of a backup with thousands of entries, its stdout left unread until the pipe is
    /// full: the process is then mid-run, and its /proc environ must not hold the passphrase.
    @Test func thePassphraseIsGoneFromProcEnvironWhileACommandRuns() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let many = root.appendingPathComponent("many")
        var options = FixtureOptions(blocksize: 1024, volumeSize: 256 << 10)
        options.encryption = .aes(.v2, passphrase: "env-pass-90210")
        let writer = try FixtureBackupWriter(directory: many, options: options)
        var entries = [FixtureEntry(path: "/data/many", content: .folder)]
        for i in 0..<2500 {
            entries.append(FixtureEntry(path: "/data/many/a-file-with-a-long-enough-name-\(i).txt", content: .file([UInt8(i & 0xFF)])))
        }
        try writer.addVersion(entries, time: Date(timeIntervalSince1970: 1_700_000_000))

        let process = Process()
        process.executableURL = DupfsProcess.binDirectory.appendingPathComponent("dupfs")
        process.arguments = ["ls", many.path, "-R", "--cache-dir", root.appendingPathComponent("cache").path]
        var environment = ProcessInfo.processInfo.environment
        environment["DUPFS_PASSPHRASE"] = "env-pass-90210"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        // Wait until the pipe holds a full buffer: the listing (so the run proper) has begun.
        let readEnd = output.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(60)
        var pending: Int32 = 0
        while Date() < deadline && process.isRunning {
            _ = ioctl(readEnd, UInt(FIONREAD), &pending)
            if pending >= 60_000 { break }
            usleep(20_000)
        }
        let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/environ"))) ?? Data()
        let listing = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(pending >= 60_000, "the listing never filled the pipe (status \(process.terminationStatus))")
        #expect(!environ.isEmpty, "could not read the running process's environment")
        #expect(environ.range(of: Data("env-pass-90210".utf8)) == nil, "the passphrase is still in /proc/PID/environ")
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: listing, as: UTF8.self).contains("a-file-with-a-long-enough-name-2499.txt"))
    }

    @Test(.enabled(if: isRoot, "set-id bits, capabilities and trusted.* attributes are restored only by root"))
    func noSpecialBitsLeavesOutSetIDBitsCapabilitiesAndTrustedAttributes() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let special = root.appendingPathComponent("special")
        let writer = try FixtureBackupWriter(directory: special, options: SampleBackup.defaultOptions)
        // security.capability v2: cap_net_bind_service permitted and effective.
        let capability: [UInt8] = [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00] + [UInt8](repeating: 0, count: 12)
        try writer.addVersion([
            FixtureEntry(path: "/data", content: .folder),
            FixtureEntry(
                path: "/data/tool", content: .file(Array("#!/bin/sh\n".utf8)), mode: 0o6755, uid: 0, gid: 0,
                extendedAttributes: [("security.capability", capability), ("trusted.note", Array("root only".utf8))]),
            FixtureEntry(path: "/data/shared", content: .folder, mode: 0o1777, uid: 0, gid: 0),
        ], time: Date(timeIntervalSince1970: 1_700_000_000))
        func restore(_ extra: [String]) throws -> String {
            let target = root.appendingPathComponent("restored\(extra.count)")
            let result = try dupfs(
                ["restore", special.path, "--target", target.path, "--cache-dir", root.appendingPathComponent("cache").path] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            return target.path + "/data/tool"
        }
        let kept = try restore([])
        var info = stat()
        #expect(stat(kept, &info) == 0 && info.st_mode & 0o7777 == 0o6755)
        // (Some filesystems refuse capabilities; where they take them, the restore keeps them.)
        if ExtendedAttributeCalls.set(root.path + "/pass", "security.capability", capability) == 0 {
            #expect(try ExtendedAttributeCalls.get(kept, "security.capability").get() == capability)
        }
        #expect(try ExtendedAttributeCalls.get(kept, "trusted.note").get() == Array("root only".utf8))

        let dropped = try restore(["--no-special-bits"])
        #expect(stat(dropped, &info) == 0 && info.st_mode & 0o7777 == 0o0755, "mode \(String(info.st_mode & 0o7777, radix: 8))")
        #expect((try? ExtendedAttributeCalls.get(dropped, "trusted.note").get()) == nil)
        #expect((try? ExtendedAttributeCalls.get(dropped, "security.capability").get()) == nil)
        // The sticky bit gives nobody more rights: it stays.
        #expect(stat((dropped as NSString).deletingLastPathComponent + "/shared", &info) == 0 && info.st_mode & 0o7777 == 0o1777)
    }

    static func command(_ path: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
