import Foundation
import Testing

@testable import Catalog

@Suite struct CatalogPlacementTests {
    static func placement(_ hash: String, _ offset: Int64) -> BlockPlacement {
        BlockPlacement(
            hash: hash, offset: offset, end: offset + 100, compressedSize: 50, uncompressedSize: 80,
            method: 8, flags: 0x800, crc32: 0xDEAD_BEEF)
    }

    @Test func placementsAreStoredReplacedAndForgottenPerVolume() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a.dblock.zip", "dblock", 1000), ("b.dblock.zip", "dblock", 1000)])
        let volumes = try catalog.volumes()
        let a = volumes[0].id, b = volumes[1].id
        try catalog.replacePlacements([Self.placement("h1", 0), Self.placement("h2", 100)], volumeID: a)
        try catalog.replacePlacements([Self.placement("h1", 500)], volumeID: b)
        #expect(try catalog.placement(of: "h1", volumeID: a) == Self.placement("h1", 0))
        #expect(try catalog.placement(of: "h1", volumeID: b) == Self.placement("h1", 500))
        #expect(try catalog.placement(of: "h3", volumeID: a) == nil)
        #expect(try catalog.placements(volumeID: a).map(\.hash) == ["h1", "h2"])
        // Replacing keeps only the new records.
        try catalog.replacePlacements([Self.placement("h2", 300)], volumeID: a)
        #expect(try catalog.placement(of: "h1", volumeID: a) == nil)
        #expect(try catalog.placementCount(volumeID: a) == 1)
        try catalog.forgetPlacements(volumeID: a)
        #expect(try catalog.placementCount(volumeID: a) == 0)
        #expect(try catalog.placementCount(volumeID: b) == 1)
    }

    @Test func aVolumeThatVanishesTakesItsPlacementsAlong() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a.dblock.zip", "dblock", 1000)])
        let id = try #require(try catalog.volumes().first).id
        try catalog.replacePlacements([Self.placement("h1", 0)], volumeID: id)
        // The file changed size: a new volume, nothing kept from the old one.
        try catalog.synchronizeVolumes([("a.dblock.zip", "dblock", 2000)])
        let newID = try #require(try catalog.volumes().first).id
        #expect(try catalog.placement(of: "h1", volumeID: id) == nil)
        #expect(try catalog.placement(of: "h1", volumeID: newID) == nil)
    }

    @Test func impossibleStoredValuesGiveNoPlacement() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a.dblock.zip", "dblock", 1000)])
        let id = try #require(try catalog.volumes().first).id
        let bad = BlockPlacement(hash: "h", offset: 10, end: 5, compressedSize: 1, uncompressedSize: 1, method: 0, flags: 0, crc32: 0)
        try catalog.replacePlacements([bad], volumeID: id)
        #expect(try catalog.placement(of: "h", volumeID: id) == nil)
    }

    @Test func anIndexOfTheEarlierSchemaIsRebuilt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        do {
            let old = try Catalog(path: dir + "/index.sqlite")
            try old.synchronizeVolumes([("a.dblock.zip", "dblock", 1000)])
            try old.setSetting("schema", "1")
        }
        let catalog = try Catalog(path: dir + "/index.sqlite")
        #expect(try catalog.volumes().isEmpty)
        #expect(try catalog.setting("schema") == String(Catalog.schemaVersion))
    }
}
