import Backup
import Catalog
import Foundation
import FuseKit
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Duplicati backup as a read-only filesystem: the root holds one folder per version, named
/// by its UTC time (`2024-03-01T10:00:00Z`), and a symlink `latest` to the newest; inside a
/// version, the backed-up tree as the catalog holds it. Names and attributes come from the local
/// index (metadata is fetched once per entry and then kept there); file data is fetched block by
/// block on demand, every block checked against its hash before a byte is returned.
package final class BackupFilesystem: LowLevelFilesystem {
    let backup: Backup
    let logger: Logger
    private let table: Mutex<VersionTable>
    /// When defaults last stood in for metadata (uptime ns; 0 never).
    private let incompleteAt = Mutex<UInt64>(0)
    /// When a request last ran out of time waiting for storage (uptime ns; 0 never).
    private let stalledAt = Mutex<UInt64>(0)
    let mountTime: Int64
    private let handles = Mutex(Handles())

    /// Seconds the kernel may cache attributes and names: the backup never changes under us.
    package static let cacheTimeout: Double = 86_400

    struct VersionTable: Sendable {
        var versions: [Version]
        var byKey: [UInt64: Version]
        /// All versions are known (no file list is still being read in the background).
        var complete: Bool
    }

    struct Version: Sendable {
        let record: VersionRecord
        let key: UInt64
        let name: String
    }

    struct Handles: ~Copyable {
        var next: UInt64 = 1
        var files: [UInt64: OpenFile] = [:]
        /// Folders (inodes) whose children's metadata was fetched in one go.
        var prefetchedFolders: Set<UInt64> = []
    }

    struct OpenFile: Sendable {
        let entry: EntryRecord
        let hashes: [String]
        /// Where the last read ended: a read starting there is sequential.
        var lastEnd: Int64 = 0
        /// Blocks below this index were already handed to read-ahead.
        var readAheadUntil: Int = 0
        /// When a read of this handle last ran out of time (uptime ns; 0 never).
        var timedOutAt: UInt64 = 0
        /// When open finished (uptime ns) and how long it waited for storage (ns): the first read
        /// right after it gets only the rest of the time limit (one open(2) + read(2)).
        var openedAt: UInt64 = 0
        var openWait: UInt64 = 0
    }

    /// Bytes fetched ahead of a sequential reader.
    package static let readAheadBytes = 16 << 20
    private static let readAheadQueue = DispatchQueue(label: "dupfs.readahead", attributes: .concurrent)

    /// - Parameters:
    ///   - backup: the opened backup (index up to date).
    ///   - logger: where failed reads are reported, naming the volume.
    /// The longest any request waits for storage before it is answered (EIO for data; defaults
    /// for metadata). The work goes on in the background and fills the caches.
    let operationTimeout: Double
    private static let workQueue = DispatchQueue(label: "dupfs.requests", attributes: .concurrent)

    /// - Parameters:
    ///   - backup: the opened backup.
    ///   - logger: where failed reads are reported, naming the volume.
    ///   - operationTimeout: seconds any request may wait for storage at most.
    package init(backup: Backup, logger: Logger, operationTimeout: Double = 65) throws {
        self.backup = backup
        self.logger = logger
        self.operationTimeout = operationTimeout
        table = Mutex(try Self.load(backup))
        mountTime = Int64(Date().timeIntervalSince1970)
    }

    /// The versions in the index now, with their inode keys.
    private static func load(_ backup: Backup) throws -> VersionTable {
        let complete = backup.allVersionsIndexed
        var seen = Set<UInt64>()
        var list: [Version] = []
        // Oldest first, so that a (theoretical) key clash moves the newer version, deterministically.
        for record in try backup.versions().reversed() {
            var key = InodeLayout.versionKey(time: record.time)
            while seen.contains(key) { key += 1 }
            seen.insert(key)
            list.append(Version(record: record, key: key, name: Self.folderName(record.time)))
        }
        return VersionTable(versions: list.reversed(), byKey: Dictionary(uniqueKeysWithValues: list.map { ($0.key, $0) }), complete: complete)
    }

    /// The versions, newest first; while file lists are still being read in the background, new
    /// ones appear as they are indexed.
    var versions: [Version] { currentTable().versions }

    private func currentTable() -> VersionTable {
        let known = table.withLock { $0 }
        guard !known.complete, let fresh = try? Self.load(backup) else { return known }
        table.withLock { $0 = fresh }
        return fresh
    }

    /// How many versions the mount shows.
    package var versionCount: Int { versions.count }

    /// `2024-03-01T10:00:00Z`.
    static func folderName(_ time: Int64) -> String {
        var t = time_t(time)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    // MARK: Attributes

    private var rootAttributes: FileAttributes {
        let time = FileTimestamp(seconds: versions.first?.record.time ?? mountTime)
        return FileAttributes(inode: InodeLayout.root, mode: UInt32(S_IFDIR) | 0o555, nlink: UInt32(2 + versions.count), uid: getuid(), gid: getgid(), mtime: time)
    }

    private var latestTarget: [UInt8] { Array((versions.first?.name ?? ".").utf8) }

    private var latestAttributes: FileAttributes {
        let time = FileTimestamp(seconds: versions.first?.record.time ?? mountTime)
        return FileAttributes(inode: InodeLayout.latest, mode: UInt32(S_IFLNK) | 0o777, uid: getuid(), gid: getgid(), size: UInt64(latestTarget.count), mtime: time)
    }

    private func versionFolderAttributes(_ version: Version) -> FileAttributes {
        FileAttributes(
            inode: InodeLayout.inode(versionKey: version.key, entryID: 0), mode: UInt32(S_IFDIR) | 0o555, nlink: 2,
            uid: getuid(), gid: getgid(), mtime: FileTimestamp(seconds: version.record.time))
    }

    /// Seconds a lookup waits for metadata before it answers with defaults (and a short cache
    /// time, so the real values show once they arrive): a path lookup must not add up waits.
    private var metadataTimeout: Double {
        // While storage is known to be stalling, lookups answer at once from what is at hand.
        let last = stalledAt.withLock { $0 }
        let stalling = last != 0 && DispatchTime.now().uptimeNanoseconds - last < 30_000_000_000
        return stalling ? 0.1 : min(1, operationTimeout)
    }

    /// An entry's attributes, and whether they are complete (false: defaults stood in).
    private func attributes(_ entry: EntryRecord, version: Version) -> (FileAttributes, complete: Bool) {
        if entry.id == 0 { return (versionFolderAttributes(version), true) }
        let backup = backup
        let time = version.record.time
        let (found, problem) = bounded(timeout: metadataTimeout) { backup.attributes(of: entry, versionTime: time) }
            ?? (EntryAttributes.defaults(for: entry, versionTime: time), BackupError.local("metadata is taking longer than \(metadataTimeout) s"))
        if let problem {
            logger.error("\(entry.storedPath): metadata unavailable, defaults shown: \(problem)")
            incompleteAt.withLock { $0 = DispatchTime.now().uptimeNanoseconds }
        }
        // The modes as backed up (cp -a must reproduce them); writes fail with EROFS anyway.
        var mode = found.mode
        if entry.kind == .symlink { mode = UInt32(S_IFLNK) | 0o777 }
        let size: UInt64 = switch entry.kind {
        case .file: UInt64(entry.size)
        case .symlink: UInt64(found.symlinkTarget?.utf8.count ?? 0)
        case .folder: 0
        }
        return (FileAttributes(
            inode: InodeLayout.inode(versionKey: version.key, entryID: entry.id), mode: mode,
            nlink: entry.kind == .folder ? 2 : 1, uid: found.uid, gid: found.gid, size: size,
            mtime: FileTimestamp(seconds: found.mtimeSeconds, nanoseconds: UInt32(max(0, found.mtimeNanoseconds)))),
            problem == nil)
    }

    /// The version and entry an inode names.
    private func resolve(_ inode: InodeNumber) throws(Errno) -> (Version, EntryRecord) {
        guard let (key, id) = InodeLayout.split(inode) else { throw Errno(ENOENT) }
        var version = table.withLock { $0.byKey[key] }
        if version == nil { version = currentTable().byKey[key] }
        guard let version else { throw Errno(ENOENT) }
        let entry: EntryRecord?
        do {
            entry = try backup.catalog.entry(version: version.record.id, id: id)
        } catch {
            logger.error("index lookup failed: \(error)")
            throw Errno(EIO)
        }
        guard let entry else { throw Errno(ENOENT) }
        return (version, entry)
    }

    private func reply(_ attributes: FileAttributes, complete: Bool = true) -> EntryReply {
        let timeout = complete ? Self.cacheTimeout : 1
        return EntryReply(attributes: attributes, attributeTimeout: timeout, entryTimeout: timeout)
    }

    // MARK: LowLevelFilesystem

    /// Long while every answer was complete; short for a minute after defaults stood in for
    /// metadata (readdirplus has one time-out for all its entries).
    package var readdirplusTimeout: Double {
        let last = incompleteAt.withLock { $0 }
        return last == 0 || DispatchTime.now().uptimeNanoseconds - last > 60_000_000_000 ? Self.cacheTimeout : 1
    }

    package func lookup(parent: InodeNumber, name: [UInt8]) throws(Errno) -> EntryReply {
        let text = String(decoding: name, as: UTF8.self)
        guard Array(text.utf8) == name else { throw Errno(ENOENT) }
        if parent == InodeLayout.root {
            if text == "latest" && !versions.isEmpty { return reply(latestAttributes) }
            guard let version = versions.first(where: { $0.name == text }) else { throw Errno(ENOENT) }
            return reply(versionFolderAttributes(version))
        }
        let (version, folder) = try resolve(parent)
        guard folder.kind == .folder else { throw Errno(ENOTDIR) }
        prefetchChildrenMetadata(parent, version: version, folder: folder)
        let child: EntryRecord?
        do {
            child = try backup.catalog.child(version: version.record.id, parent: folder.id, name: text)
        } catch {
            logger.error("index lookup failed: \(error)")
            throw Errno(EIO)
        }
        guard let child else { throw Errno(ENOENT) }
        let (found, complete) = attributes(child, version: version)
        return reply(found, complete: complete)
    }

    package func getattr(inode: InodeNumber) throws(Errno) -> (FileAttributes, timeout: Double) {
        if inode == InodeLayout.root { return (rootAttributes, Self.cacheTimeout) }
        if inode == InodeLayout.latest { return (latestAttributes, Self.cacheTimeout) }
        let (version, entry) = try resolve(inode)
        let (found, complete) = attributes(entry, version: version)
        return (found, complete ? Self.cacheTimeout : 1)
    }

    package func readlink(inode: InodeNumber) throws(Errno) -> [UInt8] {
        if inode == InodeLayout.latest { return latestTarget }
        let (version, entry) = try resolve(inode)
        guard entry.kind == .symlink else { throw Errno(EINVAL) }
        let backup = backup
        let time = version.record.time
        let (found, problem) = bounded { backup.attributes(of: entry, versionTime: time) }
            ?? (EntryAttributes.defaults(for: entry, versionTime: time), BackupError.local("metadata took longer than \(Int(operationTimeout)) s"))
        guard let target = found.symlinkTarget else {
            logger.error("\(entry.storedPath): symlink target unavailable: \(problem.map { "\($0)" } ?? "no metadata")")
            throw Errno(EIO)
        }
        return Array(target.utf8)
    }

    package func open(inode: InodeNumber, flags: Int32) throws(Errno) -> OpenReply {
        if flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0 { throw Errno(EROFS) }
        let (_, entry) = try resolve(inode)
        guard entry.kind == .file else { throw Errno(entry.kind == .folder ? EISDIR : EINVAL) }
        let hashes: [String]
        let backup = backup
        let started = DispatchTime.now().uptimeNanoseconds
        switch bounded({ Result { try backup.blockHashes(of: entry) } }) {
        case .success(let found)?:
            hashes = found
        case .failure(let error)?:
            logger.error("\(entry.storedPath): cannot open: \(error)")
            throw Errno(BackupFSError.errno(for: error))
        case nil:
            logger.error("\(entry.storedPath): opening took longer than \(Int(operationTimeout)) s; answered EIO")
            throw Errno(EIO)
        }
        let finished = DispatchTime.now().uptimeNanoseconds
        let handle = handles.withLock { state -> UInt64 in
            let handle = state.next
            state.next += 1
            var file = OpenFile(entry: entry, hashes: hashes)
            file.openedAt = finished
            file.openWait = finished - started
            state.files[handle] = file
            return handle
        }
        return OpenReply(handle: handle, keepCache: true)
    }

    package func read(inode: InodeNumber, handle: UInt64, offset: Int64, size: Int) throws(Errno) -> [UInt8] {
        guard let file = handles.withLock({ $0.files[handle] }) else { throw Errno(EBADF) }
        readAhead(handle, file: file, offset: offset, size: size)
        let backup = backup
        // The kernel answers one read(2) with several requests (read-ahead, then the page it
        // needs): after one of them ran out of time on this handle, the next ones get only what
        // is already at hand, so the caller's single call stays within the time limit.
        let now = DispatchTime.now().uptimeNanoseconds
        let recentTimeout = file.timedOutAt != 0 && now - file.timedOutAt < UInt64(2 * operationTimeout * 1e9)
        var limit = recentTimeout ? 0.2 : operationTimeout
        if now - file.openedAt < 2_000_000_000 {
            limit = min(limit, max(0.5, operationTimeout - Double(file.openWait) / 1e9))
        }
        let outcome = bounded(timeout: limit) {
            Result { try backup.read(file.entry, hashes: file.hashes, offset: offset, count: size) }
        }
        switch outcome {
        case .success(let bytes)?:
            return bytes
        case .failure(let error)?:
            logger.error("\(file.entry.storedPath): read at \(offset) failed: \(error)")
            throw Errno(BackupFSError.errno(for: error))
        case nil:
            handles.withLock { $0.files[handle]?.timedOutAt = DispatchTime.now().uptimeNanoseconds }
            logger.error("\(file.entry.storedPath): read at \(offset) took longer than \(Int(operationTimeout)) s; answered EIO")
            throw Errno(EIO)
        }
    }

    package func release(inode: InodeNumber, handle: UInt64) {
        handles.withLock { _ = $0.files.removeValue(forKey: handle) }
    }

    package func opendir(inode: InodeNumber) throws(Errno) -> UInt64 {
        if inode == InodeLayout.root { return 0 }
        let (_, entry) = try resolve(inode)
        guard entry.kind == .folder else { throw Errno(ENOTDIR) }
        return 0
    }

    /// Cookies: 1 after `.`, 2 after `..`; after a child, its entry id + 3 (root: version index + 3).
    package func readdir(inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool) throws(Errno)
        -> [(entry: DirectoryEntry, nextOffset: Int64)]
    {
        var out: [(entry: DirectoryEntry, nextOffset: Int64)] = []
        if inode == InodeLayout.root {
            let dot = rootAttributes
            if offset < 1 { out.append((DirectoryEntry(name: [46], attributes: dot), 1)) }
            if offset < 2 { out.append((DirectoryEntry(name: [46, 46], attributes: dot), 2)) }
            let start = max(0, Int(offset) - 2)
            for (index, version) in versions.enumerated() where index >= start {
                out.append((DirectoryEntry(name: Array(version.name.utf8), attributes: versionFolderAttributes(version)), Int64(index) + 3))
            }
            if !versions.isEmpty && Int(offset) <= versions.count + 2 {
                out.append((DirectoryEntry(name: Array("latest".utf8), attributes: latestAttributes), Int64(versions.count) + 3))
            }
            return out
        }
        let (version, folder) = try resolve(inode)
        guard folder.kind == .folder else { throw Errno(ENOTDIR) }
        if plus { prefetchChildrenMetadata(inode, version: version, folder: folder) }
        let selfAttributes = plus ? attributes(folder, version: version).0 : FileAttributes(inode: inode, mode: UInt32(S_IFDIR))
        if offset < 1 { out.append((DirectoryEntry(name: [46], attributes: selfAttributes), 1)) }
        if offset < 2 { out.append((DirectoryEntry(name: [46, 46], attributes: selfAttributes), 2)) }
        var after: String?
        if offset > 2 {
            do {
                guard let last = try backup.catalog.entry(version: version.record.id, id: offset - 3) else { return out }
                after = last.name
            } catch {
                throw Errno(EIO)
            }
        }
        let page: [EntryRecord]
        do {
            page = try backup.catalog.children(version: version.record.id, parent: folder.id, after: after, limit: 512)
        } catch {
            logger.error("index listing failed: \(error)")
            throw Errno(EIO)
        }
        for child in page {
            let attributes = plus
                ? attributes(child, version: version).0
                : FileAttributes(inode: InodeLayout.inode(versionKey: version.key, entryID: child.id), mode: Self.typeBits(child.kind))
            out.append((DirectoryEntry(name: Array(child.name.utf8), attributes: attributes), child.id + 3))
        }
        return out
    }

    /// Runs storage work with a deadline: the answer, or nil when the deadline passed (the work
    /// then finishes in the background and fills the caches for the next request).
    private func bounded<T: Sendable>(timeout: Double? = nil, _ work: @escaping @Sendable () -> T) -> T? {
        let box = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Self.workQueue.async {
            let value = work()
            box.withLock { $0 = value }
            done.signal()
        }
        guard done.wait(timeout: .now() + (timeout ?? operationTimeout)) == .success else {
            stalledAt.withLock { $0 = DispatchTime.now().uptimeNanoseconds }
            return nil
        }
        return box.withLock { $0 }
    }

    /// The first time a folder is looked into, reads all its children's metadata with coalesced
    /// reads (a directory's worth at a time) instead of one request per child.
    private func prefetchChildrenMetadata(_ inode: InodeNumber, version: Version, folder: EntryRecord) {
        let first = handles.withLock { $0.prefetchedFolders.insert(inode).inserted }
        guard first else { return }
        let backup = backup
        let versionID = version.record.id
        let folderID = folder.id
        // An optimisation only: wait briefly, and let it finish in the background.
        _ = bounded(timeout: min(0.5, metadataTimeout)) {
            var after: String?
            while true {
                guard let page = try? backup.catalog.children(version: versionID, parent: folderID, after: after, limit: 4096),
                      !page.isEmpty else { return true }
                backup.prefetchMetadata(of: page)
                guard page.count == 4096 else { return true }
                after = page.last?.name
            }
        }
    }

    /// Starts fetching the blocks after a sequential read, in the background.
    private func readAhead(_ handle: UInt64, file: OpenFile, offset: Int64, size: Int) {
        let blocksize = Int64(backup.format.blocksize)
        let window = max(1, Self.readAheadBytes / backup.format.blocksize)
        let next = Int((offset + Int64(size) + blocksize - 1) / blocksize)
        let plan: Range<Int>? = handles.withLock { state in
            guard var open = state.files[handle] else { return nil }
            let sequential = offset == open.lastEnd
            open.lastEnd = offset + Int64(size)
            defer { state.files[handle] = open }
            // Start again when the reader is halfway through what was fetched.
            guard sequential, next + window / 2 >= open.readAheadUntil, next < open.hashes.count else { return nil }
            let from = max(next, open.readAheadUntil)
            let to = min(open.hashes.count, next + window)
            guard from < to else { return nil }
            open.readAheadUntil = to
            return from..<to
        }
        guard let plan else { return }
        let hashes = Array(file.hashes[plan])
        let backup = backup
        Self.readAheadQueue.async { backup.prefetch(hashes) }
    }

    static func typeBits(_ kind: EntryKindCode) -> UInt32 {
        switch kind {
        case .folder: UInt32(S_IFDIR)
        case .file: UInt32(S_IFREG)
        case .symlink: UInt32(S_IFLNK)
        }
    }

    package func statfs() -> FilesystemStatistics {
        let bytes = versions.map(\.record.totalSize).max() ?? 0
        let files = versions.reduce(Int64(0)) { $0 + $1.record.fileCount }
        return FilesystemStatistics(
            blockSize: 4096, blocks: UInt64(max(0, bytes)) / 4096 + 1, blocksFree: 0,
            files: UInt64(max(0, files)) + UInt64(versions.count) + 2, filesFree: 0, nameMax: 255)
    }
}
