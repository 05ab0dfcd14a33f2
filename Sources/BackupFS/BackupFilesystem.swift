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
    /// Inodes known to have no extended attributes (filled from what listings and lookups
    /// read anyway), so `getxattr`/`listxattr` (which `ls -l` and `cp -a` send for every entry)
    /// answer them without a query. Bounded by ``rememberedWithoutExtendedAttributes``.
    let withoutExtendedAttributes = Mutex(Set<InodeNumber>())
    let mountTime: Int64
    let handles = Mutex(Handles())
    /// Fetches started in the background for sweeps (see ``waitForBackgroundFetches(timeout:)``).
    let backgroundFetches = DispatchGroup()
    /// Whether the newest version's metadata is being warmed in the background.
    let warming = Mutex(false)
    /// Entered while warming runs.
    let warmingRuns = DispatchGroup()
    /// Whether the root also holds `history/` (see `BackupFilesystem+History.swift`).
    let history: Bool
    /// Open `history/` listings.
    let historyListings = Mutex(HistoryListings())
    /// The versions holding the paths of recently used `history/` folders.
    let historyHolderCache = Mutex(HistoryHolderCache())

    /// The link count of a folder: 1, "unknown" (as btrfs reports). 2 would claim it has no
    /// subfolders, and walkers that trust link counts (fts with `FTS_NOSTAT`, Foundation's
    /// directory enumerator) would then not descend into them; counting them costs a query.
    static let folderLinks: UInt32 = 1

    /// Seconds the kernel may cache attributes and names: the backup never changes under us.
    package static let cacheTimeout: Double = 86_400

    struct VersionTable: Sendable {
        var versions: [Version]
        var byKey: [UInt64: Version]
        /// The backup's ``Backup/fileListGeneration`` when the records were read: a list read
        /// since may have changed a record (counts, damage).
        var generation: Int
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
        /// Folder metadata fetches under way, which listings and lookups in the folder join.
        var folderFetches: [UInt64: FolderFetch] = [:]
        /// Per folder, the child whose metadata a lookup fetched alone: a second child looked up
        /// there fetches the whole folder's metadata.
        var lookedUp: [UInt64: Int64] = [:]
        /// Folders whose files are being opened one after another in name order.
        var sweeps: [UInt64: FolderSweep] = [:]
        var sweepTick: UInt64 = 0
        /// Blocks being fetched ahead for sweeps, and the batch that fetches each: a read that
        /// needs one waits for that batch instead of fetching the block a second time.
        var fetchingAhead: [String: SweepBatch] = [:]
    }

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
    }

    /// Bytes fetched ahead of a sequential reader.
    package static let readAheadBytes = 16 << 20
    static let readAheadQueue = DispatchQueue(label: "dupfs.readahead", attributes: .concurrent)
    /// Where requests that wait for storage run; they answer from there (FuseKit's workers
    /// never wait, and FuseKit answers EIO for any request still unanswered at its deadline).
    static let workQueue = DispatchQueue(label: "dupfs.requests", attributes: .concurrent)

    /// - Parameters:
    ///   - backup: the opened backup.
    ///   - logger: where failed reads are reported, naming the volume.
    ///   - history: whether the root also holds `history/`, every path's versions.
    package init(backup: Backup, logger: Logger, history: Bool = false) throws {
        self.backup = backup
        self.logger = logger
        self.history = history
        table = Mutex(try Self.load(backup))
        mountTime = Int64(Date().timeIntervalSince1970)
    }
    /// The versions in the index now, with their inode keys.
    private static func load(_ backup: Backup) throws -> VersionTable {
        let generation = backup.fileListGeneration
        var seen = Set<UInt64>()
        var list: [Version] = []
        // Oldest first, so that a (theoretical) key clash moves the newer version, deterministically.
        for record in try backup.knownVersions().reversed() {
            var key = InodeLayout.versionKey(time: record.time)
            while seen.contains(key) { key += 1 }
            seen.insert(key)
            list.append(Version(record: record, key: key, name: Self.folderName(record.time)))
        }
        return VersionTable(versions: list.reversed(), byKey: Dictionary(uniqueKeysWithValues: list.map { ($0.key, $0) }), generation: generation)
    }

    /// The versions, newest first: every one is known from its dlist's name at once; its
    /// record is read again once its file list is in the index.
    var versions: [Version] { currentTable().versions }

    private func currentTable() -> VersionTable {
        let known = table.withLock { $0 }
        guard known.generation != backup.fileListGeneration, let fresh = try? Self.load(backup) else { return known }
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

    /// Answers `reply` with what `work` returns (or throws), unless the deadline answered first;
    /// `late` then gets the value that was not delivered.
    func answer<Value: Sendable>(
        _ reply: PendingReply<Value>, late: (@Sendable (Value) -> Void)? = nil, _ work: () throws(Errno) -> Value
    ) {
        do throws(Errno) {
            let value = try work()
            if !reply.delivered(value) { late?(value) }
        } catch {
            reply.fail(error)
        }
    }

    /// As ``answer(_:late:_:)``, on a worker thread (for work that waits for storage).
    func later<Value: Sendable>(
        _ reply: PendingReply<Value>, late: (@Sendable (Value) -> Void)? = nil,
        _ work: @escaping @Sendable () throws(Errno) -> Value
    ) {
        Self.workQueue.async {
            guard !reply.isAnswered else { return }
            self.answer(reply, late: late, work)
        }
    }

    /// The version an inode belongs to when its file list is not in the index yet.
    func versionAwaitingFileList(_ inode: InodeNumber) -> Version? {
        guard let (key, _) = InodeLayout.split(inode) else { return nil }
        guard let version = table.withLock({ $0.byKey[key] }) ?? currentTable().byKey[key] else { return nil }
        return backup.isFileListRead(version.record) ? nil : version
    }

    /// The first request into a version whose file list is not read yet reads it on a worker
    /// (never on a FUSE thread: the request's deadline runs meanwhile, as for any fetch, and
    /// other requests go on), then runs again through `retry`.
    /// - Returns: whether the request was handed on so (the caller returns at once).
    func deferredForFileList<Value: Sendable>(
        _ inode: InodeNumber, _ reply: PendingReply<Value>, retry: @escaping @Sendable () -> Void
    ) -> Bool {
        guard let version = versionAwaitingFileList(inode) else { return false }
        Self.workQueue.async {
            guard !reply.isAnswered else { return }
            do {
                try self.backup.requireFileList(of: version.record)
            } catch {
                self.logger.error("version \(version.name): \(error)")
                return reply.fail(Errno(BackupFSError.errno(for: error)))
            }
            // Read now: the retry answers from the index (a list that would not count as read
            // must not send it round again).
            guard self.backup.isFileListRead(version.record) else { return reply.fail(Errno(EIO)) }
            retry()
        }
        return true
    }

    /// The version and entry an inode names, with the entry's metadata when the index has it.
    func resolve(_ inode: InodeNumber) throws(Errno) -> (Version, EntryWithMetadata) {
        guard let (key, id) = InodeLayout.split(inode) else { throw Errno(ENOENT) }
        var version = table.withLock { $0.byKey[key] }
        if version == nil { version = currentTable().byKey[key] }
        guard var version else { throw Errno(ENOENT) }
        if !version.record.fileListRead {
            // Requests that may be first into a version come through ``deferredForFileList``;
            // any other still finds the list read here (waiting for a read under way).
            do {
                try backup.requireFileList(of: version.record)
            } catch {
                logger.error("version \(version.name): \(error)")
                throw Errno(BackupFSError.errno(for: error))
            }
            version = currentTable().byKey[key] ?? version
        }
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

    func entryReply(_ attributes: FileAttributes) -> EntryReply {
        EntryReply(attributes: attributes, attributeTimeout: Self.cacheTimeout, entryTimeout: Self.cacheTimeout)
    }

    // MARK: LowLevelFilesystem

    /// Attributes in a listing are always the backed-up ones (entries without them are sent
    /// as names only), so the kernel may keep them as long as any other.
    package var readdirplusTimeout: Double { Self.cacheTimeout }

    package func lookup(parent: InodeNumber, name: [UInt8], reply: PendingReply<EntryReply>) {
        let text = String(decoding: name, as: UTF8.self)
        guard Array(text.utf8) == name else { return reply.fail(Errno(ENOENT)) }
        if parent == InodeLayout.root {
            if text == "latest" && !versions.isEmpty { return reply.succeed(entryReply(latestAttributes)) }
            if text == "history" && history {
                let time = versions.first?.record.time ?? mountTime
                return reply.succeed(entryReply(historyFolderAttributes(InodeLayout.historyRoot, time: time)))
            }
            guard let version = versions.first(where: { $0.name == text }) else { return reply.fail(Errno(ENOENT)) }
            return reply.succeed(entryReply(versionFolderAttributes(version)))
        }
        if isHistoryFolder(parent) { return historyLookup(parent: parent, name: text, reply: reply) }
        if deferredForFileList(parent, reply, retry: { self.lookup(parent: parent, name: name, reply: reply) }) { return }
        let found: (Version, EntryWithMetadata, EntryWithMetadata)
        do throws(Errno) {
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
            found = (version, folder, child)
        } catch {
            return reply.fail(error)
        }
        let (version, folder, child) = found
        if let known = attributesAtHand(child, version: version) { return reply.succeed(entryReply(known)) }
        later(reply) { () throws(Errno) -> EntryReply in
            // A lone lookup (`cp` of one file) fetches only its own metadata; a second child
            // looked up in the same folder suggests more will follow: fetch the folder's at once.
            self.noteLookup(parent, child: child.entry.id, version: version, folder: folder.entry, reply: reply)
            return self.entryReply(try self.fetchedAttributes(child, version: version))
        }
    }

    package func getattr(inode: InodeNumber, reply: PendingReply<(FileAttributes, timeout: Double)>) {
        if inode == InodeLayout.root { return reply.succeed((rootAttributes, Self.cacheTimeout)) }
        if inode == InodeLayout.latest { return reply.succeed((latestAttributes, Self.cacheTimeout)) }
        if isHistoryFolder(inode) {
            do throws(Errno) { return reply.succeed((try historyGetattr(inode), Self.cacheTimeout)) } catch { return reply.fail(error) }
        }
        if deferredForFileList(inode, reply, retry: { self.getattr(inode: inode, reply: reply) }) { return }
        let version: Version, item: EntryWithMetadata
        do throws(Errno) { (version, item) = try resolve(inode) } catch { return reply.fail(error) }
        if let known = attributesAtHand(item, version: version) { return reply.succeed((known, Self.cacheTimeout)) }
        later(reply) { () throws(Errno) -> (FileAttributes, timeout: Double) in
            (try self.fetchedAttributes(item, version: version), Self.cacheTimeout)
        }
    }

    package func readlink(inode: InodeNumber, reply: PendingReply<[UInt8]>) {
        if inode == InodeLayout.latest { return reply.succeed(latestTarget) }
        if deferredForFileList(inode, reply, retry: { self.readlink(inode: inode, reply: reply) }) { return }
        let version: Version, item: EntryWithMetadata
        do throws(Errno) { (version, item) = try resolve(inode) } catch { return reply.fail(error) }
        guard item.entry.kind == .symlink else { return reply.fail(Errno(EINVAL)) }
        if let target = item.metadata?.symlinkTarget { return reply.succeed(Array(target.utf8)) }
        let backup = backup
        later(reply) { () throws(Errno) -> [UInt8] in
            let (found, problem) = backup.attributes(of: item.entry, versionTime: version.record.time)
            guard problem == nil, let target = found.symlinkTarget else {
                self.logger.error("\(item.entry.storedPath): symlink target unavailable: \(problem.map { "\($0)" } ?? "no metadata")")
                throw Errno(EIO)
            }
            return Array(target.utf8)
        }
    }

    package func open(inode: InodeNumber, flags: Int32, reply: PendingReply<OpenReply>) {
        if flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0 { return reply.fail(Errno(EROFS)) }
        if isHistoryFolder(inode) { return reply.fail(Errno(EISDIR)) }
        if deferredForFileList(inode, reply, retry: { self.open(inode: inode, flags: flags, reply: reply) }) { return }
        let version: Version, item: EntryWithMetadata
        do throws(Errno) { (version, item) = try resolve(inode) } catch { return reply.fail(error) }
        let entry = item.entry
        guard entry.kind == .file else { return reply.fail(Errno(entry.kind == .folder ? EISDIR : EINVAL)) }
        sweep(opening: entry, version: version)
        let backup = backup
        let opening = { @Sendable () throws(Errno) -> OpenReply in
            let hashes: [String]
            do {
                hashes = try backup.blockHashes(of: entry)
            } catch {
                self.logger.error("\(entry.storedPath): cannot open: \(error)")
                throw Errno(BackupFSError.errno(for: error))
            }
            let handle = self.handles.withLock { state -> UInt64 in
                let handle = state.next
                state.next += 1
                state.files[handle] = OpenFile(entry: entry, hashes: hashes)
                return handle
            }
            return OpenReply(handle: handle, keepCache: true)
        }
        // The kernel never got a handle answered too late: nothing will release it.
        let drop = { @Sendable (late: OpenReply) in self.release(inode: inode, handle: late.handle) }
        // Files of up to one block need no blocklist from storage: answered right here.
        if entry.blocklists.isEmpty { return answer(reply, late: drop, opening) }
        later(reply, late: drop, opening)
    }

    package func read(inode: InodeNumber, handle: UInt64, offset: Int64, size: Int, reply: PendingReply<[UInt8]>) {
        guard let file = handles.withLock({ $0.files[handle] }) else { return reply.fail(Errno(EBADF)) }
        readAhead(handle, file: file, offset: offset, size: size)
        if let bytes = readFromMemory(file, offset: offset, size: size) { return reply.succeed(bytes) }
        let backup = backup
        let started = DispatchTime.now().uptimeNanoseconds
        Self.workQueue.async {
            guard !reply.isAnswered else { return }
            self.waitForFetchAhead(file, offset: offset, size: size, until: reply.deadline)
            let outcome = Result { try backup.read(file.entry, hashes: file.hashes, offset: offset, count: size) }
            let took = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let seconds = String(format: "%.1f", took)
            switch outcome {
            case .success(let bytes):
                if !reply.delivered(bytes) {
                    self.logger.error("\(file.entry.storedPath): read at \(offset) (handle \(handle)) ran out of time; its data came after \(seconds) s")
                } else if took >= 5 {
                    self.logger.warning("\(file.entry.storedPath): read at \(offset) (handle \(handle)) took \(seconds) s; storage is slow")
                }
            case .failure(let error):
                self.logger.error("\(file.entry.storedPath): read at \(offset) (handle \(handle)) failed after \(seconds) s: \(error)")
                reply.fail(Errno(BackupFSError.errno(for: error)))
            }
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
