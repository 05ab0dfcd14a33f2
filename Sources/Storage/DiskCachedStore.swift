import ByteSource
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A store that keeps what it downloads on local disk, exactly as downloaded (volumes stay
/// encrypted), bounded in size, least recently used volume first out. Volumes never change once
/// written, so a cached byte is good until its volume disappears from the listing.
///
/// Each volume is a sparse file `<name>.data` plus `<name>.map`, a bitmap of which 256 KiB
/// chunks it holds. The map is written after the data, so a crash leaves at worst data that is
/// not marked (fetched again); bytes that are marked but damaged fail the block hash and
/// ``discardCachedData(of:)`` drops them.
package final class DiskCachedStore: BackendStore {
    package let inner: any BackendStore
    package let directory: String
    package let limit: Int64
    static let chunk: Int64 = 256 << 10
    private let volumes = Mutex<[String: CachedVolume]>([:])

    /// - Parameters:
    ///   - inner: where misses are read from.
    ///   - directory: the cache folder (created 0700).
    ///   - limit: bytes of volume data to keep at most.
    package init(inner: any BackendStore, directory: String, limit: Int64) throws {
        self.inner = inner
        self.directory = directory
        self.limit = max(0, limit)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw StorageError.system(operation: "mkdir", path: directory, errno: errno)
        }
        chmod(directory, 0o700)
    }

    package var displayName: String { inner.displayName }
    package var identity: String { inner.identity }

    package func list() throws -> [RemoteFile] {
        let files = try inner.list()
        // Drop cached volumes that are gone or changed size.
        let current = Dictionary(files.map { ($0.name, $0.size) }, uniquingKeysWith: { a, _ in a })
        if let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for name in names where name.hasSuffix(".map") {
                let volume = String(name.dropLast(4))
                var info = stat()
                let dataPath = directory + "/" + volume + ".data"
                if current[volume] == nil || (stat(dataPath, &info) == 0 && Int64(info.st_size) != current[volume]) {
                    discardCachedData(of: volume)
                }
            }
        }
        return files
    }

    package func open(_ file: RemoteFile) throws -> any ByteSource {
        let volume = try cachedVolume(file)
        return CachedSource(volume: volume, inner: try inner.open(file), store: self)
    }

    package func discardCachedData(of name: String) {
        volumes.withLock { $0.removeValue(forKey: name) }?.discard()
        unlink(directory + "/" + name + ".map")
        unlink(directory + "/" + name + ".data")
        inner.discardCachedData(of: name)
    }

    private func cachedVolume(_ file: RemoteFile) throws -> CachedVolume {
        try volumes.withLock { volumes in
            if let known = volumes[file.name], known.size == file.size { return known }
            let volume = try CachedVolume(directory: directory, file: file)
            volumes[file.name] = volume
            return volume
        }
    }

    /// Bytes of volume data cached now (chunks marked present).
    package var cachedBytes: Int64 {
        var total: Int64 = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".map") {
            if let map = FileManager.default.contents(atPath: directory + "/" + name) {
                total += Int64(map.reduce(0) { $0 + $1.nonzeroBitCount }) * Self.chunk
            }
        }
        return total
    }

    /// Evicts least recently used volumes until the cache is under 90% of its limit.
    func enforceLimit(keeping current: String) {
        var entries: [(name: String, used: Int, bytes: Int64)] = []
        var total: Int64 = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".map") {
            let path = directory + "/" + name
            var info = stat()
            guard stat(path, &info) == 0, let map = FileManager.default.contents(atPath: path) else { continue }
            let bytes = Int64(map.reduce(0) { $0 + $1.nonzeroBitCount }) * Self.chunk
            total += bytes
            entries.append((String(name.dropLast(4)), info.st_mtim.tv_sec, bytes))
        }
        guard total > limit else { return }
        for entry in entries.sorted(by: { $0.used < $1.used }) where entry.name != current {
            discardCachedData(of: entry.name)
            total -= entry.bytes
            if total <= limit - limit / 10 { break }
        }
    }
}

