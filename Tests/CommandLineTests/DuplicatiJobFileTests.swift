import AESCrypt
import Foundation
import Testing
import TestSupport

/// `--duplicati-config FILE`: a Duplicati job export (plain JSON or AES Crypt encrypted) gives
/// the location, passphrase and prefix; command-line options win; no secret is ever printed.
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct DuplicatiJobFileTests {
    let root: URL
    let backup: URL
    let cache: String
    static let passphrase = "job-file passphrase 42"
    static let exportPassword = "export password 7"

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-job-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup")
        cache = root.appendingPathComponent("cache").path
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: Self.passphrase)
        try SampleBackup.write(to: backup, options: options)
    }

    /// A job export as Duplicati 2.1 writes it (abridged), with or without passwords.
    func jobJSON(targetURL: String, passphrase: String? = passphrase, prefix: String? = nil) -> [UInt8] {
        var settings: [[String: Any]] = [
            ["Filter": "", "Name": "encryption-module", "Value": "aes", "Argument": NSNull()],
            ["Filter": "", "Name": "compression-module", "Value": "zip", "Argument": NSNull()],
            ["Filter": "", "Name": "dblock-size", "Value": "50mb", "Argument": NSNull()],
        ]
        if let passphrase { settings.append(["Filter": "", "Name": "passphrase", "Value": passphrase, "Argument": NSNull()]) }
        if let prefix { settings.append(["Filter": "", "Name": "--prefix", "Value": prefix, "Argument": NSNull()]) }
        let job: [String: Any] = [
            "CreatedByVersion": "2.1.0.5",
            "Schedule": NSNull(),
            "Backup": [
                "ID": "1", "Name": "Laptop home", "Description": "", "Tags": [String](),
                "TargetURL": targetURL, "DBPath": "QWERTYUIOP.sqlite", "Sources": ["/data/sample/"],
                "Settings": settings, "Filters": [[String: Any]](), "Metadata": ["BackupListCount": "3"],
                "IsTemporary": false,
            ] as [String: Any],
            "DisplayNames": ["/data/sample/": "sample"],
        ]
        return Array(try! JSONSerialization.data(withJSONObject: job, options: [.prettyPrinted]))
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func dupfs(_ arguments: [String], environment: [String: String] = [:]) throws -> DupfsProcess.Result {
        try DupfsProcess.run(arguments + ["--cache-dir", cache], environment: environment)
    }

    func versionsJSON(_ result: DupfsProcess.Result) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    func expectNoSecret(_ result: DupfsProcess.Result, _ secrets: [String] = [passphrase, exportPassword]) {
        for secret in secrets {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "a secret was printed")
        }
    }

    @Test func aPlainJobFileGivesLocationAndPassphrase() throws {
        let job = try write(jobJSON(targetURL: "file://" + backup.path), "Laptop-duplicati-config.json")
        let versions = try dupfs(["versions", "--duplicati-config", job, "--json"])
        #expect(versions.status == 0, "\(versions.stderr)")
        #expect(try versionsJSON(versions).map { $0["time"] as? String }
            == ["2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-01-01T10:00:00Z"])
        expectNoSecret(versions)

        // ls: the first argument is the path (there is no URL argument).
        let listed = try dupfs(["ls", "--duplicati-config", job, "/data/sample/docs"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.split(separator: "\n").contains("notes"))

        // restore: every argument is a path; the result is the source tree.
        let target = root.appendingPathComponent("restored")
        let restored = try dupfs(["restore", "--duplicati-config", job, "--target", target.path, "--version", "1"])
        #expect(restored.status == 0, "\(restored.stderr)")
        let expected = root.appendingPathComponent("expected")
        try materialize(SampleBackup.versions()[1], into: expected)
        let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(target), folderTimes: false)
        #expect(diff.isEmpty, "\(diff.prefix(10))")
        expectNoSecret(restored)

        let verified = try dupfs(["verify", "--duplicati-config", job])
        #expect(verified.status == 0, "\(verified.stderr)")

        // A URL as well is a mistake, said as such.
        let both = try dupfs(["versions", "--duplicati-config", job, backup.path])
        #expect(both.status == 64)
        #expect(both.stderr.contains("--duplicati-config"))
    }

    @Test func encryptedJobFilesInBothAESCryptFormatsNeedTheExportPassword() throws {
        let plain = jobJSON(targetURL: backup.path)
        for (name, version) in [("v2", AESCryptVersion.v2), ("v3", AESCryptVersion.v3)] {
            let job = try write(
                AESCrypt.encrypt(plain, passphrase: Self.exportPassword, version: version, iterations: 1_000),
                "Laptop-\(name)-duplicati-config.json.aes")
            let ok = try dupfs(
                ["versions", "--duplicati-config", job, "--json"], environment: ["DUPFS_CONFIG_PASSPHRASE": Self.exportPassword])
            #expect(ok.status == 0, "\(name): \(ok.stderr)")
            #expect(try versionsJSON(ok).count == 3)
            expectNoSecret(ok)

            let wrong = try dupfs(["versions", "--duplicati-config", job], environment: ["DUPFS_CONFIG_PASSPHRASE": "not it"])
            #expect(wrong.status == 77, "\(name): \(wrong.stderr)")
            #expect(wrong.stderr.contains("wrong export password"))
            #expect(wrong.stderr.split(separator: "\n").count == 1, "one line: \(wrong.stderr)")
            expectNoSecret(wrong, [Self.passphrase, Self.exportPassword, "not it"])

            let missing = try dupfs(["versions", "--duplicati-config", job])
            #expect(missing.status == 77, "\(name): \(missing.stderr)")
            #expect(missing.stderr.contains("DUPFS_CONFIG_PASSPHRASE"))
        }
    }

    @Test func anExportWithoutPasswordsFallsBackToTheUsualSources() throws {
        let job = try write(jobJSON(targetURL: "file://" + backup.path, passphrase: nil), "no-passwords.json")
        let missing = try dupfs(["versions", "--duplicati-config", job])
        #expect(missing.status == 77, "\(missing.stderr)")
        let fromEnvironment = try dupfs(["versions", "--duplicati-config", job], environment: ["DUPFS_PASSPHRASE": Self.passphrase])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        let passFile = try write(Array((Self.passphrase + "\n").utf8), "pass")
        let fromFile = try dupfs(["versions", "--duplicati-config", job, "--passphrase-file", passFile])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
    }

    @Test func commandLineOptionsWinOverTheJobFile() throws {
        // The job holds a wrong passphrase and a prefix no volume has; the command line corrects both.
        let job = try write(jobJSON(targetURL: backup.path, passphrase: "wrong one", prefix: "elsewhere"), "stale.json")
        let asStored = try dupfs(["versions", "--duplicati-config", job])
        #expect(asStored.status != 0)
        let passFile = try write(Array((Self.passphrase + "\n").utf8), "pass")
        let corrected = try dupfs(["versions", "--duplicati-config", job, "--prefix", "duplicati", "--passphrase-file", passFile])
        #expect(corrected.status == 0, "\(corrected.stderr)")
        // The job's prefix alone is used: no volume has it.
        let prefixOnly = try dupfs(["versions", "--duplicati-config", job, "--passphrase-file", passFile])
        #expect(prefixOnly.status == 66, "\(prefixOnly.stderr)")
    }

    @Test func notAJobFileIsOneClearLine() throws {
        let job = try write(Array("{\"Schedule\": null}".utf8), "not-a-job.json")
        let result = try dupfs(["versions", "--duplicati-config", job])
        #expect(result.status == 64)
        #expect(result.stderr.contains("not a Duplicati job export"))
        let absent = try dupfs(["versions", "--duplicati-config", root.appendingPathComponent("absent.json").path])
        #expect(absent.status == 64)
    }
}
