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
/// Each volume is a sparse file `<name>.data` plus `<name>.chunks`: a short header (magic and
/// chunk size) and a bitmap of which 4 KiB chunks it holds, so a small read downloads little
/// more than it needs. A read downloads the chunks it misses in one request (cached chunks
/// between them are downloaded again when that saves a request). The map is written after the
/// data, so a crash leaves at worst data that is not marked (fetched again); bytes that are
/// marked but damaged fail the block hash and ``discardCachedData(of:)`` drops them. A map of
/// another format or chunk size (such as the 256 KiB `<name>.map` of earlier versions) is
/// deleted with its data, never read.
package final class DiskCachedStore: BackendStore {
    package let inner: any BackendStore
    package let directory: String
    package let limit: Int64
    static let chunk: Int64 = 4 << 10
    /// Cached chunks between missing ones are downloaded again, when at most this long, so
    /// that one read costs one request.
    static let mergeGap: Int64 = 1 << 20
    /// The map file's suffix; maps of other suffixes are an older format.
    static let mapSuffix = ".chunks"
    /// The suffix of the earlier 256 KiB maps, deleted on sight.
    static let oldMapSuffix = ".map"
    /// The map file's header: magic, then the chunk size (u32, little-endian).
    static let mapMagic: [UInt8] = Array("DUPFSCM1".utf8)
    static var mapHeader: [UInt8] {
        let size = UInt32(chunk)
        return mapMagic + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24)]
    }
    private let volumes = Mutex<[String: CachedVolume]>([:])

    /// - Parameters:
    ///   - inner: where misses are read from.
    ///   - directory: the cache folder, absolute (created 0700).
    ///   - limit: bytes of volume data to keep at most.
    package init(inner: any BackendStore, directory: String, limit: Int64) throws {
        self.inner = inner
        self.directory = directory
        self.limit = max(0, limit)
        // Created 0700 if missing, and refused if another user could change it; the folder
        // holding it is the root of the check (the caller checked it and everything above).
        let parent = String(directory.prefix(upTo: directory.lastIndex(of: "/") ?? directory.startIndex))
        try CacheFolder.prepare(directory, root: parent.isEmpty ? "/" : parent)
    }

    package var displayName: String { inner.displayName }
    package var identity: String { inner.identity }

    package func list() throws -> [RemoteFile] {
        let files = try inner.list()
        // Drop cached volumes that are gone or changed size.
        let current = Dictionary(files.map { ($0.name, $0.size) }, uniquingKeysWith: { a, _ in a })
        if let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for name in names where name.hasSuffix(Self.oldMapSuffix) {
                discardCachedData(of: String(name.dropLast(Self.oldMapSuffix.count)))
            }
            for name in names where name.hasSuffix(Self.mapSuffix) {
                let volume = String(name.dropLast(Self.mapSuffix.count))
                var info = stat()
                let dataPath = directory + "/" + volume + ".data"
                if current[volume] == nil || (lstat(dataPath, &info) == 0 && Int64(info.st_size) != current[volume]) {
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

    package func openUncached(_ file: RemoteFile) throws -> any ByteSource {
        try inner.openUncached(file)
    }

    package func discardCachedData(of name: String) {
        volumes.withLock { $0.removeValue(forKey: name) }?.discard()
        unlink(directory + "/" + name + Self.mapSuffix)
        unlink(directory + "/" + name + Self.oldMapSuffix)
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
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(Self.mapSuffix) {
            if let map = Self.contents(of: directory + "/" + name) {
                total += Self.markedBytes(map)
            }
        }
        return total
    }

    /// Evicts least recently used volumes until the cache is under 90% of its limit.
    func enforceLimit(keeping current: String) {
        let entries = cachedVolumes()
        var total = entries.reduce(0) { $0 + $1.bytes }
        guard total > limit else { return }
        for entry in entries where entry.name != current {
            discardCachedData(of: entry.name)
            total -= entry.bytes
            if total <= limit - limit / 10 { break }
        }
    }

    /// Makes room for `incoming` bytes above the disk's ``missingFreeSpace(incoming:)`` reserve,
    /// evicting least recently used volumes other than `current` while it is short.
    /// - Returns: whether the bytes may be written.
    func makeRoom(for incoming: Int64, keeping current: String) -> Bool {
        guard missingFreeSpace(incoming: incoming) > 0 else { return true }
        for entry in cachedVolumes() where entry.name != current {
            discardCachedData(of: entry.name)
            if missingFreeSpace(incoming: incoming) <= 0 { return true }
        }
        return false
    }

    /// The cached volumes, least recently used first.
    private func cachedVolumes() -> [(name: String, used: Int, bytes: Int64)] {
        var entries: [(name: String, used: Int, bytes: Int64)] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(Self.mapSuffix) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, let map = Self.contents(of: path) else { continue }
            entries.append((String(name.dropLast(Self.mapSuffix.count)), info.st_mtim.tv_sec, Self.markedBytes(map)))
        }
        return entries.sorted { $0.used < $1.used }
    }

    /// Free space the cache leaves on its filesystem whatever `limit` says (a tenth of the
    /// filesystem, at most 1 GiB), so that the index beside it, and everyone else, can still
    /// write.
    /// - Returns: bytes that writing `incoming` more would take from that reserve (0 when none).
    func missingFreeSpace(incoming: Int64) -> Int64 {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return 0 }
        let unit = Int64(info.f_frsize)
        let available = Int64(info.f_bavail) * unit
        let reserve = min(1 << 30, Int64(info.f_blocks) * unit / 10)
        return max(0, reserve + incoming - available)
    }
}

