import Foundation
import Testing

@testable import Catalog

@Suite struct VersionBuilderTests {
    /// One step of a file list: path components and kind.
    typealias Step = (components: [String], kind: EntryKindCode)

    /// A list that revisits folders long after they were last used, out of order: synthesized
    /// folders listed late, duplicate folders, files over folders and entries under files.
    static let revisitingList: [Step] = {
        var steps: [Step] = []
        for i in 0..<120 {
            let folder = String(format: "d%03d", i)
            steps.append((["top", folder, "deep", "f.txt"], .file))
            steps.append((["top", folder, "g.txt"], .file))
        }
        for i in stride(from: 0, to: 120, by: 7) {
            let folder = String(format: "d%03d", i)
            steps.append((["top", folder], .folder))  // synthesized earlier: now listed
            steps.append((["top", folder], .folder))  // listed twice: skipped
            steps.append((["top", folder, "deep", "late.txt"], .file))  // a folder out of the cache
            steps.append((["top", folder, "g.txt", "under-a-file"], .file))  // parent is a file: skipped
            steps.append((["top", folder, "deep", "f.txt"], .file))  // taken: skipped
            steps.append((["top", folder, "deep"], .symlink))  // a folder holds the name: skipped
        }
        steps.append(([], .folder))  // the root, listed last
        steps.append((["top"], .folder))
        return steps
    }()

