import Foundation
import Testing
import TestSupport

@Suite struct ManyVersionBackupTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("many-versions-\(UUID().uuidString)")
    }

    static var shape: ChurningTree.Shape {
        var shape = ChurningTree.Shape(files: 150, versions: 7, seed: 5)
        shape.filesPerFolder = 20
        shape.foldersPerGroup = 3
        shape.changed = 0.05
        shape.added = 0.04
        shape.deleted = 0.02
        return shape
    }

    static var options: FixtureOptions {
        var options = FixtureOptions(blocksize: 1024, volumeSize: 32 << 10)
        options.seed = 9
        return options
    }

    @Test func churnFollowsTheShapesRates() {
        var tree = ChurningTree(shape: ChurningTree.Shape(files: 10_000, versions: 3))
        #expect(tree.fileCount == 10_000)
        #expect(tree.entryCount == 10_000 + 100 + 1 + 1)
        tree.advance()
        #expect(tree.lastChanged.count == 100)
        #expect(tree.lastAdded.count == 50)
        #expect(tree.fileCount == 10_000 - 30 + 50)
        #expect(tree.distinctFiles == 10_000 + 150)
        // Paths in file-list order are in byte order.
        let paths = tree.entries.filter { !$0.isFolder }.map { Array($0.path.utf8) }
        #expect(zip(paths, paths.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
    }

    @Test func everyDlistRebuildsItsVersionsTree() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let shape = Self.shape
        let (counts, writer) = try ManyVersionBackup.write(shape, to: dir, options: Self.options)
        #expect(writer.dlistNames.count == shape.versions)
        let reading = BackupReading(directory: dir, passphrase: nil, options: Self.options)
        let blocks = try reading.allBlocks()
        var distinct = Set<String>()
        var memberships = 0
        for (index, dlist) in writer.dlistNames.enumerated() {
            let records = try reading.records(dlist: dlist, blocks: blocks)
            let tree = ChurningTree.entries(shape, version: index)
            #expect(records.map(\.path) == tree.map(\.storedPath), "version \(index): paths or their order")
            for (record, entry) in zip(records, tree) {
                #expect(record.content == entry.fileBytes, "\(entry.path) in version \(index)")
                #expect(record.metadata["unix:uid-gid-perm"] == "1000-1000-\(entry.mode & 0o7777)")
                #expect(record.metadata["CoreLastWritetime"] == String(entry.mtimeTicks))
                distinct.insert("\(record.path) \((record.object["hash"] as? String) ?? "-") \((record.object["metahash"] as? String) ?? "-")")
            }
            memberships += records.count
            if index == shape.versions - 1 { #expect(counts.newestEntries == records.count) }
        }
        #expect(counts.distinctEntries == distinct.count)
        #expect(counts.memberships == memberships)
        #expect(counts.versions == shape.versions)
        // Each version adds only its changed and new files' blocks: far fewer than a full copy.
        #expect(blocks.count < 3 * counts.distinctEntries)
    }

    @Test func newestOnlyAndAloneHoldTheNewestVersion() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let shape = Self.shape
        let full = dir.appendingPathComponent("full"), newest = dir.appendingPathComponent("newest")
        let alone = dir.appendingPathComponent("alone")
        let writer = try ManyVersionBackup.write(shape, to: full, options: Self.options).writer
        try ManyVersionBackup.linkNewestOnly(from: full, to: newest)
        let names = Set(try FixtureDamage.volumeNames(in: newest))
        let dlists = Set(writer.dlistNames)
        #expect(names == Set(writer.volumeNames).subtracting(dlists).union([writer.dlistNames.last ?? ""]))
        try ManyVersionBackup.writeNewestAlone(shape, to: alone, options: Self.options)
        let reading = BackupReading(directory: alone, passphrase: nil, options: Self.options)
        let dlist = try #require(try FixtureDamage.volumeNames(in: alone).first { $0.contains(".dlist.") })
        let records = try reading.records(dlist: dlist, blocks: try reading.allBlocks())
        let tree = ChurningTree.entries(shape, version: shape.versions - 1)
        #expect(records.map(\.path) == tree.map(\.storedPath))
        #expect(records.map(\.content) == tree.map(\.fileBytes))
    }
}
