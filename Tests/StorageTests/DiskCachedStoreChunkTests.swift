import ByteSource
import Foundation
import Storage
import Synchronization
import Testing

@Suite struct DiskCachedStoreChunkTests {
    /// A local folder that records every read's offset and length.
    final class Recording: BackendStore {
        let inner: LocalDirectoryStore
        let reads = Mutex<[(offset: Int64, count: Int)]>([])
        init(_ path: String) { inner = LocalDirectoryStore(path: path) }
        var displayName: String { inner.displayName }
        var identity: String { inner.identity }
        func list() throws -> [RemoteFile] { try inner.list() }
        func open(_ file: RemoteFile) throws -> any ByteSource { Source(inner: try inner.open(file), owner: self) }
        func take() -> [(offset: Int64, count: Int)] { reads.withLock { r in defer { r.removeAll() }; return r } }
        struct Source: ByteSource {
            let inner: any ByteSource
            let owner: Recording
            var size: Int64 { inner.size }
            func read(at offset: Int64, count: Int) throws -> [UInt8] {
                owner.reads.withLock { $0.append((offset, count)) }
                return try inner.read(at: offset, count: count)
            }
        }
    }

    let root: URL
    let remote: URL
    let cache: String
    let bytes: [UInt8]

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dcs-chunks-\(UUID().uuidString)")
        remote = root.appendingPathComponent("remote")
        cache = root.appendingPathComponent("cache").path
        try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        bytes = (0..<(3 << 20) + 1234).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: remote.appendingPathComponent("a.dblock"))
    }

    func expected(_ offset: Int, _ count: Int) -> [UInt8] { Array(bytes[offset..<min(bytes.count, offset + count)]) }

    @Test func aSmallReadDownloadsOnlyTheChunksItTouches() throws {
        let inner = Recording(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: cache, limit: 1 << 30)
        let source = try store.open(try #require(try store.list().first))
        #expect(try source.read(at: 1_000_000, count: 100) == expected(1_000_000, 100))
        let reads = inner.take()
        #expect(reads.count == 1)
        #expect(reads.allSatisfy { $0.count <= 8 << 10 }, "\(reads)")
        // The header of an AES Crypt file: a few KiB at most.
        #expect(try source.read(at: 0, count: 1024) == expected(0, 1024))
        #expect(inner.take().map(\.count) == [4096])
        // The last bytes (a trailer): only the last chunk, which is short.
        #expect(try source.read(at: Int64(bytes.count - 33), count: 33) == expected(bytes.count - 33, 33))
        #expect(inner.take().allSatisfy { $0.count <= 4096 })
    }

    @Test func missingChunksAroundCachedOnesAreOneRequest() throws {
        let inner = Recording(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: cache, limit: 1 << 30)
        let source = try store.open(try #require(try store.list().first))
        for offset in [10_000, 50_000, 90_000, 300_000] {
            _ = try source.read(at: Int64(offset), count: 10)
        }
        _ = inner.take()
        #expect(try source.read(at: 0, count: 400_000) == expected(0, 400_000))
        #expect(inner.take().count == 1)
        // All of it is on disk now.
        #expect(try source.read(at: 0, count: 400_000) == expected(0, 400_000))
        #expect(inner.take().isEmpty)
    }

    @Test func sequentialReadsCostOneRequestEach() throws {
        let inner = Recording(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: cache, limit: 1 << 30)
        let source = try store.open(try #require(try store.list().first))
        var offset = 16  // unaligned, like an AES Crypt ciphertext after its header
        var requests = 0
        while offset < bytes.count {
            let count = 700_001
            #expect(try source.read(at: Int64(offset), count: count) == expected(offset, count))
            requests += inner.take().count
            offset += count
        }
        #expect(requests <= (bytes.count + 700_000) / 700_001)
    }

    @Test func aMapOfTheEarlierFormatIsDiscardedNotRead() throws {
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        // An earlier cache: 256 KiB chunks all marked present over data that is all zeros.
        let oldChunks = (bytes.count + (256 << 10) - 1) / (256 << 10)
        try Data(repeating: 0xFF, count: (oldChunks + 7) / 8).write(to: URL(fileURLWithPath: cache + "/a.dblock.map"))
        try Data(count: bytes.count).write(to: URL(fileURLWithPath: cache + "/a.dblock.data"))
        let inner = Recording(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: cache, limit: 1 << 30)
        let file = try #require(try inner.list().first)
        let source = try store.open(file)
        #expect(try source.read(at: 5000, count: 3000) == expected(5000, 3000))
        #expect(inner.take().count == 1)
        #expect(!FileManager.default.fileExists(atPath: cache + "/a.dblock.map"))
        // The listing clears one left behind too.
        try Data(repeating: 0xFF, count: 2).write(to: URL(fileURLWithPath: cache + "/a.dblock.map"))
        _ = try store.list()
        #expect(!FileManager.default.fileExists(atPath: cache + "/a.dblock.map"))
    }

    @Test func aMapWithAnotherHeaderIsIgnored() throws {
        do {
            let store = try DiskCachedStore(inner: Recording(remote.path), directory: cache, limit: 1 << 30)
            _ = try store.open(try #require(try store.list().first)).read(at: 0, count: 10_000)
        }
        // Same length, another chunk size in the header: must not be believed.
        let mapPath = cache + "/a.dblock.chunks"
        var map = try [UInt8](Data(contentsOf: URL(fileURLWithPath: mapPath)))
        map[8] ^= 0x01
        try Data(map).write(to: URL(fileURLWithPath: mapPath))
        let data = cache + "/a.dblock.data"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data))
        try handle.write(contentsOf: Data(count: 10_000))
        try handle.close()
        let inner = Recording(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: cache, limit: 1 << 30)
        #expect(try store.open(try #require(try store.list().first)).read(at: 0, count: 10_000) == expected(0, 10_000))
        #expect(inner.take().count == 1)
    }
}