    /// Builds `steps` into a fresh catalog and returns every entry (depth first, by name), the
    /// results of each add, and the builder's counts.
    static func build(_ steps: [Step], folderCacheLimit: Int) throws
        -> (entries: [String], results: [Bool], duplicates: Int, maxCached: Int, resets: Int, version: VersionRecord)
    {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try catalog.volumes().first)
        var results: [Bool] = []
        var duplicates = 0
        var maxCached = 0
        var resets = 0
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true, folderCacheLimit: folderCacheLimit) { builder in
            for step in steps {
                results.append(try CatalogTests.add(builder, step.components, step.kind, size: 3))
                maxCached = max(maxCached, builder.cachedFolderCount)
            }
            duplicates = builder.duplicateCount
            resets = builder.folderCacheResets
        }
        let version = try #require(try catalog.versions().first)
        var entries: [String] = []
        func walk(_ parent: Int64, _ prefix: String) throws {
            for child in try catalog.children(version: version.id, parent: parent) {
                entries.append("\(prefix)/\(child.name) id=\(child.id) parent=\(child.parent) kind=\(child.kind) "
                    + "listed=\(child.listed) meta=\(child.metahash ?? "-") path=\(child.storedPath)")
                if child.kind == .folder { try walk(child.id, prefix + "/" + child.name) }
            }
        }
        let root = try #require(try catalog.entry(version: version.id, id: 0))
        entries.append("root listed=\(root.listed) meta=\(root.metahash ?? "-")")
        try walk(0, "")
        return (entries, results, duplicates, maxCached, resets, version)
    }

    @Test func folderCacheStaysWithinItsLimit() throws {
        let small = try Self.build(Self.revisitingList, folderCacheLimit: 8)
        #expect(small.maxCached <= 8)
        #expect(small.resets > 10)
    }

    @Test func boundedFolderCacheBuildsTheSameTreeAsAnUnboundedOne() throws {
        let bounded = try Self.build(Self.revisitingList, folderCacheLimit: 4)
        let unbounded = try Self.build(Self.revisitingList, folderCacheLimit: 1 << 20)
        #expect(unbounded.resets == 0)
        #expect(bounded.entries == unbounded.entries)
        #expect(bounded.results == unbounded.results)
        #expect(bounded.duplicates == unbounded.duplicates)
        #expect(bounded.version.fileCount == unbounded.version.fileCount)
        #expect(bounded.version.totalSize == unbounded.version.totalSize)
        // 240 files first, then per revisited folder one late file; 4 skips per revisit.
        let revisits = (0..<120).filter { $0 % 7 == 0 }.count
        #expect(bounded.version.fileCount == Int64(240 + revisits))
        #expect(bounded.duplicates == 4 * revisits)
        #expect(bounded.entries.first == "root listed=true meta=m")
        #expect(bounded.entries.contains { $0.hasPrefix("/top/d007 ") && $0.contains("listed=true") })
        #expect(bounded.entries.contains { $0.hasPrefix("/top/d008 ") && $0.contains("listed=false") })
    }

    @Test func duplicatesAreCountedNotKept() throws {
        let steps: [Step] = Array(repeating: (["same.txt"], .file), count: 1000)
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try catalog.volumes().first)
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            for step in steps { _ = try CatalogTests.add(builder, step.components, step.kind) }
            #expect(builder.duplicateCount == 999)
            #expect(builder.firstDuplicate == "/same.txt")
        }
    }

    @Test func deepPathsAreBuiltOneLevelAtATimeAndCappedWithARecord() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try catalog.volumes().first)
        let deepest = Array(repeating: "d", count: VersionBuilder.maximumDepth - 1) + ["f"]
        let tooDeep = Array(repeating: "d", count: 30_000) + ["f"]
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            let added = [
                try CatalogTests.add(builder, deepest, .file, size: 1),
                try CatalogTests.add(builder, tooDeep, .file, size: 1),
                try CatalogTests.add(builder, ["top.txt"], .file, size: 2),
            ]
            #expect(added == [true, false, true])
        }
        let version = try #require(try catalog.versions().first)
        #expect(version.fileCount == 2 && version.totalSize == 3 && version.skippedCount == 1)
        var parent: Int64 = 0
        for name in deepest {
            parent = try #require(try catalog.child(version: version.id, parent: parent, name: name)).id
        }
        let skipped = try catalog.skippedEntries(version: version.id)
        #expect(skipped.count == 1)
        #expect(skipped.examples.first?.reason.contains("30001 levels") == true)
        #expect(try catalog.skippedEntries(version: version.id, under: ["d", "d"]).count == 1)
        #expect(try catalog.skippedEntries(version: version.id, under: ["top.txt"]).count == 0)
    }

    @Test func skippedEntriesAreKeptWithTheirPlace() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try catalog.volumes().first)
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            _ = try CatalogTests.add(builder, [nfc, "x"], .file, size: 1)
            _ = try CatalogTests.add(builder, [nfd, "x"], .file, size: 1)
            _ = try CatalogTests.add(builder, [nfd, "x"], .file, size: 1)  // a duplicate in the NFD folder
            _ = try CatalogTests.add(builder, [nfd, "x", "under"], .file, size: 1)  // under a file
            _ = try CatalogTests.add(builder, ["ab"], .folder)
            try builder.skip(storedPath: "/a/../x", components: nil, reason: "escapes")
            try builder.skip(storedPath: "/abc", components: ["abc"], reason: "unreadable")
        }
        let version = try #require(try catalog.versions().first)
        #expect(version.skippedCount == 4 && version.damage == nil)
        #expect(try catalog.volumes().first?.state == .indexed)
        let all = try catalog.skippedEntries(version: version.id, examples: 2)
        #expect(all.count == 4 && all.examples.map(\.reason) == [
            "its path is listed twice (the first is kept)", "a folder above it is a file or symlink in this version",
        ])
        // Places compare byte for byte and by whole names; an unknown place counts for the root only.
        #expect(try catalog.skippedEntries(version: version.id, under: []).count == 4)
        #expect(try catalog.skippedEntries(version: version.id, under: [nfd]).count == 2)
        #expect(try catalog.skippedEntries(version: version.id, under: [nfc]).count == 0)
        #expect(try catalog.skippedEntries(version: version.id, under: ["ab"]).count == 0)
        #expect(try catalog.skippedEntries(version: version.id, under: ["abc"]).examples.map(\.path) == ["/abc"])
    }

    @Test func aDamagedListKeepsItsVersionAndIsReadAgain() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try catalog.volumes().first)
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            _ = try CatalogTests.add(builder, ["a.txt"], .file, size: 1)
            builder.markDamaged("ends early")
        }
        var version = try #require(try catalog.versions().first)
        #expect(version.damage == "ends early" && version.fileCount == 1)
        #expect(try catalog.volumes().first?.state == .failed)
        // Read again whole: the damaged version is replaced, not added to.
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            _ = try CatalogTests.add(builder, ["b.txt"], .file, size: 1)
        }
        #expect(try catalog.versions().count == 1)
        version = try #require(try catalog.versions().first)
        #expect(version.damage == nil && version.fileCount == 1)
        #expect(try catalog.children(version: version.id, parent: 0).map(\.name) == ["b.txt"])
        #expect(try catalog.volumes().first?.state == .indexed)
    }

    @Test func anIndexWithoutSkippedEntriesIsRebuilt() throws {
        let (catalog, dir) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        // A schema 3 index: versions without the skipped count and damage, no skipped table.
        try catalog.withState { state in
            try state.connection.execute("""
                DROP TABLE versions; DROP TABLE skipped;
                CREATE TABLE versions (id INTEGER PRIMARY KEY, volume INTEGER NOT NULL UNIQUE, time INTEGER NOT NULL,
                    full INTEGER NOT NULL, files INTEGER NOT NULL, bytes INTEGER NOT NULL);
                UPDATE settings SET value='3' WHERE key='schema';
                """)
        }
        let reopened = try Catalog(path: dir + "/index.sqlite")
        #expect(try reopened.volumes().isEmpty, "read again from scratch, so that skipped entries are known")
        try reopened.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try reopened.volumes().first)
        try reopened.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            try builder.skip(storedPath: "x", components: nil, reason: "r")
        }
        #expect(try reopened.versions().first?.skippedCount == 1)
        #expect(try reopened.setting("schema") == String(Catalog.schemaVersion))
    }
}
