import Backup
import Catalog
import Foundation
import Storage
import Testing
import TestSupport

/// A backup of many versions of a changing tree: its index stores what versions share once,
/// reads each version's file list only when the version is first used, and every version still
/// reads back exactly.
@Suite struct ManyVersionTests {
    static let versionCount = 8

    /// The trees, oldest first: 40 files in 4 folders; each later version changes 4 files,
    /// deletes 2 and adds 3 (seeded, so every run writes the same backup).
    static func trees() -> [[FixtureEntry]] {
        var random = SeededGenerator(seed: "many versions")
        func file(_ path: String, _ random: inout SeededGenerator) -> FixtureEntry {
            FixtureEntry(path: path, content: .file(random.bytes(Int(random.next() % 3000))), mtimeSeconds: 1_700_000_000)
        }
        var files: [String: FixtureEntry] = [:]
        for index in 0..<40 {
            let path = "/data/many/d\(index % 4)/f\(index).bin"
            files[path] = file(path, &random)
        }
        var added = 40
        var result: [[FixtureEntry]] = []
        for version in 0..<versionCount {
            if version > 0 {
                let names = files.keys.sorted()
                for path in names.shuffled(using: &random).prefix(4) {
                    var changed = file(path, &random)
                    changed.mtimeSeconds = 1_700_000_000 + Int64(version)
                    files[path] = changed
                }
                for path in names.shuffled(using: &random).prefix(2) { files[path] = nil }
                for _ in 0..<3 {
                    let path = "/data/many/d\(added % 4)/f\(added).bin"
                    files[path] = file(path, &random)
                    added += 1
                }
            }
            var tree = [FixtureEntry(path: "/data/many", content: .folder)]
            tree += (0..<4).map { FixtureEntry(path: "/data/many/d\($0)", content: .folder) }
            tree += files.keys.sorted().map { files[$0]! }
            result.append(tree)
        }
        return result
    }

    static func time(_ version: Int) -> Date {
        Date(timeIntervalSince1970: 1_704_103_200 + Double(version) * 86_400)
    }

    static func fixture() throws -> (BackupFixture, [[FixtureEntry]]) {
        let trees = trees()
        let fixture = try BackupFixture { dir, options in
            let writer = try FixtureBackupWriter(directory: dir, options: options)
            for (index, tree) in trees.enumerated() { try writer.addVersion(tree, time: Self.time(index)) }
        }
        return (fixture, trees)
    }