extension DiskCachedStore {
    /// A small file of the cache, read without following a symlink; nil when it cannot be read.
    static func contents(of path: String) -> Data? {
        let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
        }
    }

    /// Bytes a stored map marks present (its header skipped).
    static func markedBytes(_ map: Data) -> Int64 {
        let header = mapHeader.count
        guard map.count >= header else { return 0 }
        return Int64(map.dropFirst(header).reduce(0) { $0 + $1.nonzeroBitCount }) * chunk
    }
}

extension BackendStore {
    package func discardCachedData(of name: String) {}

    package func openUncached(_ file: RemoteFile) throws -> any ByteSource { try open(file) }
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
        mapPath = directory + "/" + file.name + DiskCachedStore.mapSuffix
        let chunks = Int((file.size + DiskCachedStore.chunk - 1) / DiskCachedStore.chunk)
        var map = [UInt8](repeating: 0, count: (chunks + 7) / 8)
        let oldMap = directory + "/" + file.name + DiskCachedStore.oldMapSuffix
        if access(oldMap, F_OK) == 0 {
            // An earlier format: its data cannot be told apart from holes, so it goes.
            unlink(mapPath)
            unlink(oldMap)
            unlink(dataPath)
        }
        var info = stat()
        let header = DiskCachedStore.mapHeader
        if let stored = DiskCachedStore.contents(of: mapPath), stored.count == header.count + map.count,
           stored.prefix(header.count).elementsEqual(header),
           lstat(dataPath, &info) == 0, Int64(info.st_size) == file.size {
            map = [UInt8](stored.dropFirst(header.count))
        } else {
            unlink(mapPath)
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
        let end = offset + min(Int64(count), size - offset)
        let chunk = DiskCachedStore.chunk
        let first = Int(offset / chunk)
        let last = Int((end - 1) / chunk)
        // Runs of missing chunks, merged across short cached gaps: each is one request.
        var fetches: [ClosedRange<Int>] = []
        var index = first
        while index <= last {
            guard !volume.has(index) else { index += 1; continue }
            var runEnd = index
            while runEnd + 1 <= last && !volume.has(runEnd + 1) { runEnd += 1 }
            if let previous = fetches.last, Int64(index - previous.upperBound - 1) * chunk <= DiskCachedStore.mergeGap {
                fetches[fetches.count - 1] = previous.lowerBound...runEnd
            } else {
                fetches.append(index...runEnd)
            }
            index = runEnd + 1
        }
        var out = [UInt8]()
        out.reserveCapacity(Int(end - offset))
        var fetched: [ClosedRange<Int>] = []
        var next = first
        var pending = fetches[...]
        while next <= last {
            let segment: ClosedRange<Int>
            let remote: Bool
            if let fetch = pending.first, fetch.lowerBound == next {
                segment = fetch
                remote = true
                pending = pending.dropFirst()
            } else {
                segment = next...((pending.first?.lowerBound ?? last + 1) - 1)
                remote = false
            }
            let segmentStart = Int64(segment.lowerBound) * chunk
            let segmentStop = min(size, Int64(segment.upperBound + 1) * chunk)
            let bytes: [UInt8]
            if !remote, let local = readLocal(segmentStart, Int(segmentStop - segmentStart)) {
                bytes = local
            } else {
                let downloaded = try inner.read(at: segmentStart, count: Int(segmentStop - segmentStart))
                guard downloaded.count == Int(segmentStop - segmentStart) else {
                    throw StorageError.shortRead(name: volume.name, offset: segmentStart, expected: Int(segmentStop - segmentStart), got: downloaded.count)
                }
                // Kept only when the limit and the disk's free space allow it (evicting older
                // volumes first); otherwise the bytes are served without being kept.
                if store.limit > 0, store.makeRoom(for: Int64(downloaded.count), keeping: volume.name),
                   writeData(downloaded, at: segmentStart) {
                    fetched.append(segment)
                }
                bytes = downloaded
            }
            let from = Int(max(offset, segmentStart) - segmentStart)
            let to = Int(min(end, segmentStop) - segmentStart)
            out += bytes[from..<to]
            next = segment.upperBound + 1
        }
        if !fetched.isEmpty {
            writeMap(marking: fetched)
            store.enforceLimit(keeping: volume.name)
        } else {
            // Mark the volume as recently used for eviction.
            utimensat(AT_FDCWD, volume.mapPath, nil, AT_SYMLINK_NOFOLLOW)
        }
        return out
    }

    private func readLocal(_ offset: Int64, _ count: Int) -> [UInt8]? {
        let fd = open(volume.dataPath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
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

    /// Writes downloaded bytes into the sparse data file. - Returns: whether all were written.
    private func writeData(_ bytes: [UInt8], at offset: Int64) -> Bool {
        let fd = open(volume.dataPath, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // A sparse file of the volume's full size: holes are chunks not fetched yet.
        ftruncate(fd, off_t(volume.size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// Marks chunks present (after their data was written) and replaces the map file at once.
    private func writeMap(marking chunks: [ClosedRange<Int>]) {
        let map = volume.present.withLock { map -> [UInt8] in
            for range in chunks {
                for chunk in range { map[chunk / 8] |= 1 << UInt8(chunk % 8) }
            }
            return map
        }
        let contents = DiskCachedStore.mapHeader + map
        let temporary = volume.mapPath + ".tmp\(UInt32.random(in: 0...UInt32.max))"
        let mapFD = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard mapFD >= 0 else { return }
        let written = contents.withUnsafeBytes { write(mapFD, $0.baseAddress!, $0.count) }
        close(mapFD)
        if written == contents.count {
            rename(temporary, volume.mapPath)
        } else {
            unlink(temporary)
        }
    }
}
