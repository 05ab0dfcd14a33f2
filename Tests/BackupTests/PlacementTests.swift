import Backup
import ByteSource
import Catalog
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// A folder store that records every read: volume, offset and length.
final class RecordingStore: InterposedStore, @unchecked Sendable {  // immutable: lets only
    private final class Log: Sendable {
        let entries = Mutex<[(name: String, offset: Int64, count: Int)]>([])
    }

    private let log: Log

    init(_ inner: LocalDirectoryStore) {
        let log = Log()
        self.log = log
        super.init(inner) { name, offset, count, _ in log.entries.withLock { $0.append((name, offset, count)) } }
    }

    func reads(of name: String) -> [(offset: Int64, count: Int)] {
        log.entries.withLock { $0.filter { $0.name == name }.map { ($0.offset, $0.count) } }
    }

    func reset() { log.entries.withLock { $0.removeAll() } }
}

@Suite struct PlacementTests {
    static func options(encrypted: Bool) -> FixtureOptions {
        var options = SampleBackup.defaultOptions
        if encrypted { options.encryption = .aes(.v2, passphrase: "pw") }
        return options
    }

    /// Every block of the newest version's files, read once (which opens the directories of
    /// the dblocks holding them and stores their placements).
    static func readEverything(_ backup: Backup) throws -> [String: [UInt8]] {
        let version = try backup.version(0)
        var blocks: [String: [UInt8]] = [:]
        var folders: [Int64] = [0]
        while let folder = folders.popLast() {
            for child in try backup.catalog.children(version: version.id, parent: folder) {
                switch child.kind {
                case .folder: folders.append(child.id)
                case .file:
                    for hash in try backup.blockHashes(of: child) where blocks[hash] == nil {
                        blocks[hash] = try backup.block(hash)
                    }
                case .symlink: break
                }
            }
        }
        backup.waitForPlacementWrites()
        return blocks
    }

    static func dblocks(_ backup: Backup) throws -> [VolumeRecord] {
        try backup.catalog.volumes().filter { $0.kind == "dblock" }
    }

    @Test(arguments: [false, true])
    func aBlockIsReadWhereTheIndexPlacedItWithoutItsDirectory(encrypted: Bool) throws {
        let fixture = try BackupFixture(options: Self.options(encrypted: encrypted))
        let first = try fixture.open()
        let blocks = try Self.readEverything(first)
        let placed = try Self.dblocks(first).filter { try first.catalog.placementCount(volumeID: $0.id) > 0 }
        #expect(!placed.isEmpty)
        let volume = try #require(placed.first)
        let placement = try #require(try first.catalog.placements(volumeID: volume.id).first { blocks[$0.hash] != nil })

        // A new process (a remount): the index knows the record, so no directory is read.
        let store = RecordingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let second = try fixture.open(store: store)
        store.reset()
        #expect(try second.block(placement.hash) == blocks[placement.hash])
        let reads = store.reads(of: volume.name)
        let bytes = reads.reduce(0) { $0 + $1.count }
        if encrypted {
            // The AES Crypt header, the v2 length byte, then the record.
            #expect(reads.count <= 3, "\(reads)")
        } else {
            #expect(reads.count == 1, "\(reads)")
        }
        #expect(bytes <= Int(placement.end - placement.offset) + 2048, "\(reads)")
        // Nothing was read from the zip directory: besides the AES Crypt header (at 0) and
        // trailer (a few bytes at the end), one read, the record's.
        let substantial = reads.filter { $0.offset != 0 && $0.count > 64 }
        #expect(substantial.count == 1, "\(reads)")
        if !encrypted {
            #expect(substantial.allSatisfy { $0.offset == placement.offset && $0.offset + Int64($0.count) <= placement.end })
        }
        // A second block of the same volume: one more read.
        if let other = try first.catalog.placements(volumeID: volume.id).first(where: { $0.hash != placement.hash && blocks[$0.hash] != nil }) {
            store.reset()
            #expect(try second.block(other.hash) == blocks[other.hash])
            #expect(store.reads(of: volume.name).count == 1)
        }
    }

