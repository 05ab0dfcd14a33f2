import Backup
import Foundation
import Logging
import Storage
import Testing
import TestSupport

/// GPG volumes (`.gpg`, format §3.5) decrypted through the gpg program: symmetric and
/// public-key, alone and around tar volumes, and how a wrong passphrase, a missing secret key
/// and damage are told apart.
@Suite(.enabled(if: GPGKeyring.available, "gpg is not installed"))
struct GPGVolumeTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A GnuPG home of its own (symmetric messages need no keys, but gpg starts an agent for
    /// its home), its agent stopped after the test.
    static func withHome(_ body: (String) throws -> Void) throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("gnupg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer {
            GPGKeyring.stopAgent(home: home)
            try? FileManager.default.removeItem(atPath: home)
        }
        try body(home)
    }

    @Test(arguments: [FixtureContainer.zip, .tzstd])
    func symmetricBackupRestoresEveryVersionExactly(container: FixtureContainer) throws {
        try Self.withHome { home in
            var options = SampleBackup.defaultOptions
            options.encryption = .gpg(passphrase: "gpg-pässwörd", home: home)
            options.container = container
            try RestoreTests.restoreAllVersionsMatchSource(options)
        }
    }

    @Test func publicKeyBackupRestoresWithTheKeyringAndNotWithout() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gpg-\(UUID().uuidString)")
        let home = root.appendingPathComponent("gnupg").path
        let empty = root.appendingPathComponent("empty-gnupg").path
        defer {
            GPGKeyring.stopAgent(home: home)
            GPGKeyring.stopAgent(home: empty)
            try? FileManager.default.removeItem(at: root)
        }
        let recipient = try GPGKeyring.makeKeyring(at: home, passphrase: "key passphrase")
        var options = SampleBackup.defaultOptions
        options.encryption = .gpg(passphrase: "key passphrase", recipient: recipient, home: home)
        let fixture = try BackupFixture(options: options)
        func open(_ passphrase: String, home: String) throws -> Backup {
            var backupOptions = BackupOptions(cacheRoot: fixture.cacheRoot + "-" + UUID().uuidString, passphrase: passphrase)
            backupOptions.gnupgHome = home
            return try Backup.open(store: LocalDirectoryStore(path: fixture.backupDirectory.path), options: backupOptions, logger: Self.logger)
        }

        // First: once the secret key is unlocked, the home's gpg-agent keeps it so for a while
        // and gpg no longer asks for the passphrase (gpg's own behaviour).
        do {
            _ = try open("not the key passphrase", home: home)
            Issue.record("opened with a wrong key passphrase")
        } catch let error as BackupError {
            guard case .wrongPassphrase = error else { Issue.record("\(error)"); return }
        }

        let backup = try open("key passphrase", home: home)
        #expect(try backup.versions().count == 3)
        let target = fixture.target("restored")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions())
            .restore(version: try backup.version(0), paths: [[]])
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        let expected = fixture.target("expected")
        try materialize(SampleBackup.versions()[2], into: expected)
        #expect(try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(target), folderTimes: false).isEmpty)

        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do {
            _ = try open("key passphrase", home: empty)
            Issue.record("opened without the secret key")
        } catch let error as BackupError {
            #expect(error.description.contains("secret key is not in the keyring \(empty)"), "\(error)")
        }
    }

    @Test func wrongSymmetricPassphraseIsWrongPassphrase() throws {
        try Self.withHome { home in
            var options = SampleBackup.defaultOptions
            options.encryption = .gpg(passphrase: "right", home: home)
            let fixture = try BackupFixture(options: options)
            do {
                _ = try fixture.open(passphrase: "wrong")
                Issue.record("opened with a wrong passphrase")
            } catch let error as BackupError {
                guard case .wrongPassphrase = error else { Issue.record("\(error)"); return }
            }
        }
    }

    @Test func aDamagedGPGVolumeIsListedByVerifyAndOnlyItsFilesFail() throws {
        try Self.withHome { home in try Self.damagedVolume(home: home) }
    }

    static func damagedVolume(home: String) throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .gpg(passphrase: "damage", home: home)
        let fixture = try BackupFixture(options: options)
        let dblock = try #require(try FixtureDamage.volumeNames(in: fixture.backupDirectory).first { $0.contains(".dblock.") })
        try FixtureDamage.flipByte(dblock, in: fixture.backupDirectory)
        let backup = try fixture.open()
        let report = try Verifier(backup: backup, options: VerifyOptions()).run()
        let damaged = try #require(report.damagedVolumes.first)
        #expect(report.damagedVolumes.count == 1)
        #expect(damaged.name == dblock)
        #expect(damaged.reason.contains("GPG"), "\(damaged.reason)")
        let summary = try Restorer(backup: backup, target: fixture.target("restored").path, options: RestoreOptions())
            .restore(version: try backup.version(0), paths: [[]])
        #expect(!summary.failed.isEmpty)
        #expect(summary.files > 0)
    }
}
