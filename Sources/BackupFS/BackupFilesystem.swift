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
    /// Inodes known to have no extended attributes (filled from what listings and lookups
    /// read anyway), so `getxattr`/`listxattr` (which `ls -l` and `cp -a` send for every entry)
    /// answer them without a query. Bounded by ``rememberedWithoutExtendedAttributes``.
    let withoutExtendedAttributes = Mutex(Set<InodeNumber>())
    let mountTime: Int64
    let handles = Mutex(Handles())
    /// Fetches started in the background for sweeps (see ``waitForBackgroundFetches(timeout:)``).
    let backgroundFetches = DispatchGroup()

    /// The link count of a folder: 1, "unknown" (as btrfs reports). 2 would claim it has no
    /// subfolders, and walkers that trust link counts (fts with `FTS_NOSTAT`, Foundation's
    /// directory enumerator) would then not descend into them; counting them costs a query.
    static let folderLinks: UInt32 = 1

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
        /// Per folder, the child whose metadata a lookup fetched alone: a second child looked up
        /// there fetches the whole folder's metadata.
        var lookedUp: [UInt64: Int64] = [:]
        /// Folders whose files are being opened one after another in name order.
        var sweeps: [UInt64: FolderSweep] = [:]
        var sweepTick: UInt64 = 0
        /// Blocks being fetched ahead for sweeps, and the batch that fetches each: a read that
        /// needs one waits for that batch instead of fetching the block a second time.
        var fetchingAhead: [String: SweepBatch] = [:]
        /// Files (inodes) a read of which ran out of time, and when (uptime ns).
        var timedOutFiles: [UInt64: UInt64] = [:]
    }

    /// The longest a read of a file waits for storage within ``operationTimeout`` after another
    /// read of that file ran out of time: a quarter of the limit. The kernel shares a file's pages
    /// between its readers: one whose page another reader's request holds waits for that
    /// request, then sends its own, so a second full limit would make its single call take two.
    var limitAfterFileTimeout: Double { max(1, operationTimeout / 4) }

    /// The most folders remembered in ``Handles/prefetchedFolders`` and ``Handles/lookedUp``
    /// (then forgotten all at once: forgetting only costs a redundant prefetch).
    static let rememberedFolders = 65_536

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
    static let readAheadQueue = DispatchQueue(label: "dupfs.readahead", attributes: .concurrent)

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

    var rootAttributes: FileAttributes {
        let time = FileTimestamp(seconds: versions.first?.record.time ?? mountTime)
        return FileAttributes(inode: InodeLayout.root, mode: UInt32(S_IFDIR) | 0o555, nlink: UInt32(2 + versions.count), uid: getuid(), gid: getgid(), mtime: time)
    }

    private var latestTarget: [UInt8] { Array((versions.first?.name ?? ".").utf8) }

    var latestAttributes: FileAttributes {
        let time = FileTimestamp(seconds: versions.first?.record.time ?? mountTime)
        return FileAttributes(inode: InodeLayout.latest, mode: UInt32(S_IFLNK) | 0o777, uid: getuid(), gid: getgid(), size: UInt64(latestTarget.count), mtime: time)
    }

    func versionFolderAttributes(_ version: Version) -> FileAttributes {
        FileAttributes(
            inode: InodeLayout.inode(versionKey: version.key, entryID: 0), mode: UInt32(S_IFDIR) | 0o555, nlink: Self.folderLinks,
            uid: getuid(), gid: getgid(), mtime: FileTimestamp(seconds: version.record.time))
    }

    /// Seconds a lookup waits for metadata before it answers with defaults (and a short cache
    /// time, so the real values show once they arrive): a path lookup must not add up waits.
    var metadataTimeout: Double {
        // While storage is known to be stalling, lookups answer at once from what is at hand.
        let last = stalledAt.withLock { $0 }
        let stalling = last != 0 && DispatchTime.now().uptimeNanoseconds - last < 30_000_000_000
        return stalling ? 0.1 : min(1, operationTimeout)
    }

    /// An entry's attributes, and whether they are complete (false: defaults stood in). When the
    /// index holds everything (the usual case), computed right here; otherwise the entry's own
    /// metadata is fetched, waiting at most ``metadataTimeout``.
    func attributes(_ item: EntryWithMetadata, version: Version) -> (FileAttributes, complete: Bool) {
        if item.entry.id == 0 { return (versionFolderAttributes(version), true) }
        rememberIfWithoutExtendedAttributes(item, version: version)
        if let known = EntryAttributes.atHand(item, versionTime: version.record.time) {
            return (fileAttributes(known, entry: item.entry, version: version), true)
        }
        return fetchedAttributes(item.entry, version: version)
    }

    /// An entry's attributes after fetching its metadata (bounded; defaults when too slow).
    private func fetchedAttributes(_ entry: EntryRecord, version: Version) -> (FileAttributes, complete: Bool) {
        let backup = backup
        let time = version.record.time
        let (found, problem) = bounded(timeout: metadataTimeout) { backup.attributes(of: entry, versionTime: time) }
            ?? (EntryAttributes.defaults(for: entry, versionTime: time), BackupError.local("metadata is taking longer than \(metadataTimeout) s"))
        if let problem {
            logger.error("\(entry.storedPath): metadata unavailable, defaults shown: \(problem)")
            incompleteAt.withLock { $0 = DispatchTime.now().uptimeNanoseconds }
        }
        return (fileAttributes(found, entry: entry, version: version), problem == nil)
    }

    /// What the kernel is told about an entry.
    private func fileAttributes(_ found: EntryAttributes, entry: EntryRecord, version: Version) -> FileAttributes {
        // The modes as backed up (cp -a must reproduce them); writes fail with EROFS anyway.
        var mode = found.mode
        if entry.kind == .symlink { mode = UInt32(S_IFLNK) | 0o777 }
        let size: UInt64 = switch entry.kind {
        case .file: UInt64(entry.size)
        case .symlink: UInt64(found.symlinkTarget?.utf8.count ?? 0)
        case .folder: 0
        }
        return FileAttributes(
            inode: InodeLayout.inode(versionKey: version.key, entryID: entry.id), mode: mode,
            nlink: entry.kind == .folder ? Self.folderLinks : 1, uid: found.uid, gid: found.gid, size: size,
            mtime: FileTimestamp(seconds: found.mtimeSeconds, nanoseconds: UInt32(max(0, found.mtimeNanoseconds))))
    }

    /// The version and entry an inode names, with the entry's metadata when the index has it.
    func resolve(_ inode: InodeNumber) throws(Errno) -> (Version, EntryWithMetadata) {
        guard let (key, id) = InodeLayout.split(inode) else { throw Errno(ENOENT) }
        var version = table.withLock { $0.byKey[key] }
        if version == nil { version = currentTable().byKey[key] }
        guard let version else { throw Errno(ENOENT) }
        let entry: EntryWithMetadata?
        do {
            entry = try backup.catalog.entryWithMetadata(version: version.record.id, id: id)
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
        guard folder.entry.kind == .folder else { throw Errno(ENOTDIR) }
        let child: EntryWithMetadata?
        do {
            child = try backup.catalog.childWithMetadata(version: version.record.id, parent: folder.entry.id, name: text)
        } catch {
            logger.error("index lookup failed: \(error)")
            throw Errno(EIO)
        }
        guard let child else { throw Errno(ENOENT) }
        if child.metadataPending {
            // A lone lookup (`cp` of one file) fetches only its own metadata; a second child
            // looked up in the same folder suggests more will follow: fetch the folder's at once.
            noteLookup(parent, child: child.entry.id, version: version, folder: folder.entry)
        }
        let (found, complete) = attributes(child, version: version)
        return reply(found, complete: complete)
    }

    package func getattr(inode: InodeNumber) throws(Errno) -> (FileAttributes, timeout: Double) {
        if inode == InodeLayout.root { return (rootAttributes, Self.cacheTimeout) }
        if inode == InodeLayout.latest { return (latestAttributes, Self.cacheTimeout) }
        let (version, item) = try resolve(inode)
        let (found, complete) = attributes(item, version: version)
        return (found, complete ? Self.cacheTimeout : 1)
    }

    package func readlink(inode: InodeNumber) throws(Errno) -> [UInt8] {
        if inode == InodeLayout.latest { return latestTarget }
        let (version, item) = try resolve(inode)
        let entry = item.entry
        guard entry.kind == .symlink else { throw Errno(EINVAL) }
        if let target = item.metadata?.symlinkTarget { return Array(target.utf8) }
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
        let (version, item) = try resolve(inode)
        let entry = item.entry
        guard entry.kind == .file else { throw Errno(entry.kind == .folder ? EISDIR : EINVAL) }
        sweep(opening: entry, version: version)
        let hashes: [String]
        let backup = backup
        let started = DispatchTime.now().uptimeNanoseconds
        // Files of up to one block need no blocklist from storage: no need for a deadline.
        let outcome = entry.blocklists.isEmpty
            ? Result { try backup.blockHashes(of: entry) }
            : bounded({ Result { try backup.blockHashes(of: entry) } })
        switch outcome {
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
        if let last = handles.withLock({ $0.timedOutFiles[inode] }), now - last < UInt64(operationTimeout * 1e9) {
            limit = min(limit, limitAfterFileTimeout)
        }
        if now - file.openedAt < 2_000_000_000 {
            limit = min(limit, max(0.5, operationTimeout - Double(file.openWait) / 1e9))
        }
        if let bytes = readFromMemory(file, offset: offset, size: size) { return bytes }
        let started = DispatchTime.now().uptimeNanoseconds
        waitForFetchAhead(file, offset: offset, size: size, limit: limit)
        limit = max(0.05, limit - Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        let outcome = bounded(timeout: limit) {
            Result { try backup.read(file.entry, hashes: file.hashes, offset: offset, count: size) }
        }
        switch outcome {
        case .success(let bytes)?:
            let took = Double(DispatchTime.now().uptimeNanoseconds - now) / 1e9
            if took >= operationTimeout / 2 {
                logger.warning("\(file.entry.storedPath): read at \(offset) (handle \(handle)) took \(String(format: "%.1f", took)) s; storage is slow")
            }
            return bytes
        case .failure(let error)?:
            // A failure that took long (storage gave up at about the time limit) counts as a time-out:
            // the kernel asks again at once for the single page its caller needs, and that request
            // must not wait a second full limit.
            let waited = Double(DispatchTime.now().uptimeNanoseconds - now) / 1e9
            if waited >= min(1, limit / 2) { noteTimeout(handle, inode: inode) }
            logger.error("\(file.entry.storedPath): read at \(offset) (handle \(handle)) failed after \(String(format: "%.1f", waited)) s: \(error)")
            throw Errno(BackupFSError.errno(for: error))
        case nil:
            noteTimeout(handle, inode: inode)
            logger.error("\(file.entry.storedPath): read at \(offset) (handle \(handle)) took longer than \(String(format: "%.1f", limit)) s; answered EIO")
            throw Errno(EIO)
        }
    }

    /// Marks a handle and its file as having had a read run out of time just now.
    private func noteTimeout(_ handle: UInt64, inode: InodeNumber) {
        let now = DispatchTime.now().uptimeNanoseconds
        handles.withLock { state in
            state.files[handle]?.timedOutAt = now
            if state.timedOutFiles.count >= Self.rememberedFolders { state.timedOutFiles.removeAll() }
            state.timedOutFiles[inode] = now
        }
    }

    /// A read whose blocks are all in the memory cache, answered on this thread (no hop to a
    /// worker and back: a sweep's files are read this way); nil when a block is missing.
    private func readFromMemory(_ file: OpenFile, offset: Int64, size: Int) -> [UInt8]? {
        let blocksize = Int64(max(1, backup.format.blocksize))
        guard size > 0, offset >= 0, offset < file.entry.size, !file.hashes.isEmpty else { return nil }
        let first = Int(offset / blocksize)
        let last = Int(min((offset + Int64(size) - 1) / blocksize, Int64(file.hashes.count - 1)))
        guard first <= last, (first...last).allSatisfy({ backup.blockCache.contains(file.hashes[$0]) }) else { return nil }
        // A block evicted meanwhile is fetched by this call: rare, and it only costs time.
        return try? backup.read(file.entry, hashes: file.hashes, offset: offset, count: size)
    }

    package func release(inode: InodeNumber, handle: UInt64) {
        handles.withLock { _ = $0.files.removeValue(forKey: handle) }
    }

    /// Runs storage work with a deadline: the answer, or nil when the deadline passed (the work
    /// then finishes in the background and fills the caches for the next request).
    func bounded<T: Sendable>(timeout: Double? = nil, _ work: @escaping @Sendable () -> T) -> T? {
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
