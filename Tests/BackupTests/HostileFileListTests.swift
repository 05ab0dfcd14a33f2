import Backup
import Catalog
import Foundation
import Storage
import Testing
import TestSupport

/// File lists that cannot be read, in part or at all, through the library: the other versions
/// stay usable, in every mode of opening a backup.
@Suite struct HostileFileListTests {
    static func file(_ path: String, _ text: String) -> FixtureEntry {
        FixtureEntry(path: path, content: .file(Array(text.utf8)), mtimeSeconds: 1_600_000_000)
    }

    /// Two versions; the newest dlist is replaced by bytes that are not a zip.
    static func backupWithUnreadableNewestList() throws -> BackupFixture {
        try BackupFixture { dir, options in
            let writer = try FixtureBackupWriter(directory: dir, options: options)
            try writer.addVersion([Self.file("/data/old.txt", "old")], time: SampleBackup.times[0])
            let newest = try writer.addVersion([Self.file("/data/new.txt", "new")], time: SampleBackup.times[1])
            try FixtureDamage.replaceVolume(newest, in: dir, with: Array("garbage, not a zip".utf8))
        }
    }

    @Test func anUnreadableNewestListDoesNotStopAMountFromOpening() throws {
        let fixture = try Self.backupWithUnreadableNewestList()
        // A mount reads the newest list before it answers; here that one cannot be read.
        var options = BackupOptions(cacheRoot: fixture.cacheRoot)
        options.blockIndexing = .background
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: fixture.backupDirectory.path), options: options, logger: BackupFixture.logger)
        let deadline = Date().addingTimeInterval(30)
        while !backup.allVersionsIndexed && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(backup.waitForBlockIndex(timeout: 30))
        let versions = try backup.versions()
        #expect(versions.count == 2)
        let old = try backup.version(1)
        let file = try backup.entry(version: old, components: ["data", "old.txt"])
        #expect(file.size == 3)
    }

    @Test func anUnreadableListIsADamagedVersionWithoutEntries() throws {
        let fixture = try Self.backupWithUnreadableNewestList()
        let backup = try fixture.open()
        let versions = try backup.versions()
        #expect(versions.count == 2)
        #expect(versions[0].damage?.contains("zip") == true && versions[0].fileCount == 0)
        #expect(versions[1].damage == nil && versions[1].fileCount == 1)
        let summary = try Restorer(backup: backup, target: fixture.target("out").path, options: RestoreOptions())
            .restore(version: versions[0], paths: [[]])
        #expect(summary.isIncomplete && summary.versionDamage != nil && summary.files == 0)
        // The next run reads the damaged list again (a download may have been damaged on the way).
        let again = try fixture.open()
        #expect(try again.versions().count == 2)
        #expect(try again.catalog.volumes().first { $0.name == versions[0].volumeName }?.state == .failed)
    }
}