    static func entryIDs(_ backup: Backup, _ version: VersionRecord) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        try backup.walk(try backup.entry(version: version, components: []), path: []) { entry, path in
            ids["/" + path.joined(separator: "/")] = entry.id
            return true
        }
        return ids
    }

    @Test func severalVersionsOfAManyVersionBackupRestoreExactly() throws {
        let (fixture, trees) = try Self.fixture()
        let backup = try fixture.open()
        for number in [0, 3, Self.versionCount - 1] {
            let version = try backup.version(number)
            let tree = trees[Self.versionCount - 1 - number]
            #expect(version.fileCount == Int64(tree.filter { $0.fileBytes != nil }.count))
            let expected = fixture.target("expected-\(number)")
            try materialize(tree, into: expected)
            let restored = fixture.target("restored-\(number)")
            let summary = try Restorer(backup: backup, target: restored.path, options: RestoreOptions())
                .restore(version: version, paths: [[]])
            #expect(summary.failed.isEmpty, "\(summary.failed)")
            let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(restored), folderTimes: false)
            #expect(diff.isEmpty, "version \(number): \(diff.prefix(10))")
        }
    }

    @Test func entriesSharedByVersionsAreStoredOnceAndEachVersionHoldsExactlyItsOwn() throws {
        let (fixture, trees) = try Self.fixture()
        let backup = try fixture.open()
        let versions = try backup.versions()
        #expect(versions.count == Self.versionCount)
        // Every version's tree: its files, and nothing else, with their sizes.
        for (number, version) in versions.enumerated() {
            let tree = trees[Self.versionCount - 1 - number]
            var found: [String: Int64] = [:]
            try backup.walk(try backup.entry(version: version, components: []), path: []) { entry, path in
                if entry.kind == .file { found["/" + path.joined(separator: "/")] = entry.size }
                return true
            }
            let expected = Dictionary(uniqueKeysWithValues: tree.compactMap { entry in entry.fileBytes.map { (entry.path, Int64($0.count)) } })
            #expect(found == expected, "version \(number)")
        }
        // Stored once: the distinct (path, content) pairs, not one row per version and entry.
        let stats = try backup.catalog.statistics()
        let pairs = versions.reduce(Int64(0)) { total, version in total + Int64((try? backup.catalog.memberEntries(version: version.id).count) ?? 0) }
        #expect(stats.memberships == pairs)
        // Per version: 40-odd files, 5 listed folders, the synthesized root and /data.
        let perVersion = trees.map { Int64($0.count + 2) }
        #expect(pairs == perVersion.reduce(0, +))
        // The first version's entries plus what each later one changed or added (4 + 3 files),
        // and no more; folders are the same in every version.
        let newest = perVersion.last ?? 0
        #expect(stats.entries <= perVersion[0] + Int64(Self.versionCount - 1) * 7)
        #expect(stats.entries < pairs / 3, "\(stats)")
        #expect(stats.paths <= newest + Int64(Self.versionCount - 1) * 3 + 2)
        // Runs of consecutive entries, not a row per entry: the version indexed first (the
        // newest) is one run; the others break where they differ from it.
        let newestIDs = try backup.catalog.memberEntries(version: versions[0].id)
        #expect(newestIDs == Array(newestIDs[0]..<(newestIDs[0] + Int64(newestIDs.count))))
        #expect(stats.memberRuns < pairs / 2, "\(stats)")
    }

    @Test func aColdOpenReadsOnlyTheNewestFileList() throws {
        let (fixture, _) = try Self.fixture()
        let store = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let backup = try fixture.open(store: store)
        let dlistsRead = { Set(store.opens.withLock { $0 }.filter { $0.contains(".dlist.") }) }
        let newest = try #require(try backup.knownVersions().first)
        #expect(try backup.knownVersions().count == Self.versionCount)
        #expect(dlistsRead() == [newest.volumeName])
        // Listing the newest version reads nothing more.
        #expect(try !backup.catalog.children(version: newest.id, parent: 0).isEmpty)
        #expect(dlistsRead() == [newest.volumeName])
        // Another version's list is read when the version is first used, and only then.
        let known = try backup.knownVersions()
        #expect(!known[4].fileListRead)
        let version = try backup.version(4)
        #expect(version.fileListRead && version.fileCount > 0)
        #expect(dlistsRead() == [newest.volumeName, known[4].volumeName])
        try backup.requireFileList(of: known[4])
        #expect(store.opens.withLock { $0 }.filter { $0 == known[4].volumeName }.count == 1)
        // A reopen finds it in the index.
        let again = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let reopened = try fixture.open(store: again)
        #expect(try reopened.knownVersions()[4].fileListRead)
        _ = try reopened.version(4)
        #expect(again.opens.withLock { $0 }.filter { $0.contains(".dlist.") }.isEmpty)
    }

    @Test func entryIDsDependOnTheBackupNotOnTheOrderVersionsWereIndexed() throws {
        let (fixture, _) = try Self.fixture()
        let first = try fixture.open()
        let order = try first.knownVersions()
        // Oldest first here; newest first in a second cache.
        for version in order.reversed() { try first.requireFileList(of: version) }
        let other = BackupFixture.reusing(fixture, cache: "cache-2")
        let second = try other.open()
        for version in try second.knownVersions() { try second.requireFileList(of: version) }
        for number in [0, 2, Self.versionCount - 1] {
            let a = try Self.entryIDs(first, try first.version(number))
            let b = try Self.entryIDs(second, try second.version(number))
            #expect(!a.isEmpty && a == b, "version \(number)")
        }
        // And across a reopen of the same cache.
        let reopened = try fixture.open()
        #expect(try Self.entryIDs(reopened, try reopened.version(5)) == Self.entryIDs(first, try first.version(5)))
    }
}
