import Foundation
import Testing
import TestSupport

/// What scripts and terminals get: `restore --json`, quoted names and `ls -0`, progress on a
/// terminal, and `--passphrase-command`.
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct OutputForScriptsTests {
    let root: URL
    let backup: URL
    let cache: String
    static let passphrase = "output-pass-9"

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-output-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup")
        cache = root.appendingPathComponent("cache").path
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: Self.passphrase)
        try SampleBackup.write(to: backup, options: options)
    }

    func dupfs(_ arguments: [String], environment: [String: String] = [:]) throws -> DupfsProcess.Result {
        try DupfsProcess.run(arguments + ["--cache-dir", cache], environment: ["DUPFS_PASSPHRASE": Self.passphrase].merging(environment) { $1 })
    }

    @Test func restoreJSONCountsWhatWasRestoredAndNamesFailures() throws {
        let target = root.appendingPathComponent("restored")
        let result = try dupfs(["restore", backup.path, "--target", target.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tree = SampleBackup.versions()[2]
        #expect(summary["files"] as? Int == tree.filter { $0.fileBytes != nil }.count)
        #expect((summary["bytes"] as? NSNumber)?.int64Value == Int64(tree.compactMap { $0.fileBytes?.count }.reduce(0, +)))
        #expect(summary["symlinks"] as? Int == tree.filter { $0.symlinkTarget != nil }.count)
        #expect(summary["ok"] as? Bool == true)
        #expect((summary["failed"] as? [Any])?.isEmpty == true)
        #expect(summary["version"] as? Int == 0 && summary["time"] as? String == "2024-03-01T10:00:00Z")

        // Again without --overwrite: everything is skipped, with paths.
        let again = try dupfs(["restore", backup.path, "/data/sample/docs", "--target", target.path, "--json"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        let skipped = try #require(second["skipped"] as? [String])
        #expect(second["skippedCount"] as? Int == skipped.count && !skipped.isEmpty)
        #expect(skipped.allSatisfy { $0.contains("docs") }, "\(skipped)")
    }

    @Test func restoreJSONListsFailedFilesWithTheirPaths() throws {
        // A damaged dblock: the files needing it fail, with their paths.
        let damaged = root.appendingPathComponent("damaged")
        var options = SampleBackup.defaultOptions
        options.encryption = .none
        try SampleBackup.write(to: damaged, options: options)
        let dblock = try #require(try FileManager.default.contentsOfDirectory(atPath: damaged.path).sorted().first { $0.contains(".dblock.") })
        let path = damaged.appendingPathComponent(dblock).path
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for i in stride(from: 100, to: min(bytes.count - 100, 4000), by: 7) { bytes[i] ^= 0xFF }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let target = root.appendingPathComponent("restored-damaged")
        let result = try DupfsProcess.run(["restore", damaged.path, "--target", target.path, "--json", "--cache-dir", cache + "-d"])
        #expect(result.status == 65, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["ok"] as? Bool == false)
        let failed = try #require(summary["failed"] as? [[String: Any]])
        #expect(summary["failedCount"] as? Int == failed.count)
        #expect(!failed.isEmpty && failed.allSatisfy { ($0["path"] as? String)?.isEmpty == false && $0["reason"] != nil })
    }

    @Test func plainListingQuotesControlCharactersAndDashZeroEndsNamesWithNUL() throws {
        let listed = try dupfs(["ls", backup.path, "/data/sample"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("'tab'$'\\t''here.txt'"), "\(lines)")
        #expect(!listed.stdout.contains("\t"))
        #expect(lines.contains("odd #%&'()[]{}!@$=+,;~`^.txt"))

        let zero = try dupfs(["ls", backup.path, "/data/sample", "-0"])
        #expect(zero.status == 0)
        let names = zero.stdout.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        #expect(names.last == "", "NUL-terminated")
        #expect(names.contains("tab\there.txt"))
        #expect(!zero.stdout.contains("\n"))
        #expect(names.count - 1 == lines.count - 1)
    }

    @Test func passphraseCommandGivesThePassphraseAndAFailingOneIsAClearError() throws {
        let good = try DupfsProcess.run(["versions", backup.path, "--cache-dir", cache, "--passphrase-command", "printf '%s\\n' '\(Self.passphrase)'; echo second line"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(!good.stdout.contains(Self.passphrase) && !good.stderr.contains(Self.passphrase))
        let failing = try DupfsProcess.run(["versions", backup.path, "--cache-dir", cache, "--passphrase-command", "echo \(Self.passphrase); exit 3"])
        #expect(failing.status == 77, "\(failing.stderr)")
        #expect(failing.stderr.contains("--passphrase-command exited with status 3"))
        #expect(!failing.stderr.contains(Self.passphrase))
        let wrong = try DupfsProcess.run(["versions", backup.path, "--cache-dir", cache, "--passphrase-command", "echo nope"])
        #expect(wrong.status == 77)
        // The command sees no secret of ours in its environment.
        let environment = root.appendingPathComponent("env").path
        _ = try DupfsProcess.run(
            ["versions", backup.path, "--cache-dir", cache, "--passphrase-command", "env > '\(environment)'; echo \(Self.passphrase)"],
            environment: ["PCLOUD_AUTHID": "token-abc-123"])
        let seen = try String(contentsOfFile: environment, encoding: .utf8)
        #expect(!seen.contains("token-abc-123"))
    }

    /// What `dupfs arguments` wrote to a terminal (script(1) provides one).
    func onATerminal(_ arguments: [String]) throws -> (status: Int32, seen: String) {
        let log = root.appendingPathComponent("typescript-\(UUID().uuidString)").path
        let command = ([DupfsProcess.binDirectory.appendingPathComponent("dupfs").path] + arguments)
            .map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, log]
        var environment = ProcessInfo.processInfo.environment
        environment["DUPFS_PASSPHRASE"] = Self.passphrase
        process.environment = environment
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func aTerminalSeesBytesRateElapsedAndTimeLeft() throws {
        let target = root.appendingPathComponent("restored-tty")
        // The first command builds the index (its progress included); the restore then draws its own.
        let (status, seen) = try onATerminal(["restore", backup.path, "--target", target.path, "--cache-dir", cache])
        #expect(status == 0)
        #expect(seen.contains("Restoring: "), "\(seen.prefix(400))")
        #expect(seen.range(of: #"Restoring: [0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B, \d+/\d+, [0-9.]+ [KMG]?i?B/s, elapsed \d+:\d\d"#, options: .regularExpression) != nil,
                "\(seen.prefix(400))")
        #expect(seen.contains("\r\u{1B}[K"), "redrawn in place")

        let verified = try onATerminal(["verify", backup.path, "--full", "--cache-dir", cache])
        #expect(verified.status == 0)
        #expect(verified.seen.range(of: #"Checking volumes: [0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B, \d+/\d+, .*elapsed \d+:\d\d"#, options: .regularExpression) != nil,
                "\(verified.seen.prefix(400))")

        let quiet = try dupfs(["restore", backup.path, "--target", root.appendingPathComponent("quiet").path, "--no-progress"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }
}
