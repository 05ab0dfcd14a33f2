import Backup
import Foundation
import Logging
import Storage
import Synchronization
import Testing
import TestSupport

/// Files beside the volumes that are not zip volumes: parity companions, and volumes in
/// containers this reader does not decode.
@Suite struct VolumeKindTests {
    /// Keeps every message of warning level or worse.
    final class Warnings: Sendable {
        let messages = Mutex<[String]>([])
        var logger: Logger {
            Logger(label: "test") { _ in Handler(sink: self) }
        }
        struct Handler: LogHandler {
            let sink: Warnings
            var logLevel: Logger.Level = .warning
            var metadata: Logger.Metadata = [:]
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                if event.level >= .warning { sink.messages.withLock { $0.append("\(event.message)") } }
            }
        }
    }

    @Test func parityCompanionsAreIgnoredWithoutAWord() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "parity")
        options.parity = true
        let fixture = try BackupFixture(options: options)
        let files = try FixtureDamage.volumeNames(in: fixture.backupDirectory)
        let companions = files.filter { $0.hasSuffix(".par2") }
        let volumes = files.filter { !$0.hasSuffix(".par2") }
        // One companion per dblock and dlist, none for dindex files, each a PAR2 packet stream.
        #expect(companions.count == volumes.filter { !$0.contains(".dindex.") }.count)
        #expect(companions.allSatisfy { volumes.contains(String($0.dropLast(5))) && !$0.contains(".dindex.") })
        for companion in companions {
            #expect(try FixtureDamage.readVolume(companion, in: fixture.backupDirectory).starts(with: Array("PAR2\0PKT".utf8)))
        }
        // A companion may outlive its volume.
        try Data("PAR2\0PKT".utf8).write(
            to: fixture.backupDirectory.appendingPathComponent("duplicati-b\(String(repeating: "e", count: 32)).dblock.zip.aes.par2"))

        let warnings = Warnings()
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: fixture.backupDirectory.path),
            options: BackupOptions(cacheRoot: fixture.cacheRoot, passphrase: "parity"), logger: warnings.logger)
        #expect(try backup.versions().count == 3)
        let report = try Verifier(backup: backup, options: VerifyOptions(full: true)).run()
        #expect(report.isClean)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.damagedVolumes.isEmpty, "\(report.damagedVolumes)")
        #expect(report.totalVolumesChecked == volumes.count)
        #expect(warnings.messages.withLock { $0 }.isEmpty, "\(warnings.messages.withLock { $0 })")

        let restored = fixture.target("restored")
        let summary = try Restorer(backup: backup, target: restored.path, options: RestoreOptions())
            .restore(version: try backup.version(0), paths: [[]])
        #expect(summary.failed.isEmpty)
        let expected = fixture.target("expected")
        try materialize(SampleBackup.versions()[2], into: expected)
        #expect(try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(restored), folderTimes: false).isEmpty)
    }

    /// Writes a stray 7z dblock and a gpg dindex (names no file list refers to).
    static func writeStrays(_ directory: URL, options: FixtureOptions) throws -> [String] {
        let sevenZip = try SevenZipVolume.writeDblock(in: directory, options: options)
        let gpg = "\(options.prefix)-i\(String(repeating: "2", count: 32)).dindex.zip.gpg"
        try FixtureDamage.replaceVolume(gpg, in: directory, with: [0x8C, 0x0D, 4, 9])
        return [sevenZip, gpg]
    }

    @Test func strayUnreadableVolumesLeaveEveryVersionExact() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "strays")
        try RestoreTests.restoreAllVersionsMatchSource(options) { dir in _ = try Self.writeStrays(dir, options: options) }
    }

    @Test func strayUnreadableVolumesAreWarnedAboutAndListedByVerify() throws {
        var names: [String] = []
        let fixture = try BackupFixture { dir, options in
            try SampleBackup.write(to: dir, options: options)
            names = try Self.writeStrays(dir, options: options)
        }
        let warnings = Warnings()
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: fixture.backupDirectory.path),
            options: BackupOptions(cacheRoot: fixture.cacheRoot), logger: warnings.logger)
        #expect(try backup.versions().count == 3)
        let logged = warnings.messages.withLock { $0 }
        #expect(logged.count == 2, "\(logged)")
        #expect(logged.contains { $0.contains(names[0]) && $0.contains("7z") && $0.contains("RecoveryTool recompress zip") })
        // gpg is installed (the GPG tests need it): the stray .gpg is left out for want of a
        // passphrase, not of gpg.
        #expect(logged.contains { $0.contains(names[1]) && $0.contains("no passphrase") })

        let report = try Verifier(backup: backup, options: VerifyOptions()).run()
        #expect(Set(report.damagedVolumes.map(\.name)) == Set(names))
        #expect(report.damagedVolumes.first { $0.name == names[0] }?.reason.contains("recompress") == true)
        #expect(report.versions.allSatisfy { $0.affectedCount == 0 })
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    /// The oldest version written as 7z, the two newer as zip (a user who switched modules):
    /// the newer versions are listed, and only their entries that need a block of the 7z run fail.
    @Test func sevenZipRunMissesOnlyWhatItHolds() throws {
        var kept: FixtureBackupWriter?
        let fixture = try BackupFixture { dir, options in
            var first = options
            first.container = .sevenZip
            let writer = try FixtureBackupWriter(directory: dir, options: first)
            let trees = SampleBackup.versions()
            try writer.addVersion(trees[0], time: SampleBackup.times[0])
            writer.options.container = .zip
            try writer.addVersion(trees[1], time: SampleBackup.times[1])
            try writer.addVersion(trees[2], time: SampleBackup.times[2])
            kept = writer
        }
        let writer = try #require(kept)
        let backup = try fixture.open()
        let versions = try backup.versions()
        #expect(versions.map(\.time) == [SampleBackup.times[2], SampleBackup.times[1]].map { Int64($0.timeIntervalSince1970) })

        let target = fixture.target("restored")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions())
            .restore(version: versions[0], paths: [[]])
        var needing = 0
        for item in SampleBackup.versions()[2] {
            let shown = "/" + (try RestorePath.relative(item.path)).joined(separator: "/")
            let needsSevenZip = writer.dblocksNeeded(by: item).contains { $0.contains(".dblock.7z") }
            let reported = summary.failed.contains { $0.path == shown } || summary.metadataMissing.contains { $0 == shown || "/" + $0 == shown }
            if needsSevenZip {
                needing += 1
                #expect(reported, "\(shown) needs a 7z block but was not reported")
            } else {
                #expect(!reported, "\(shown) needs no 7z block but was reported")
                if let bytes = item.fileBytes {
                    #expect(FileManager.default.contents(atPath: target.path + shown).map { [UInt8]($0) } == bytes, "\(shown)")
                }
            }
        }
        #expect(needing > 0 && needing < SampleBackup.versions()[2].count)

        let report = try Verifier(backup: backup, options: VerifyOptions(version: 0)).run()
        #expect(report.damagedVolumes.allSatisfy { $0.name.contains(".7z") && $0.reason.contains("recompress") })
        #expect(report.damagedVolumes.contains { $0.name.contains(".dlist.7z") } && report.damagedVolumes.contains { $0.name.contains(".dblock.7z") })
        #expect(report.versions.first?.affectedCount ?? 0 > 0)
    }

    @Test func aBackupWhollyIn7zIsUnsupportedNamingTheWayOut() throws {
        var options = SampleBackup.defaultOptions
        options.container = .sevenZip
        let fixture = try BackupFixture(options: options)
        do {
            _ = try fixture.open()
            Issue.record("a 7z-only backup opened")
        } catch let error as BackupError {
            guard case .unsupported = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains(".dlist.7z"), "\(error)")
            #expect(error.description.contains("RecoveryTool recompress zip"), "\(error)")
        }
    }
}

