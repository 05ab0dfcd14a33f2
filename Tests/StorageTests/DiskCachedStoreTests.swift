import ByteSource
import Foundation
import Storage
import Synchronization
import Testing

@Suite struct DiskCachedStoreTests {
    final class Counting: BackendStore {
        let inner: LocalDirectoryStore
        let reads = Mutex(0)
        init(_ path: String) { inner = LocalDirectoryStore(path: path) }
        var displayName: String { inner.displayName }
        var identity: String { inner.identity }
        func list() throws -> [RemoteFile] { try inner.list() }
        func open(_ file: RemoteFile) throws -> any ByteSource { Source(inner: try inner.open(file), owner: self) }
        struct Source: ByteSource {
            let inner: any ByteSource
            let owner: Counting
            var size: Int64 { inner.size }
            func read(at offset: Int64, count: Int) throws -> [UInt8] {
                owner.reads.withLock { $0 += 1 }
                return try inner.read(at: offset, count: count)
            }
        }
    }

    let root: URL
    let remote: URL
    let bytes: [UInt8]

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dcs-\(UUID().uuidString)")
        remote = root.appendingPathComponent("remote")
        try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        bytes = (0..<(3 << 20) + 1234).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for name in ["a.dblock", "b.dblock", "c.dblock"] {
            try Data(bytes).write(to: remote.appendingPathComponent(name))
        }
    }

    @Test func secondReadComesFromDiskAndBytesAreExact() throws {
        let inner = Counting(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: root.appendingPathComponent("cache").path, limit: 1 << 30)
        let file = try #require(try store.list().first { $0.name == "a.dblock" })
        let source = try store.open(file)
        for (offset, count) in [(0, 100), (300_000, 700_000), (3 << 20, 5000), (1_000_000, 10)] {
            #expect(try source.read(at: Int64(offset), count: count) == Array(bytes[offset..<min(bytes.count, offset + count)]))
        }
        let before = inner.reads.withLock { $0 }
        // A fresh store over the same folder (a remount) reads the same bytes from disk.
        let again = try DiskCachedStore(inner: inner, directory: root.appendingPathComponent("cache").path, limit: 1 << 30)
        let second = try again.open(file)
        #expect(try second.read(at: 300_000, count: 700_000) == Array(bytes[300_000..<1_000_000]))
        #expect(inner.reads.withLock { $0 } == before)
        var info = stat()
        #expect(stat(root.appendingPathComponent("cache").path, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(stat(root.appendingPathComponent("cache/a.dblock.data").path, &info) == 0 && info.st_mode & 0o077 == 0)
    }

    @Test func discardedDataIsFetchedAgain() throws {
        let inner = Counting(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: root.appendingPathComponent("cache").path, limit: 1 << 30)
        let file = try #require(try store.list().first { $0.name == "b.dblock" })
        let source = try store.open(file)
        _ = try source.read(at: 0, count: 1000)
        store.discardCachedData(of: "b.dblock")
        let before = inner.reads.withLock { $0 }
        #expect(try source.read(at: 0, count: 1000) == Array(bytes[0..<1000]))
        #expect(inner.reads.withLock { $0 } == before + 1)
    }

    @Test func sizeStaysBoundedLeastRecentlyUsedFirst() throws {
        let inner = Counting(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: root.appendingPathComponent("cache").path, limit: 5 << 20)
        for name in ["a.dblock", "b.dblock", "c.dblock"] {
            let file = try #require(try store.list().first { $0.name == name })
            _ = try store.open(file).read(at: 0, count: bytes.count)
        }
        #expect(store.cachedBytes <= 5 << 20)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("cache/c.dblock.chunks").path))
    }

    @Test func vanishedVolumesLeaveTheCache() throws {
        let inner = Counting(remote.path)
        let store = try DiskCachedStore(inner: inner, directory: root.appendingPathComponent("cache").path, limit: 1 << 30)
        let file = try #require(try store.list().first { $0.name == "c.dblock" })
        _ = try store.open(file).read(at: 0, count: 10)
        try FileManager.default.removeItem(at: remote.appendingPathComponent("c.dblock"))
        _ = try store.list()
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("cache/c.dblock.data").path))
    }

    /// A file of the disk cache planted as a symlink is never written or truncated through.
    @Test func aSymlinkPlantedInTheDiskCacheIsNotWrittenThrough() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = root.appendingPathComponent("cache").path
        let victim = root.appendingPathComponent("victim").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: victim))
        let store = try DiskCachedStore(inner: Counting(remote.path), directory: cache, limit: 1 << 30)
        #expect(symlink(victim, cache + "/a.dblock.data") == 0)
        let file = try #require(try store.list().first { $0.name == "a.dblock" })
        #expect(try store.open(file).read(at: 1000, count: 5000) == Array(bytes[1000..<6000]))
        #expect(FileManager.default.contents(atPath: victim) == Data("keep me".utf8))
    }

    static func command(_ path: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A --cache-size larger than the disk has free: the cache stops short of filling the disk
    /// (the index beside it must still be able to write), and reads still return every byte.
    @Test(.enabled(if: geteuid() == 0, "needs root to mount a small tmpfs"))
    func theCacheLeavesFreeSpaceOnItsDiskWhateverItsLimit() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let disk = root.appendingPathComponent("disk").path
        #expect(mkdir(disk, 0o700) == 0)
        try #require(Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", disk]) == 0)
        defer { _ = Self.command("/bin/umount", [disk]) }
        let store = try DiskCachedStore(inner: Counting(remote.path), directory: disk + "/cache", limit: 1 << 30)
        for file in try store.list() {
            let source = try store.open(file)
            var offset = 0
            while offset < bytes.count {
                let count = min(256 << 10, bytes.count - offset)
                #expect(try source.read(at: Int64(offset), count: count) == Array(bytes[offset..<(offset + count)]))
                offset += count
            }
        }
        var info = statvfs()
        #expect(statvfs(disk, &info) == 0)
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        #expect(free >= 512 << 10, "the cache left \(free) bytes free on an 8 MiB disk")
        #expect(store.cachedBytes >= 4 << 20, "it still caches what fits: \(store.cachedBytes)")
    }
}
