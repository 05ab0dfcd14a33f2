import Backup
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

@Suite struct BlockCacheTests {
    struct Boom: Error {}

    @Test func concurrentRequestsShareOneFetch() throws {
        let cache = BlockCache(capacity: 1 << 20)
        let fetches = Mutex(0)
        let gate = DispatchSemaphore(value: 0)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            if i == 0 { Thread.sleep(forTimeInterval: 0.05); gate.signal() }
            let data = try? cache.block("h") {
                fetches.withLock { $0 += 1 }
                gate.wait()
                gate.signal()
                return [1, 2, 3]
            }
            #expect(data == [1, 2, 3])
        }
        #expect(fetches.withLock { $0 } == 1)
    }

    @Test func failuresAreNotCached() throws {
        let cache = BlockCache(capacity: 1 << 20, failureMemory: 0)
        #expect(throws: Boom.self) { try cache.block("h") { throw Boom() } }
        #expect(try cache.block("h") { [9] } == [9])
        #expect(try cache.block("h") { throw Boom() } == [9])
    }

    @Test func aRecentFailureIsRepeatedAtOnceThenForgotten() throws {
        let cache = BlockCache(capacity: 1 << 20, failureMemory: 0.3)
        #expect(throws: Boom.self) { try cache.block("h") { throw Boom() } }
        let fetched = Mutex(false)
        #expect(throws: Boom.self) { try cache.block("h") { fetched.withLock { $0 = true }; return [1] } }
        #expect(fetched.withLock { $0 } == false)
        let deadline = Date().addingTimeInterval(5)
        var value: [UInt8]?
        while value == nil && Date() < deadline {
            value = try? cache.block("h") { [1] }
            if value == nil { usleep(50_000) }
        }
        #expect(value == [1])
    }

    @Test func sizeStaysWithinCapacity() throws {
        let cache = BlockCache(capacity: 10_000)
        for i in 0..<100 { _ = try cache.block("b\(i)") { [UInt8](repeating: UInt8(i), count: 1000) } }
        #expect(cache.bytes <= 10_000)
        // The most recent block is still there.
        #expect(try cache.block("b99") { throw Boom() } == [UInt8](repeating: 99, count: 1000))
    }

    /// A block larger than the whole memory cache (1 GiB blocks, a 128 MiB cache) must not be
    /// fetched, inflated and hashed again for every small read of it.
    @Test func aBlockLargerThanTheCapacityIsFetchedOnceAndTheLastSuchBlockKept() throws {
        let cache = BlockCache(capacity: 1000)
        let fetches = Mutex(0)
        let big = [UInt8](repeating: 7, count: 5000)
        for _ in 0..<5 {
            #expect(try cache.block("big") { fetches.withLock { $0 += 1 }; return big } == big)
        }
        #expect(fetches.withLock { $0 } == 1)
        #expect(cache.contains("big"))
        #expect(cache.bytes == 0, "the oversized slot is not counted against the capacity")
        #expect(cache.oversizedBytes == 5000)
        // Only one such block is kept: the next one takes the slot.
        _ = try cache.block("other") { [UInt8](repeating: 1, count: 4000) }
        #expect(!cache.contains("big") && cache.contains("other"))
        #expect(cache.oversizedBytes == 4000)
        // Small blocks still go through the bounded part.
        _ = try cache.block("small") { [1, 2, 3] }
        #expect(cache.contains("small") && cache.contains("other"))
    }
}

/// The same through a backup: blocks of 64 KiB, a memory cache of 16 KiB.
@Suite struct OversizedBlockTests {
    @Test func smallReadsOfABlockLargerThanTheMemoryCacheReadStorageOnce() throws {
        let options = FixtureOptions(blocksize: 64 << 10, volumeSize: 1 << 20)
        var generator = SeededGenerator(seed: "oversized")
        let content = (0..<(3 * (64 << 10) + 100)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let fixture = try BackupFixture(options: options) { directory, options in
            let writer = try FixtureBackupWriter(directory: directory, options: options)
            try writer.addVersion(
                [FixtureEntry(path: "/data", content: .folder), FixtureEntry(path: "/data/big.bin", content: .file(content))],
                time: Date(timeIntervalSince1970: 1_700_000_000))
        }
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let store = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let backup = try Backup.open(
            store: store, options: BackupOptions(cacheRoot: fixture.cacheRoot, blockCacheSize: 16 << 10), logger: BackupFixture.logger)
        let entry = try backup.entry(version: try backup.version(0), components: ["data", "big.bin"])
        let hashes = try backup.blockHashes(of: entry)
        var read: [UInt8] = []
        var readsAfterFirstPiece = 0
        for piece in 0..<(content.count + 4095) / 4096 {
            read += try backup.read(entry, hashes: hashes, offset: Int64(piece * 4096), count: 4096)
            if piece % 16 == 0 { readsAfterFirstPiece = store.reads.withLock { $0 } }
            // The other 15 pieces of the same block come from memory.
            #expect(store.reads.withLock { $0 } == readsAfterFirstPiece, "piece \(piece) read storage again")
        }
        #expect(read == content)
    }
}
