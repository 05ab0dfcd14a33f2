import Backup
import Digests
import Foundation
import Testing
import TestSupport

@Suite struct DamageTests {
    /// Writes the sample with a writer the test keeps, to find which volume holds what.
    static func sample(_ options: FixtureOptions = SampleBackup.defaultOptions) throws -> (BackupFixture, FixtureBackupWriter) {
        var kept: FixtureBackupWriter?
        let fixture = try BackupFixture(options: options) { dir, options in
            let writer = try FixtureBackupWriter(directory: dir, options: options)
            for (tree, time) in zip(SampleBackup.versions(), SampleBackup.times) { try writer.addVersion(tree, time: time) }
            kept = writer
        }
        return (fixture, try #require(kept))
    }

    static func bigFile() -> FixtureEntry {
        SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }!
    }

    /// Restores version 0 and checks that what was restored is right.
    static func restoreLatest(_ fixture: BackupFixture, _ name: String) throws -> RestoreSummary {
        let backup = try fixture.open()
        let target = fixture.target(name)
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions()).restore(version: try backup.version(0), paths: [[]])
        for item in SampleBackup.versions()[2] {
            guard let bytes = item.fileBytes else { continue }
            let path = target.path + "/" + (try RestorePath.relative(item.path)).joined(separator: "/")
            if let data = FileManager.default.contents(atPath: path) {
                #expect([UInt8](data) == bytes, "wrong bytes restored for \(item.path)")
            } else {
                #expect(summary.failed.contains { $0.path == "/" + (try! RestorePath.relative(item.path)).joined(separator: "/") }, "\(item.path) neither restored nor reported")
            }
        }
        return summary
    }

    @Test func missingDblockFailsOnlyTheFilesThatNeedIt() throws {
        let (fixture, writer) = try Self.sample()
        let big = Self.bigFile()
        let hash = try #require(writer.blockHashes(of: big.fileBytes!).first)
        let dblock = try #require(writer.dblockName(holding: hash))
        try FixtureDamage.deleteVolume(dblock, in: fixture.backupDirectory)
        let summary = try Self.restoreLatest(fixture, "missing")
        #expect(summary.failed.contains { $0.path.hasSuffix("/big.bin") })
        #expect(summary.files > 10)
    }

    @Test(arguments: [false, true])
    func corruptedDblockNeverYieldsWrongBytes(encrypted: Bool) throws {
        var options = SampleBackup.defaultOptions
        if encrypted { options.encryption = .aes(.v2, passphrase: "pw") }
        let (fixture, writer) = try Self.sample(options)
        let big = Self.bigFile()
        let hash = try #require(writer.blockHashes(of: big.fileBytes!).dropFirst(3).first)
        let dblock = try #require(writer.dblockName(holding: hash))
        let size = try FixtureDamage.readVolume(dblock, in: fixture.backupDirectory).count
        for offset in stride(from: 400, to: size - 2000, by: 997) {
            try FixtureDamage.flipByte(dblock, in: fixture.backupDirectory, at: offset, mask: 0x10)
        }
        let summary = try Self.restoreLatest(fixture, "corrupt")
        #expect(!summary.failed.isEmpty)
    }

    @Test func lyingIndexFileDoesNotMakeFilesUnreadable() throws {
        let (fixture, _) = try Self.sample()
        let names = try FixtureDamage.volumeNames(in: fixture.backupDirectory).filter { $0.contains(".dindex.") }
        try #require(names.count >= 2)
        // Each dindex now describes another dblock: every description is wrong.
        let contents = try names.map { try FixtureDamage.readVolume($0, in: fixture.backupDirectory) }
        for (i, name) in names.enumerated() {
            try FixtureDamage.replaceVolume(name, in: fixture.backupDirectory, with: contents[(i + 1) % names.count])
        }
        let summary = try Self.restoreLatest(fixture, "lying")
        #expect(summary.failed.isEmpty, "\(summary.failed)")
    }

    @Test func missingAndDamagedIndexFilesDoNotMatter() throws {
        let (fixture, _) = try Self.sample()
        let names = try FixtureDamage.volumeNames(in: fixture.backupDirectory).filter { $0.contains(".dindex.") }
        try FixtureDamage.deleteVolume(names[0], in: fixture.backupDirectory)
        try FixtureDamage.truncate(names[1], in: fixture.backupDirectory, to: 100)
        let summary = try Self.restoreLatest(fixture, "noindex")
        #expect(summary.failed.isEmpty, "\(summary.failed)")
    }

    @Test func damagedDlistIsAnEmptyDamagedVersionAndTheOthersStay() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "pw")
        let (fixture, _) = try Self.sample(options)
        try FixtureDamage.flipByte("duplicati-20240201T100000Z.dlist.zip.aes", in: fixture.backupDirectory, at: 600)
        let versions = try fixture.open().versions()
        // Still listed (version numbers do not shift), shown as damaged, with nothing in it.
        #expect(versions.map(\.volumeName) == [
            "duplicati-20240301T100000Z.dlist.zip.aes", "duplicati-20240201T100000Z.dlist.zip.aes",
            "duplicati-20240101T100000Z.dlist.zip.aes",
        ])
        #expect(versions.map { $0.damage != nil } == [false, true, false])
        #expect(versions[1].fileCount == 0 && versions[0].fileCount > 0 && versions[2].fileCount > 0)
    }

    @Test func blockInTwoVolumesSurvivesLosingOne() throws {
        var options = SampleBackup.defaultOptions
        options.deduplicate = false
        let (fixture, writer) = try Self.sample(options)
        let big = Self.bigFile()
        let hash = try #require(writer.blockHashes(of: big.fileBytes!).first)
        let dblock = try #require(writer.dblockName(holding: hash))
        let size = try FixtureDamage.readVolume(dblock, in: fixture.backupDirectory).count
        try FixtureDamage.flipByte(dblock, in: fixture.backupDirectory, at: size / 2)
        let summary = try Self.restoreLatest(fixture, "twice")
        // Every block of that volume has another copy (each version stored its blocks again).
        #expect(summary.failed.isEmpty, "\(summary.failed)")
    }
}
