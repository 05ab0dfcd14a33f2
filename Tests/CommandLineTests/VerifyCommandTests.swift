import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct VerifyCommandTests {
    let root: URL
    let backup: URL
    let cache: String
    let writer: FixtureBackupWriter

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-verify-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup")
        cache = root.appendingPathComponent("cache").path
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "secret-pass-123")
        writer = try FixtureBackupWriter(directory: backup, options: options)
        for (tree, time) in zip(SampleBackup.versions(), SampleBackup.times) { try writer.addVersion(tree, time: time) }
        try Data("secret-pass-123\n".utf8).write(to: root.appendingPathComponent("pass"))
    }

    func dupfs(_ arguments: [String]) throws -> DupfsProcess.Result {
        try DupfsProcess.run(arguments + ["--cache-dir", cache, "--passphrase-file", root.appendingPathComponent("pass").path])
    }

    /// Deletes the dblock holding the first block of big.bin; returns its name.
    func deleteBigFilesDblock() throws -> String {
        let big = SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }!
        let dblock = try #require(writer.dblockName(holding: writer.blockHashes(of: big.fileBytes!)[0]))
        try FixtureDamage.deleteVolume(dblock, in: backup)
        return dblock
    }

    @Test func healthyBackupExitsZero() throws {
        let result = try dupfs(["verify", backup.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("OK"))
        #expect(result.stdout.contains("Version 2 (2024-01-01T10:00:00Z)"))
        #expect(result.stderr.isEmpty, "no progress noise when stderr is not a terminal: \(result.stderr)")
        let full = try dupfs(["verify", backup.path, "--full", "--version", "0"])
        #expect(full.status == 0, "\(full.stdout)\(full.stderr)")
        #expect(!full.stdout.contains("Version 1"))
    }

    @Test func missingDblockExits65AndNamesTheFiles() throws {
        let dblock = try deleteBigFilesDblock()
        let result = try dupfs(["verify", "file://" + backup.path])
        #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("/data/sample/big.bin"))
        #expect(result.stdout.contains(dblock))
        #expect(result.stdout.contains("DAMAGED"))
    }

    @Test func jsonReportParses() throws {
        let dblock = try deleteBigFilesDblock()
        let result = try dupfs(["verify", backup.path, "--json"])
        #expect(result.status == 65)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == false)
        let damaged = try #require(report["damaged"] as? [[String: Any]])
        #expect(damaged.contains { $0["volume"] as? String == dblock && $0["kind"] as? String == "dblock" })
        let versions = try #require(report["versions"] as? [[String: Any]])
        #expect(versions.map { $0["version"] as? Int } == [0, 1, 2])
        for version in versions {
            let affected = try #require(version["affected"] as? [[String: Any]])
            #expect(affected.contains { $0["path"] as? String == "/data/sample/big.bin" && $0["type"] as? String == "file" })
            #expect(version["affectedCount"] as? Int == affected.count)
        }
        let volumes = try #require(report["volumes"] as? [String: Any])
        #expect(volumes["dlist"] as? Int == 3)
    }

    @Test func unknownVersionIsAUsageError() throws {
        let result = try dupfs(["verify", backup.path, "--version", "9"])
        #expect(result.status == 64, "\(result.stderr)")
    }
}
