import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct CommandLineTests {
    let root: URL
    let backup: URL
    let cache: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-cli-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup")
        cache = root.appendingPathComponent("cache").path
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "secret-pass-123")
        try SampleBackup.write(to: backup, options: options)
        try Data("secret-pass-123\n".utf8).write(to: root.appendingPathComponent("pass"))
    }

    func dupfs(_ arguments: [String], passphrase: Bool = true, environment: [String: String] = [:]) throws -> DupfsProcess.Result {
        var args = arguments + ["--cache-dir", cache]
        if passphrase { args += ["--passphrase-file", root.appendingPathComponent("pass").path] }
        return try DupfsProcess.run(args, environment: environment)
    }

    @Test func versionsListsNewestFirstAsTableAndJSON() throws {
        let table = try dupfs(["versions", "file://" + backup.path])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[1].contains("2024-03-01T10:00:00Z") && lines[1].hasPrefix("      0"))
        #expect(lines[3].contains("2024-01-01T10:00:00Z"))
        #expect(table.stderr.isEmpty, "no progress noise when stderr is not a terminal: \(table.stderr)")
        let json = try dupfs(["versions", backup.path, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["version"] as? Int } == [0, 1, 2])
        #expect(rows.map { $0["time"] as? String } == ["2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-01-01T10:00:00Z"])
        let tree = SampleBackup.versions()[2]
        #expect(rows[0]["files"] as? Int == tree.filter { $0.fileBytes != nil }.count)
        #expect(rows[0]["size"] as? Int == tree.compactMap { $0.fileBytes?.count }.reduce(0, +))
    }

    @Test func recursiveJSONListingMatchesTheSourceTree() throws {
        for version in 0..<3 {
            let result = try dupfs(["ls", backup.path, "--version", String(version), "-R", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            let tree = SampleBackup.versions()[2 - version]
            // Byte sets: a Set<String> would merge the NFC and NFD twins.
            var expected = Set<[UInt8]>()
            for entry in tree {
                let parts = try RestorePath.relative(entry.path)
                for i in 1...parts.count { expected.insert(Array(parts[..<i].joined(separator: "/").utf8)) }
            }
            let listed = Set(rows.compactMap { ($0["path"] as? String).map { Array($0.utf8) } })
            let missing = expected.subtracting(listed).map { String(decoding: $0, as: UTF8.self) }
            let extra = listed.subtracting(expected).map { String(decoding: $0, as: UTF8.self) }
            #expect(missing.isEmpty && extra.isEmpty, "missing \(missing), unexpected \(extra)")
            for entry in tree {
                let path = try RestorePath.relative(entry.path).joined(separator: "/")
                guard let row = rows.first(where: { ($0["path"] as? String).map { Array($0.utf8) } == Array(path.utf8) }) else { continue }
                if let bytes = entry.fileBytes { #expect(row["size"] as? Int == bytes.count) }
                if let target = entry.symlinkTarget { #expect(row["target"] as? String == target) }
                #expect((row["mtimeNs"] as? NSNumber)?.int64Value == entry.mtimeSeconds * 1_000_000_000 + Int64(entry.mtimeNanoseconds))
                if entry.symlinkTarget == nil { #expect(row["mode"] as? String == String(entry.mode, radix: 8)) }
            }
        }
    }

    @Test func longListingOfAFolderAndOfAFile() throws {
        let folder = try dupfs(["ls", backup.path, "/data/sample/docs", "-l"])
        #expect(folder.status == 0)
        #expect(folder.stdout.contains("notes"))
        #expect(folder.stdout.contains("drwx------"))
        let file = try dupfs(["ls", backup.path, "data/sample/secret.txt", "-l"])
        #expect(file.stdout.contains("-rw-r-----"))
        #expect(file.stdout.contains("root"))
        let missing = try dupfs(["ls", backup.path, "data/nothing-here"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("no such path"))
    }

    @Test func windowsAttributesAreShownAsStoredAndReadOnlyHasNoWriteBit() throws {
        let windows = root.appendingPathComponent("windows")
        _ = try FixtureBackupWriter(directory: windows, options: FixtureOptions()).addVersion([
            FixtureEntry(path: "C:\\data", content: .folder, mode: 0o755, windows: true),
            FixtureEntry(path: "C:\\data\\locked.txt", content: .file(Array("locked".utf8)), mode: 0o444, windows: true),
            FixtureEntry(path: "C:\\data\\.hidden", content: .file(Array("hidden".utf8)), mode: 0o644, windows: true),
        ], time: SampleBackup.times[0])
        let listed = try dupfs(["ls", windows.path, "C/data", "--json"], passphrase: false)
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName["locked.txt"]?["mode"] as? String == "444")
        #expect(byName["locked.txt"]?["windowsAttributes"] as? String == "ReadOnly, Archive")
        #expect(byName[".hidden"]?["mode"] as? String == "644")
        #expect(byName[".hidden"]?["windowsAttributes"] as? String == "Hidden, Archive")
        // Windows keeps no POSIX owner: none is shown.
        #expect(byName["locked.txt"]?["uid"] == nil)
        let target = root.appendingPathComponent("windows-restored")
        #expect(try dupfs(["restore", windows.path, "--target", target.path], passphrase: false).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: target.appendingPathComponent("C/data/locked.txt").path)[.posixPermissions] as? Int
        #expect(mode == 0o444)
    }

    @Test func restoreWritesTheVersionAsTheSourceHadIt() throws {
        let target = root.appendingPathComponent("restore")
        let result = try dupfs(["restore", "file://" + backup.path, "--target", target.path, "--version", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("files"))
        let expected = root.appendingPathComponent("expected")
        try materialize(SampleBackup.versions()[1], into: expected)
        let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(target), folderTimes: false)
        #expect(diff.isEmpty, "\(diff.prefix(10))")
    }

    @Test func passphraseFromTheEnvironmentWorksAndIsNeverEchoed() throws {
        let ok = try dupfs(["versions", backup.path], passphrase: false, environment: ["DUPFS_PASSPHRASE": "secret-pass-123"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let wrong = try dupfs(["versions", backup.path], passphrase: false, environment: ["DUPFS_PASSPHRASE": "not-the-passphrase-xyz"])
        #expect(wrong.status == 77)
        #expect(wrong.stderr.contains("wrong passphrase"))
        #expect(!wrong.stderr.contains("not-the-passphrase-xyz") && !wrong.stdout.contains("not-the-passphrase-xyz"))
        #expect(wrong.stderr.split(separator: "\n").count == 1)
        let none = try dupfs(["versions", backup.path], passphrase: false)
        #expect(none.status == 77)
        #expect(none.stderr.contains("--passphrase-file"))
        let plain = try dupfs(["versions", backup.path, "--passphrase", "secret-pass-123"], passphrase: false)
        #expect(plain.status == 64)
    }

    @Test func badInputGetsOneLineAndADistinctExitCode() throws {
        let missing = try dupfs(["versions", root.appendingPathComponent("nope").path])
        #expect(missing.status == 66)
        let empty = try dupfs(["versions", root.path])
        #expect(empty.status == 66)
        let scheme = try dupfs(["versions", "ftp://example/x"])
        #expect(scheme.status == 64)
        let version = try dupfs(["ls", backup.path, "--version", "9"])
        #expect(version.status == 64)
        for result in [missing, empty, scheme, version] {
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("dupfs: "))
        }
    }

    @Test func aStray7zVolumeIsAWarningNotAFailure() throws {
        let stray = try SevenZipVolume.writeDblock(in: backup, options: {
            var options = SampleBackup.defaultOptions
            options.encryption = .aes(.v2, passphrase: "secret-pass-123")
            return options
        }())
        let versions = try dupfs(["versions", backup.path])
        #expect(versions.status == 0, "\(versions.stderr)")
        #expect(versions.stdout.split(separator: "\n").count >= 3)
        let warning = versions.stderr.split(separator: "\n").filter { $0.contains(stray) }
        #expect(warning.count == 1, "\(versions.stderr)")
        #expect(warning.first?.contains("RecoveryTool recompress zip") == true)
        let target = root.appendingPathComponent("restored")
        let restore = try dupfs(["restore", backup.path, "--target", target.path])
        #expect(restore.status == 0, "\(restore.stderr)")
        let verify = try dupfs(["verify", backup.path])
        #expect(verify.status == 65)
        #expect(verify.stdout.contains(stray))
    }

    @Test func aBackupWhollyIn7zExitsWith70AndTheWayOut() throws {
        let only7z = root.appendingPathComponent("only7z")
        var options = SampleBackup.defaultOptions
        options.container = .sevenZip
        try SampleBackup.write(to: only7z, options: options)
        let result = try dupfs(["ls", only7z.path], passphrase: false)
        #expect(result.status == 70, "\(result.stderr)")
        #expect(result.stderr.contains("7z") && result.stderr.contains("recompress"), "\(result.stderr)")
    }

    @Test func damagedBackupRestoresTheRestAndSaysSo() throws {
        let dblocks = try FixtureDamage.volumeNames(in: backup).filter { $0.contains(".dblock.") }
        try FixtureDamage.deleteVolume(dblocks[0], in: backup)
        let target = root.appendingPathComponent("partial")
        let result = try dupfs(["restore", backup.path, "--target", target.path])
        #expect(result.status == 65)
        #expect(result.stdout.contains("FAILED"))
        let restored = try TreeSnapshot.capture(target).items.values.filter { $0.kind == .file }.count
        #expect(restored > 0)
    }
}