/// Volumes whose zip entries use a method this reader does not decode.
@Suite struct UnsupportedMethodTests {
    // XZ (95): SharpCompress's zip writer refuses it, so it stands for any method no reader here decodes.
    @Test func xzFileListIsAClearErrorNamingMethodAndVolume() throws {
        let fixture = try BackupFixture()
        let dlist = try FixtureDamage.volumeNames(in: fixture.backupDirectory).filter { $0.contains(".dlist.") }.sorted().last!
        try FixtureDamage.relabelEntries(dlist, in: fixture.backupDirectory, method: 95)
        do {
            _ = try fixture.open()
            Issue.record("an XZ file list was not reported")
        } catch let error as BackupError {
            guard case .unsupported = error else { Issue.record("not 'unsupported': \(error)"); return }
            #expect(error.description.contains(dlist), "\(error)")
            #expect(error.description.contains("method 95 (XZ)"), "\(error)")
            #expect(!error.description.contains("no Duplicati backup found"))
        }
    }

    @Test func xzDblockIsNamedByVerifyAndOtherFilesRestore() throws {
        let fixture = try BackupFixture()
        let dblocks = try FixtureDamage.volumeNames(in: fixture.backupDirectory).filter { $0.contains(".dblock.") }
        try FixtureDamage.relabelEntries(dblocks[0], in: fixture.backupDirectory, method: 95)
        let backup = try fixture.open()
        let report = try Verifier(backup: backup, options: VerifyOptions()).run()
        let damaged = try #require(report.damagedVolumes.first { $0.name == dblocks[0] })
        #expect(damaged.reason.contains("method 95 (XZ)"), "\(damaged.reason)")
        let summary = try Restorer(backup: backup, target: fixture.target("restored").path, options: RestoreOptions())
            .restore(version: try backup.version(0), paths: [[]])
        #expect(!summary.failed.isEmpty)
        #expect(summary.files > 0)
    }
}
