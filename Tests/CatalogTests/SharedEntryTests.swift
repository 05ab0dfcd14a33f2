@testable import Catalog
import Foundation
import Testing

/// Entries several versions share are stored once; each version still holds exactly its own,
/// and dropping a version deletes only what no other version holds.
@Suite struct SharedEntryTests {
    static let sha = Data(repeating: 7, count: 32).base64EncodedString()

    /// Stores a version of files `names` under `/d`, each with size `sizes[name]` (default 1).
    static func store(_ catalog: Catalog, volume: String, time: Int64, _ names: [String], sizes: [String: Int64] = [:]) throws {
        let id = try #require(try catalog.volumes().first { $0.name == volume }?.id)
        try catalog.storeVersion(volumeID: id, time: time, isFullBackup: true) { builder in
            _ = try builder.add(
                components: ["d"], kind: .folder, size: 0, hash: nil, blocklists: [], blockhash: nil, metahash: sha,
                metasize: 10, metablocklists: [], metablockhash: nil, storedPath: "/d/", listTime: nil)
            for name in names {
                _ = try builder.add(
                    components: ["d", name], kind: .file, size: sizes[name] ?? 1, hash: sha, blocklists: [sha, sha],
                    blockhash: nil, metahash: sha, metasize: 10, metablocklists: [], metablockhash: nil,
                    storedPath: "/d/" + name, listTime: 5)
            }
        }
    }

    static func files(_ catalog: Catalog, _ version: VersionRecord) throws -> [String: Int64] {
        let d = try #require(try catalog.child(version: version.id, parent: 0, name: "d"))
        return Dictionary(uniqueKeysWithValues: try catalog.children(version: version.id, parent: d.id).map { ($0.name, $0.size) })
    }

    /// Paging through a version whose entries are one long run of members (what warming and
    /// `find` do): every page continues where the last ended, also inside a run, in both versions.
    @Test func pagesOfAVersionContinueInsideARunOfMembers() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a.dlist", "dlist", 1), ("b.dlist", "dlist", 1)])
        let names = (0..<50).map { String(format: "f%03d", $0) }
        try Self.store(catalog, volume: "a.dlist", time: 1, names)
        try Self.store(catalog, volume: "b.dlist", time: 2, names.filter { $0 != "f020" } + ["g001"], sizes: ["f030": 9])
        for version in try catalog.versions() {
            let expected = try Self.files(catalog, version).count + 1  // and /d
            var pending: [Int64] = []
            var after: Int64 = -1
            while let page = Optional(try catalog.entriesWithPendingMetadata(version: version.id, afterID: after, limit: 7)), let last = page.last {
                pending += page.map(\.entry.id)
                after = last.entry.id
            }
            #expect(pending.count == expected && Set(pending).count == expected, "\(version.volumeName): \(pending.count) of \(expected)")
            var named: [Int64] = []
            var next: Int64?
            while true {
                let page = try catalog.entryNames(version: version.id, after: next, limit: 7)
                named += page.map(\.id)
                guard page.count == 7, let last = page.last else { break }
                next = last.id
            }
            #expect(named == pending.sorted())
        }
    }

    @Test func twoVersionsShareTheirCommonEntriesAndDroppingOneKeepsTheOther() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a.dlist", "dlist", 1), ("b.dlist", "dlist", 1)])
        let names = (0..<100).map { String(format: "f%03d", $0) }
        try Self.store(catalog, volume: "a.dlist", time: 1, names)
        // b: f005 changed, f010 gone, g001 new.
        let bNames = names.filter { $0 != "f010" } + ["g001"]
        try Self.store(catalog, volume: "b.dlist", time: 2, bNames, sizes: ["f005": 9])
        let versions = try catalog.versions()
        let b = try #require(versions.first { $0.volumeName == "b.dlist" })
        let a = try #require(versions.first { $0.volumeName == "a.dlist" })
        #expect(try Self.files(catalog, a) == Dictionary(uniqueKeysWithValues: names.map { ($0, Int64(1)) }))
        var expectedB = Dictionary(uniqueKeysWithValues: bNames.map { ($0, Int64(1)) })
        expectedB["f005"] = 9
        #expect(try Self.files(catalog, b) == expectedB)
        // Root, /d and 100 files in a; b adds its own f005 and g001.
        let stats = try catalog.statistics()
        #expect(stats.entries == 102 + 2)
        #expect(stats.paths == 1 + 100 + 1)
        #expect(stats.memberships == 102 + 102)
        // Hashes are kept as 32 bytes, read back as the same base64.
        let f000 = try #require(try catalog.child(version: b.id, parent: 1, name: "f000"))
        #expect(f000.hash == Self.sha && f000.blocklists == [Self.sha, Self.sha] && f000.storedPath == "/d/f000")
        // a's dlist leaves the backup: only what b does not hold goes.
        try catalog.synchronizeVolumes([("b.dlist", "dlist", 1)])
        let after = try catalog.statistics()
        #expect(after.entries == 102 + 2 - 2)
        #expect(after.paths == 1 + 100)
        #expect(try Self.files(catalog, try #require(try catalog.versions().first)) == expectedB)
    }
}
