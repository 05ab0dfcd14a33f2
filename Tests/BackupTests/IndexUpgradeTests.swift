import Backup
@testable import Catalog
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// An index written by the previous layout (schema 4: one row per version and entry, text
/// hashes, the full path in every row) is rebuilt when a backup is opened, with nothing for the
/// user to do, and the backup then reads exactly.
@Suite struct IndexUpgradeTests {
    /// Schema 4 as dupfs wrote it, frozen here (the tables that held trees and blocks).
    static let schema4 = """
        CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS volumes (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
            size INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS versions (
            id INTEGER PRIMARY KEY, volume INTEGER NOT NULL UNIQUE, time INTEGER NOT NULL,
            full INTEGER NOT NULL, files INTEGER NOT NULL, bytes INTEGER NOT NULL,
            skipped INTEGER NOT NULL DEFAULT 0, damage TEXT);
        CREATE TABLE IF NOT EXISTS entries (
            version INTEGER NOT NULL, id INTEGER NOT NULL, parent INTEGER NOT NULL, name TEXT NOT NULL,
            kind INTEGER NOT NULL, size INTEGER NOT NULL, hash TEXT, blocklists TEXT, blockhash TEXT,
            metahash TEXT, metasize INTEGER, metablocklists TEXT, metablockhash TEXT,
            path TEXT NOT NULL, listed INTEGER NOT NULL, listtime INTEGER,
            PRIMARY KEY (version, id)) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS entries_by_parent ON entries (version, parent, name);
        CREATE TABLE IF NOT EXISTS blocks (
            hash TEXT NOT NULL, volume INTEGER NOT NULL, size INTEGER NOT NULL,
            directory INTEGER NOT NULL, PRIMARY KEY (hash, volume)) WITHOUT ROWID;
        """

    /// Writes a schema-4 index for the fixture's backup into its cache: every volume marked
    /// read, every version with one stale file, so that keeping any of it would show.
    static func writeSchema4Index(_ fixture: BackupFixture) throws -> String {
        let store = LocalDirectoryStore(path: fixture.backupDirectory.path)
        let cache = CacheLocation(root: fixture.cacheRoot, identity: store.identity, prefix: "duplicati")
        try cache.create()
        let path = try cache.indexPath()
        let connection = try Connection(path: path)
        try connection.execute("PRAGMA journal_mode=WAL;")
        try connection.execute(schema4)
        try connection.execute("INSERT INTO settings VALUES ('schema', '4')")
        for (index, file) in try store.list().enumerated() {
            guard let kind = ["dlist", "dblock", "dindex"].first(where: { file.name.contains(".\($0).") }) else { continue }
            try connection.execute("INSERT INTO volumes VALUES (\(index + 1), '\(file.name)', '\(kind)', \(file.size), 1)")
            guard kind == "dlist" else { continue }
            try connection.execute("""
                INSERT INTO versions VALUES (\(index + 1), \(index + 1), \(1_704_103_200 + index), 1, 1, 5, 0, NULL);
                INSERT INTO entries VALUES (\(index + 1), 0, 0, '', 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', 0, NULL);
                INSERT INTO entries VALUES (\(index + 1), 1, 0, 'stale.txt', 1, 5, 'c3RhbGU=', NULL, NULL, NULL, NULL, NULL, NULL,
                    '/stale.txt', 1, NULL);
                """)
        }
        return path
    }

    @Test func anIndexOfSchema4IsRebuiltOnOpenWithAProgressLineAndReadsExactly() throws {
        let fixture = try BackupFixture()
        let path = try Self.writeSchema4Index(fixture)
        let phases = Mutex<[String]>([])
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: fixture.backupDirectory.path),
            options: BackupOptions(cacheRoot: fixture.cacheRoot), logger: BackupFixture.logger,
            progress: { progress in phases.withLock { $0.append(progress.phase) } })
        #expect(phases.withLock { $0 }.contains { $0.hasPrefix("Rebuilding the index") })
        #expect(backup.catalog.replacedSchema == 4)
        #expect(try backup.catalog.setting("schema") == String(Catalog.schemaVersion))
        // Nothing of the old rows is left, and every version reads as the backup says.
        let versions = try backup.versions()
        let trees = SampleBackup.versions(blocksize: SampleBackup.defaultOptions.blocksize, hashSize: 32)
        #expect(versions.map(\.time) == SampleBackup.times.reversed().map { Int64($0.timeIntervalSince1970) })
        for (number, version) in versions.enumerated() {
            let tree = trees[2 - number]
            #expect(version.fileCount == Int64(tree.filter { $0.fileBytes != nil }.count))
            #expect(throws: BackupError.self) { try backup.entry(version: version, components: ["stale.txt"]) }
            let expected = fixture.target("expected-\(number)")
            try materialize(tree, into: expected)
            let restored = fixture.target("restored-\(number)")
            let summary = try Restorer(backup: backup, target: restored.path, options: RestoreOptions())
                .restore(version: version, paths: [[]])
            #expect(summary.failed.isEmpty, "\(summary.failed)")
            let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(restored), folderTimes: false)
            #expect(diff.isEmpty, "version \(number): \(diff.prefix(10))")
        }
        // The next open keeps the new index.
        let again = try fixture.open()
        #expect(again.catalog.replacedSchema == nil)
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