extension BackendStore {
    package func discardCachedData(of name: String) {}
}

/// One volume's cache files and which chunks they hold.
final class CachedVolume: Sendable {
    let name: String
    let size: Int64
    let dataPath: String
    let mapPath: String
    let present: Mutex<[UInt8]>

    init(directory: String, file: RemoteFile) throws {
        name = file.name
        size = file.size
        dataPath = directory + "/" + file.name + ".data"
        mapPath = directory + "/" + file.name + ".map"
        let chunks = Int((file.size + DiskCachedStore.chunk - 1) / DiskCachedStore.chunk)
        var map = [UInt8](repeating: 0, count: (chunks + 7) / 8)
        var info = stat()
        if let stored = FileManager.default.contents(atPath: mapPath), stored.count == map.count,
           stat(dataPath, &info) == 0, Int64(info.st_size) == file.size {
            map = [UInt8](stored)
        }
        present = Mutex(map)
    }

    /// Forgets every chunk (the files are being deleted).
    func discard() {
        present.withLock { map in
            for i in map.indices { map[i] = 0 }
        }
    }

    func has(_ chunk: Int) -> Bool {
        present.withLock { ($0[chunk / 8] >> UInt8(chunk % 8)) & 1 == 1 }
    }
}

/// Reads through the disk cache: chunks present are read locally; each run of missing chunks is
/// one read from the inner source, then written to the cache.
struct CachedSource: ByteSource {
    let volume: CachedVolume
    let inner: any ByteSource
    let store: DiskCachedStore

    var size: Int64 { volume.size }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= 0, count > 0, offset < size else { return [] }
        let end = min(size, offset + Int64(count))
        let chunk = DiskCachedStore.chunk
        let first = Int(offset / chunk)
        let last = Int((end - 1) / chunk)
        var out = [UInt8]()
        out.reserveCapacity(Int(end - offset))
        var index = first
        var wrote = false
        while index <= last {
            let cached = volume.has(index)
            var runEnd = index
            while runEnd + 1 <= last && volume.has(runEnd + 1) == cached { runEnd += 1 }
            let runStart = Int64(index) * chunk
            let runStop = min(size, Int64(runEnd + 1) * chunk)
            let bytes: [UInt8]
            if cached, let local = readLocal(runStart, Int(runStop - runStart)) {
                bytes = local
            } else {
                bytes = try inner.read(at: runStart, count: Int(runStop - runStart))
                guard bytes.count == Int(runStop - runStart) else {
                    throw StorageError.shortRead(name: volume.name, offset: runStart, expected: Int(runStop - runStart), got: bytes.count)
                }
                if store.limit > 0 {
                    writeLocal(bytes, at: runStart, chunks: index...runEnd)
                    wrote = true
                }
            }
            let from = Int(max(offset, runStart) - runStart)
            let to = Int(min(end, runStop) - runStart)
            out += bytes[from..<to]
            index = runEnd + 1
        }
        if wrote {
            store.enforceLimit(keeping: volume.name)
        } else {
            // Mark the volume as recently used for eviction.
            utimes(volume.mapPath, nil)
        }
        return out
    }

    private func readLocal(_ offset: Int64, _ count: Int) -> [UInt8]? {
        let fd = open(volume.dataPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            done += n
        }
        return buffer
    }

    private func writeLocal(_ bytes: [UInt8], at offset: Int64, chunks: ClosedRange<Int>) {
        let fd = open(volume.dataPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // A sparse file of the volume's full size: holes are chunks not fetched yet.
        ftruncate(fd, off_t(volume.size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
        let map = volume.present.withLock { map -> [UInt8] in
            for chunk in chunks { map[chunk / 8] |= 1 << UInt8(chunk % 8) }
            return map
        }
        let temporary = volume.mapPath + ".tmp\(UInt32.random(in: 0...UInt32.max))"
        let mapFD = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard mapFD >= 0 else { return }
        _ = map.withUnsafeBytes { write(mapFD, $0.baseAddress!, $0.count) }
        close(mapFD)
        rename(temporary, volume.mapPath)
    }
}
