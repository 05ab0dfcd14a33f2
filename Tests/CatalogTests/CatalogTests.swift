import Foundation
import Testing

@testable import Catalog

@Suite struct CatalogTests {
    static func temporaryCatalog() throws -> (Catalog, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try Catalog(path: dir + "/index.sqlite"), dir)
    }

    /// A fresh index listing a dlist `x.dlist` and two dblocks, `b.dblock` and `c.dblock`.
    static func catalogWithTwoDblocks() throws -> (Catalog, b: VolumeRecord, c: VolumeRecord) {
        let (catalog, _) = try temporaryCatalog()
        try catalog.synchronizeVolumes([("x.dlist", "dlist", 1), ("b.dblock", "dblock", 100), ("c.dblock", "dblock", 100)])
        let volumes = try catalog.volumes()
        let b = try #require(volumes.first { $0.name == "b.dblock" })
        let c = try #require(volumes.first { $0.name == "c.dblock" })
        return (catalog, b, c)
    }

    static func add(_ builder: VersionBuilder, _ components: [String], _ kind: EntryKindCode, size: Int64 = 0) throws -> Bool {
        try builder.add(
            components: components, kind: kind, size: size, hash: kind == .file ? "h" : nil, blocklists: [],
            blockhash: nil, metahash: "m", metasize: 5, metablocklists: [], metablockhash: nil,
            storedPath: "/" + components.joined(separator: "/"), listTime: nil)
    }

    @Test func versionTreeSynthesizesAncestorsAndKeepsFirstDuplicate() throws {
        let (catalog, _) = try Self.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try catalog.volumes().first)
        try catalog.storeVersion(volumeID: volume.id, time: 1_704_067_200, isFullBackup: true) { builder in
            let results = [
                try Self.add(builder, ["data", "sub", "x.txt"], .file, size: 5),
                try Self.add(builder, ["data", "sub"], .folder),
                try Self.add(builder, ["data", "sub", "x.txt"], .file, size: 7),
                try Self.add(builder, ["data", "sub", "x.txt", "inner"], .file, size: 7),
                try Self.add(builder, ["data", "y"], .symlink),
            ]
            #expect(results == [true, true, false, false, true])
        }
        let version = try #require(try catalog.versions().first)
        #expect(version.fileCount == 1)
        #expect(version.totalSize == 5)
        let root = try #require(try catalog.entry(version: version.id, id: 0))
        let data = try #require(try catalog.child(version: version.id, parent: root.id, name: "data"))
        #expect(data.listed == false)
        let sub = try #require(try catalog.child(version: version.id, parent: data.id, name: "sub"))
        #expect(sub.listed == true)
        #expect(sub.metahash == "m")
        let children = try catalog.children(version: version.id, parent: data.id)
        #expect(children.map(\.name) == ["sub", "y"])
        let file = try #require(try catalog.child(version: version.id, parent: sub.id, name: "x.txt"))
        #expect(file.size == 5)
        #expect(try catalog.volumes().first?.state == .indexed)
    }

    @Test func failedVersionBuildStoresNothing() throws {
        let (catalog, _) = try Self.temporaryCatalog()
        try catalog.synchronizeVolumes([("a-20240101T000000Z.dlist.zip", "dlist", 10)])
        let volume = try #require(try catalog.volumes().first)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
                _ = try Self.add(builder, ["a"], .file, size: 1)
                throw Boom()
            }
        }
        #expect(try catalog.versions().isEmpty)
        #expect(try catalog.volumes().first?.state == .pending)
    }

    @Test func vanishedOrResizedVolumesAreDroppedWithTheirData() throws {
        let (catalog, b, c) = try Self.catalogWithTwoDblocks()
        try catalog.addBlocks([("h1", 10), ("h2", 20)], volumeID: b.id, fromDirectory: false)
        try catalog.addBlocks([("h1", 10)], volumeID: c.id, fromDirectory: true)
        #expect(try catalog.locations(of: "h1").map(\.volumeName) == ["c.dblock", "b.dblock"])
        #expect(try catalog.synchronizeVolumes([("x.dlist", "dlist", 1), ("c.dblock", "dblock", 100)]))
        #expect(try catalog.locations(of: "h2").isEmpty)
        #expect(try catalog.locations(of: "h1").map(\.volumeName) == ["c.dblock"])
        #expect(try catalog.synchronizeVolumes([("x.dlist", "dlist", 1), ("c.dblock", "dblock", 101)]))
        #expect(try catalog.locations(of: "h1").isEmpty)
        #expect(try catalog.synchronizeVolumes([("x.dlist", "dlist", 1), ("c.dblock", "dblock", 101)]) == false)
    }

    @Test func claimsADirectoryDoesNotConfirmAreKeptAsDoubtedAndTriedLast() throws {
        let (catalog, b, c) = try Self.catalogWithTwoDblocks()
        try catalog.addBlocks([("h1", 10), ("h2", 20)], volumeID: b.id, fromDirectory: false)
        try catalog.addBlocks([("h2", 20)], volumeID: c.id, fromDirectory: false)
        // b's directory lists h1 only: h2 there is doubted, not forgotten, and comes after c.
        try catalog.replaceBlocksFromDirectory([("h1", 10)], volumeID: b.id)
        let h1 = try catalog.locations(of: "h1")
        #expect(h1.map(\.volumeName) == ["b.dblock"] && h1[0].fromDirectory && !h1[0].doubted)
        let h2 = try catalog.locations(of: "h2")
        #expect(h2.map(\.volumeName) == ["c.dblock", "b.dblock"])
        #expect(h2.map(\.doubted) == [false, true] && h2.allSatisfy { !$0.fromDirectory })
        // A later read of b's directory that lists h2 confirms it; one that drops h1 leaves it
        // doubted too (a dblock never changes: one of the two reads was damaged).
        try catalog.replaceBlocksFromDirectory([("h2", 20)], volumeID: b.id)
        #expect(try catalog.locations(of: "h2").first { $0.volumeName == "b.dblock" }?.fromDirectory == true)
        #expect(try catalog.locations(of: "h1").map(\.doubted) == [true])
    }

    @Test func indexSurvivesReopenAndMetadataIsCached() throws {
        let (catalog, dir) = try Self.temporaryCatalog()
        try catalog.storeMetadata(hash: "abc", MetadataRecord(mode: 0o644, uid: 1, gid: 2, mtimeSeconds: -5, mtimeNanoseconds: 100, symlinkTarget: "t"))
        try catalog.addBlocklist(hash: "L", content: [1, 2, 3])
        let reopened = try Catalog(path: dir + "/index.sqlite")
        let meta = try #require(try reopened.metadata(hash: "abc"))
        #expect(meta.mode == 0o644 && meta.mtimeSeconds == -5 && meta.mtimeNanoseconds == 100 && meta.symlinkTarget == "t")
        #expect(try reopened.blocklist(hash: "L") == [1, 2, 3])
    }

    @Test func largeFolderPagesInNameOrder() throws {
        let (catalog, _) = try Self.temporaryCatalog()
        try catalog.synchronizeVolumes([("v.dlist", "dlist", 1)])
        let volume = try #require(try catalog.volumes().first)
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            for i in (0..<2500).reversed() { _ = try Self.add(builder, ["d", String(format: "f%05d", i)], .file, size: 1) }
        }
        let version = try #require(try catalog.versions().first)
        let d = try #require(try catalog.child(version: version.id, parent: 0, name: "d"))
        let first = try catalog.children(version: version.id, parent: d.id, limit: 1000)
        let second = try catalog.children(version: version.id, parent: d.id, after: first.last?.name, limit: 1000)
        #expect(first.first?.name == "f00000")
        #expect(second.first?.name == "f01000")
        #expect(version.fileCount == 2500)
    }

    /// An index planted as a symlink (to a file someone else can read) is never opened through.
    @Test func anIndexThatIsASymlinkIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let elsewhere = dir + "/elsewhere.sqlite"
        try FileManager.default.createSymbolicLink(atPath: dir + "/index.sqlite", withDestinationPath: elsewhere)
        #expect(throws: SQLiteError.self) { _ = try Catalog(path: dir + "/index.sqlite") }
        #expect(!FileManager.default.fileExists(atPath: elsewhere), "the index was created through the symlink")
    }
}