    @Test(arguments: [false, true])
    func aWrongPlacementFallsBackToTheDirectoryAndYieldsTheRightBytes(encrypted: Bool) throws {
        let fixture = try BackupFixture(options: Self.options(encrypted: encrypted))
        let first = try fixture.open()
        let blocks = try Self.readEverything(first)
        let volume = try #require(try Self.dblocks(first).first { try first.catalog.placementCount(volumeID: $0.id) > 3 })
        let truth = try first.catalog.placements(volumeID: volume.id)
        let wanted = truth.filter { blocks[$0.hash] != nil }
        try #require(wanted.count >= 3)
        func lie(_ p: BlockPlacement, offset: Int64? = nil, end: Int64? = nil, compressed: Int64? = nil, crc: UInt32? = nil) -> BlockPlacement {
            BlockPlacement(
                hash: p.hash, offset: offset ?? p.offset, end: end ?? p.end, compressedSize: compressed ?? p.compressedSize,
                uncompressedSize: p.uncompressedSize, method: p.method, flags: p.flags, crc32: crc ?? p.crc32)
        }
        let other = try #require(truth.first { $0.hash != wanted[0].hash })
        let lies: [BlockPlacement] = [
            lie(wanted[0], offset: other.offset, end: other.end),          // another record's place
            lie(wanted[1], offset: wanted[1].offset + 1),                  // no local header there
            lie(wanted[2], crc: wanted[2].crc32 ^ 0x10),                   // right place, wrong CRC
        ]
        for (index, lying) in lies.enumerated() {
            try first.catalog.replacePlacements([lying], volumeID: volume.id)
            let second = try fixture.open()
            #expect(try second.block(lying.hash) == blocks[lying.hash], "lie \(index)")
            second.waitForPlacementWrites()
            // The directory was read again and its records stored in place of the lie.
            #expect(try second.catalog.placement(of: lying.hash, volumeID: volume.id) == truth.first { $0.hash == lying.hash })
        }
        // A size no block can have is never read at all.
        let huge = lie(wanted[0], end: wanted[0].offset + (1 << 40), compressed: 1 << 40)
        try first.catalog.replacePlacements([huge], volumeID: volume.id)
        #expect(try fixture.open().block(huge.hash) == blocks[huge.hash])
    }

    /// The dblock holding the most placed records, and all their hashes.
    static func fullestVolume(_ backup: Backup) throws -> (VolumeRecord, [String]) {
        var best: (VolumeRecord, [String])?
        for volume in try dblocks(backup) {
            let hashes = try backup.catalog.placements(volumeID: volume.id).map(\.hash)
            if hashes.count > best?.1.count ?? 0 { best = (volume, hashes) }
        }
        return try #require(best)
    }

    @Test(arguments: [false, true])
    func prefetchDownloadsAVolumeMostlyWantedInOneRequest(encrypted: Bool) throws {
        let fixture = try BackupFixture(options: Self.options(encrypted: encrypted))
        let first = try fixture.open()
        _ = try Self.readEverything(first)
        let (volume, hashes) = try Self.fullestVolume(first)
        let store = RecordingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let second = try fixture.open(store: store)
        store.reset()
        second.prefetch(hashes)
        let reads = store.reads(of: volume.name)
        #expect(reads.count == 1, "\(reads)")
        #expect(reads.first?.offset == 0 && Int64(reads.first?.count ?? 0) == volume.size)
        for hash in hashes { #expect(second.blockCache.contains(hash)) }
    }

    @Test(arguments: [false, true])
    func aWholeVolumeFailingItsHMACIsReadByRangeInstead(corruptData: Bool) throws {
        let fixture = try BackupFixture(options: Self.options(encrypted: true))
        let first = try fixture.open()
        let blocks = try Self.readEverything(first)
        let (volume, hashes) = try Self.fullestVolume(first)
        let path = fixture.backupDirectory.appendingPathComponent(volume.name)
        var bytes = try [UInt8](Data(contentsOf: path))
        var damaged: String?
        if corruptData {
            // One record's ciphertext: the HMAC fails, and that block too.
            let placement = try #require(try first.catalog.placements(volumeID: volume.id).first { blocks[$0.hash] != nil })
            // AES Crypt v2: magic, version, reserved, extensions, then 96 bytes before the ciphertext.
            var position = 5
            while true {
                let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
                position += 2
                if length == 0 { break }
                position += length
            }
            let dataStart = Int(placement.offset) + 30 + 44
            bytes[position + 96 + dataStart + Int(placement.compressedSize) / 2] ^= 0x01
            damaged = placement.hash
        } else {
            bytes[bytes.count - 1] ^= 0x01  // the HMAC tag itself
        }
        try Data(bytes).write(to: path)
        let store = RecordingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let cacheFolder = fixture.root.appendingPathComponent("disk-cache").path
        let cached = try DiskCachedStore(inner: store, directory: cacheFolder, limit: 1 << 30)
        let second = try fixture.open(store: cached)
        store.reset()
        second.prefetch(hashes)
        #expect(store.reads(of: volume.name).count > 1, "fell back to ranged reads")
        var held = 0
        for hash in hashes where hash != damaged {
            if second.blockCache.contains(hash) { held += 1 }
        }
        // Blocks next to the damaged byte may share its cipher blocks; every other one is held.
        #expect(held >= hashes.count - 2)
        if let damaged {
            #expect(!second.blockCache.contains(damaged))
            #expect(throws: (any Error).self) { try second.block(damaged) }
        }
        for hash in hashes where hash != damaged {
            if let expected = blocks[hash] { #expect(try second.block(hash) == expected) }
        }
    }
}
