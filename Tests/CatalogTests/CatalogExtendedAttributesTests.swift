import Foundation
import Testing

@testable import Catalog

@Suite struct CatalogExtendedAttributesTests {
    static let binary: [UInt8] = [0, 0xFF, 0x80, 10, 0]

    @Test func extendedAttributesRoundTripInOrderAndAreReplaced() throws {
        let (catalog, dir) = try CatalogTests.temporaryCatalog()
        #expect(try catalog.extendedAttributes(hash: "m1") == nil)
        let attributes = [
            ExtendedAttributeRecord(name: "user.zeta", value: Array("z".utf8)),
            ExtendedAttributeRecord(name: "user.empty", value: []),
            ExtendedAttributeRecord(name: "user.binary", value: Self.binary),
        ]
        try catalog.storeMetadata([
            ("m1", MetadataRecord(mode: 0o644), attributes),
            ("m2", MetadataRecord(mode: 0o600, extendedAttributeCount: 7), []),
        ])
        let reopened = try Catalog(path: dir + "/index.sqlite")
        #expect(try reopened.extendedAttributes(hash: "m1") == attributes)
        #expect(try reopened.metadata(hash: "m1")?.extendedAttributeCount == 3)
        #expect(try reopened.extendedAttributes(hash: "m2") == [])
        // The count stored is that of the list, whatever the record said.
        #expect(try reopened.metadata(hash: "m2")?.extendedAttributeCount == 0)
        #expect(try reopened.extendedAttribute(named: "user.binary", hash: "m1") == Self.binary)
        #expect(try reopened.extendedAttribute(named: "user.empty", hash: "m1") == [])
        #expect(try reopened.extendedAttribute(named: "user.missing", hash: "m1") == nil)
        #expect(try reopened.extendedAttribute(named: "user.binary", hash: "m2") == nil)

        try reopened.storeMetadata(hash: "m1", MetadataRecord(mode: 0o644), extendedAttributes: [attributes[1]])
        #expect(try reopened.extendedAttributes(hash: "m1") == [attributes[1]])
        #expect(try reopened.extendedAttribute(named: "user.binary", hash: "m1") == nil)
        try reopened.storeMetadata(hash: "m1", MetadataRecord(mode: 0o644))
        #expect(try reopened.extendedAttributes(hash: "m1") == [])
    }

    @Test func listingsCarryTheCountOfExtendedAttributes() throws {
        let (catalog, _) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("v.dlist", "dlist", 1)])
        let volume = try #require(try catalog.volumes().first)
        try catalog.storeVersion(volumeID: volume.id, time: 1, isFullBackup: true) { builder in
            for (name, meta) in [("a", "ma"), ("b", "mb"), ("c", "mc")] {
                _ = try builder.add(
                    components: ["d", name], kind: .file, size: 1, hash: "h", blocklists: [], blockhash: nil,
                    metahash: meta, metasize: 5, metablocklists: [], metablockhash: nil, storedPath: "/d/" + name, listTime: nil)
            }
        }
        try catalog.storeMetadata([
            ("ma", MetadataRecord(mode: 0o644), [ExtendedAttributeRecord(name: "user.x", value: [1])]),
            ("mb", MetadataRecord(mode: 0o644), []),
        ])
        let version = try #require(try catalog.versions().first)
        let d = try #require(try catalog.child(version: version.id, parent: 0, name: "d"))
        let children = try catalog.childrenWithMetadata(version: version.id, parent: d.id)
        #expect(children.map(\.entry.name) == ["a", "b", "c"])
        #expect(children.map { $0.metadata?.extendedAttributeCount } == [1, 0, nil])
        #expect(try catalog.childWithMetadata(version: version.id, parent: d.id, name: "a")?.metadata?.extendedAttributeCount == 1)
    }

    @Test func anOlderIndexIsRebuiltWithoutItsPlacementsAndAttributes() throws {
        let (catalog, dir) = try CatalogTests.temporaryCatalog()
        try catalog.synchronizeVolumes([("a.dblock", "dblock", 100)])
        let volume = try #require(try catalog.volumes().first)
        try catalog.replacePlacements(
            [BlockPlacement(hash: "h", offset: 0, end: 10, compressedSize: 5, uncompressedSize: 5, method: 0, flags: 0, crc32: 1)],
            volumeID: volume.id)
        // Make it look like a schema 2 index: metadata without the count, no xattrs table.
        try catalog.withState { state in
            try state.connection.execute("""
                DROP TABLE metadata; DROP TABLE xattrs;
                CREATE TABLE metadata (hash TEXT PRIMARY KEY, mode INTEGER, uid INTEGER, gid INTEGER, mtime INTEGER,
                    mtimensec INTEGER, owner TEXT, grp TEXT, target TEXT);
                CREATE TABLE xattrs (stale TEXT);
                UPDATE settings SET value='2' WHERE key='schema';
                """)
        }
        let reopened = try Catalog(path: dir + "/index.sqlite")
        #expect(try reopened.volumes().isEmpty)
        #expect(try reopened.placements(volumeID: volume.id).isEmpty)
        try reopened.storeMetadata(hash: "m", MetadataRecord(), extendedAttributes: [ExtendedAttributeRecord(name: "user.a", value: [])])
        #expect(try reopened.extendedAttributes(hash: "m") == [ExtendedAttributeRecord(name: "user.a", value: [])])
        #expect(try reopened.setting("schema") == String(Catalog.schemaVersion))
    }
}
