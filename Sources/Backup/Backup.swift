import ByteSource
import Catalog
import DuplicatiFormat
import FetchPlanner
import Foundation
import Logging
import Storage
import Synchronization

/// How to open a backup.
package struct BackupOptions: Sendable {
    /// The cache root (`--cache-dir`); nil for the default.
    package var cacheRoot: String?
    /// The volume name prefix; nil means `duplicati`, or the only prefix present.
    package var prefix: String?
    /// The passphrase of an encrypted backup.
    package var passphrase: String?
    /// Bytes of decrypted, verified blocks kept in memory.
    package var blockCacheSize: Int
    /// When to find block locations (dindex files, dblock directories).
    package var blockIndexing: BlockIndexing = .now
    /// The GnuPG home holding the secret keys of public-key GPG volumes (`gpg --homedir`); nil
    /// for gpg's own choice (`GNUPGHOME`, else `~/.gnupg`).
    package var gnupgHome: String?
    /// The link to the storage as measured on live reads (a ``MeteredStore`` reports to it);
    /// nil: a fixed estimate (a local folder's, or a remote store's before any measurement).
    package var linkMeter: LinkMeter?
    /// Progress of the indexing that ``BlockIndexing/background`` leaves running after `open`
    /// returned (called on the indexing thread); nil: not reported.
    package var backgroundProgress: (@Sendable (BackupProgress) -> Void)?

    /// When ``Backup/open(store:options:logger:progress:)`` reads where the blocks are.
    package enum BlockIndexing: Sendable {
        /// Before returning.
        case now
        /// In the background after returning; a read that needs a location not known yet waits.
        case background
        /// Not at all (a process that only checks the backup and hands over to another).
        case skip
    }

    package init(cacheRoot: String? = nil, prefix: String? = nil, passphrase: String? = nil, blockCacheSize: Int = 64 << 20) {
        self.cacheRoot = cacheRoot
        self.prefix = prefix
        self.passphrase = passphrase
        self.blockCacheSize = blockCacheSize
    }
}

/// Progress of a long operation, for a terminal display.
package struct BackupProgress: Sendable {
    /// What is being done, e.g. "Indexing".
    package let phase: String
    package let done: Int
    package let total: Int
    /// Bytes done and in all, where the work is counted in bytes too (a restore); 0 otherwise.
    package var bytesDone: Int64 = 0
    package var bytesTotal: Int64 = 0

    package init(phase: String, done: Int, total: Int, bytesDone: Int64 = 0, bytesTotal: Int64 = 0) {
        self.phase = phase
        self.done = done
        self.total = total
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
    }
}

/// An opened backup: its index is up to date with the remote folder, and its files can be
/// listed, read and restored.
package final class Backup: Sendable {
    package let store: any BackendStore
    package let prefix: String
    package let catalog: Catalog
    package let cache: CacheLocation
    package let format: BackupFormat
    let volumes: VolumeSet
    package let blockCache: BlockCache
    let blockIndex: BlockIndexState
    /// Which versions' file lists are in the index, and the reads under way.
    let fileLists: FileListLoader
    /// Reads a version's file list into the index.
    let fileListSource: FileListSource
    /// The indexing thread of ``BackupOptions/BlockIndexing/background``.
    let background: BackgroundIndexing
    /// Volumes of the folder left out because their container or encryption is not read here.
    package let unreadableVolumes: [UnreadableVolume]

    /// Whether every version's file list is in the index (false while some are read only when
    /// their version is first opened, or in the background).
    package var allVersionsIndexed: Bool { fileLists.allRead }

    /// Holds back the background reading of older versions' file lists (their downloads and
    /// parsing would compete with the newest version's metadata, which a user opening the
    /// mount browses first). Counted: each hold is released once with
    /// ``releaseBackgroundFileLists()``. Requests that need a list read it whatever the holds.
    package func holdBackgroundFileLists() { fileLists.hold() }

    /// Releases one ``holdBackgroundFileLists()``.
    package func releaseBackgroundFileLists() { fileLists.release() }

    /// Bumped each time a version's file list is read into the index: version records read
    /// before then may be out of date (counts, damage).
    package var fileListGeneration: Int { fileLists.generation }
    let logger: Logger
    let catchUp: Mutex<IndexCatchUp> = Mutex(IndexCatchUp())
    /// The link as measured, for the fetch planner.
    package let linkMeter: LinkMeter

    /// Lists the remote folder, brings the local index up to date (reading only volumes it has
    /// not read before) and checks the passphrase.
    /// - Parameters:
    ///   - store: where the volumes are.
    ///   - options: cache, prefix and passphrase.
    ///   - logger: for warnings about damaged volumes.
    ///   - progress: called as volumes are read.
    /// - Throws: ``BackupError``, ``StorageError`` (``StorageError/cacheFull(folder:)`` when the
    ///   index cannot grow).
    package static func open(
        store: any BackendStore, options: BackupOptions, logger: Logger,
        progress: @escaping @Sendable (BackupProgress) -> Void = { _ in }
    ) throws -> Backup {
        do {
            return try openIndexed(store: store, options: options, logger: logger, progress: progress)
        } catch let error as SQLiteError where error.isFull {
            // SQLite's "database or disk is full" names neither the folder nor a way out.
            throw StorageError.cacheFull(folder: CacheLocation(root: options.cacheRoot, identity: store.identity, prefix: "").root)
        }
    }

    private static func openIndexed(
        store: any BackendStore, options: BackupOptions, logger: Logger,
        progress: @escaping @Sendable (BackupProgress) -> Void
    ) throws -> Backup {
        let listing = try store.list()
        let prefix = try choosePrefix(listing: listing, wanted: options.prefix, where: store.displayName)
        var mine = listing.compactMap { file -> (RemoteFile, VolumeName)? in
            guard let name = VolumeName(file.name), name.prefix == prefix else { return nil }
            return (file, name)
        }
        guard mine.contains(where: { $0.1.kind == .dlist }) else {
            throw BackupError.noBackupFound("\(store.displayName) has volumes with prefix '\(prefix)' but no file list (dlist)")
        }
        let gpg = GPGProgram.find(home: options.gnupgHome)
        // Volumes in a container or encryption this reader lacks are left out: versions and files
        // that need none of them read exactly, the others miss what they hold (as with damage).
        var unreadable = mine.compactMap { file, name in
            VolumeSet.unreadableReason(name, gpgAvailable: gpg != nil).map { UnreadableVolume(name: file.name, kind: Self.kindName(name.kind), reason: $0) }
        }
        // A stray encrypted volume beside unencrypted file lists must not ask for a passphrase
        // (or fail without one): without one, it is left out too.
        let plainList = mine.contains { file, name in
            name.kind == .dlist && name.encryption == nil && !unreadable.contains { $0.name == file.name }
        }
        if options.passphrase == nil && plainList {
            unreadable += mine.filter { $0.1.encryption != nil && !unreadable.map(\.name).contains($0.0.name) }.map { file, name in
                UnreadableVolume(name: file.name, kind: Self.kindName(name.kind), reason: "encrypted (\(name.encryption ?? "")), and no passphrase was given")
            }
        }
        if !unreadable.isEmpty {
            let skipped = Set(unreadable.map(\.name))
            mine.removeAll { skipped.contains($0.0.name) }
            guard mine.contains(where: { $0.1.kind == .dlist }) else {
                let example = unreadable.first { $0.kind == "dlist" } ?? unreadable[0]
                throw BackupError.unsupported("no file list (dlist) of this backup can be read: \(example.name): \(example.reason)")
            }
            for (reason, volumes) in Dictionary(grouping: unreadable, by: \.reason).sorted(by: { $0.key < $1.key }) {
                let example = volumes.first { $0.kind == "dlist" } ?? volumes[0]
                logger.warning("\(volumes.count) volumes cannot be read, e.g. \(example.name): \(reason); versions and files that need them are unavailable")
            }
        }
        let encrypted = mine.contains { $0.1.encryption != nil }
        if encrypted && options.passphrase == nil { throw BackupError.passphraseRequired }

        let cache = CacheLocation(root: options.cacheRoot, identity: store.identity, prefix: prefix)
        try cache.create()
        let catalog: Catalog
        do {
            catalog = try Catalog(path: try cache.indexPath())
        } catch let error as SQLiteError where error.isCorruption {
            logger.warning("the local index was damaged; rebuilding it")
            try? FileManager.default.removeItem(atPath: cache.directory + "/index.sqlite")
            try? FileManager.default.removeItem(atPath: cache.directory + "/index.sqlite-wal")
            try? FileManager.default.removeItem(atPath: cache.directory + "/index.sqlite-shm")
            catalog = try Catalog(path: try cache.indexPath())
        }
        if let old = catalog.replacedSchema {
            // Everything in it can be read from the backup again (the newest version now, the
            // others when first opened): nothing for the user to do.
            logger.warning("the local index was written by an older dupfs (index format \(old)); rebuilding it in format \(Catalog.schemaVersion)")
            progress(BackupProgress(phase: "Rebuilding the index (older format \(old))", done: 0, total: 1))
        }
        let volumes = VolumeSet(store: store, passphrase: encrypted ? options.passphrase : nil, gpg: gpg)
        volumes.setListing(mine.map(\.0))
        try catalog.synchronizeVolumes(mine.map { (file, name) in
            (name: file.name, kind: Self.kindName(name.kind), size: file.size)
        })
        try catalog.retryFailedVolumes()
        // Every version is known from its dlist's name at once; its list is read when first needed.
        try catalog.registerVersions(mine.compactMap { file, name in
            guard name.kind == .dlist, let time = name.time else { return nil }
            return (file.name, Int64(time.timeIntervalSince1970))
        })
        let indexer = Indexer(catalog: catalog, volumes: volumes, logger: logger, progress: progress)
        let blockIndex = BlockIndexState()
        let background = BackgroundIndexing()
        // A mount lists its version folders before any list is read (the format from a manifest,
        // the passphrase checked on a header); the others read the newest version now.
        let format: BackupFormat
        // (The process that checks a mount before handing it on, and a quick verify, need no
        // list now either.)
        let listsLater = if case .now = options.blockIndexing { false } else { true }
        if listsLater, let quick = try indexer.readFormatOnly(encrypted: encrypted) {
            format = quick
        } else {
            format = try indexer.readFileLists(encrypted: encrypted, newestOnly: true)
        }
        let known = try catalog.versions()
        let fileLists = FileListLoader(all: Set(known.map(\.volumeID)), read: Set(known.filter(\.fileListRead).map(\.volumeID)))
        // Lists are read on a connection of their own: its long transactions must not hold up
        // the mount's lookups (SQLite's WAL lets readers go on while one connection writes).
        let writer = try Catalog(path: try cache.indexPath())
        let work = background
        let lists = FileListSource(
            indexer: Indexer(
                catalog: writer, volumes: volumes, logger: logger, progress: options.backgroundProgress ?? { _ in },
                isCancelled: { work.isStopping }),
            format: format)
        switch options.blockIndexing {
        case .background:
            let backgroundProgress = options.backgroundProgress ?? { _ in }
            let quiet = Indexer(
                catalog: writer, volumes: volumes, logger: logger, progress: backgroundProgress,
                isCancelled: { work.isStopping })
            work.start(name: "dupfs index") {
                // The newest version's list (a request for it joins this read) and block
                // locations (every read of a file waits for them) at once: the list is mostly
                // parsing, the index files mostly round trips. Older versions' lists only when a
                // version is opened, or after both at a lower priority.
                let newestRead = DispatchSemaphore(value: 0)
                let newest = Thread {
                    lists.readNewest(fileLists, work: work, logger: logger)
                    newestRead.signal()
                }
                newest.name = "dupfs newest list"
                newest.start()
                defer { newestRead.wait() }
                var outcome = Indexer.PassOutcome()
                do {
                    outcome = try quiet.readBlockIndex(format: format)
                } catch {
                    if !work.isStopping { logger.error("reading the backup's index files failed: \(error)") }
                }
                blockIndex.finish()
                newestRead.wait()
                newestRead.signal()
                lists.readAll(fileLists, work: work, logger: logger)
                // Volumes a fault kept from being read: try again, less and less often.
                var delay = 2.0
                for _ in 0..<8 where outcome.pending > 0 {
                    guard work.pause(seconds: delay) else { return }
                    delay = min(delay * 2, 60)
                    do {
                        outcome = try quiet.readBlockIndex(format: format)
                    } catch {
                        if !work.isStopping { logger.error("reading the backup's index files failed: \(error)") }
                        break
                    }
                }
                if outcome.pending > 0 && !work.isStopping {
                    logger.warning("\(outcome.pending) index volumes are still unreadable; reads that need them try again on demand")
                }
            }
        case .now:
            var outcome = try indexer.readBlockIndex(format: format)
            if outcome.pending > 0 {
                // Once more after a pause; a fault that lasts is reported as such.
                Thread.sleep(forTimeInterval: 1)
                outcome = try indexer.readBlockIndex(format: format)
                if let error = outcome.firstError { throw error }
            }
            blockIndex.finish()
        case .skip:
            blockIndex.finish()
        }
        return Backup(
            store: store, prefix: prefix, catalog: catalog, cache: cache, format: format, volumes: volumes,
            blockCache: BlockCache(capacity: options.blockCacheSize), blockIndex: blockIndex,
            fileLists: fileLists, fileListSource: lists, background: background, unreadableVolumes: unreadable,
            linkMeter: options.linkMeter ?? LinkMeter(initial: store is LocalDirectoryStore ? .local : .remote), logger: logger)
    }

    private init(
        store: any BackendStore, prefix: String, catalog: Catalog, cache: CacheLocation, format: BackupFormat,
        volumes: VolumeSet, blockCache: BlockCache, blockIndex: BlockIndexState, fileLists: FileListLoader,
        fileListSource: FileListSource, background: BackgroundIndexing, unreadableVolumes: [UnreadableVolume],
        linkMeter: LinkMeter, logger: Logger
    ) {
        self.background = background
        self.unreadableVolumes = unreadableVolumes
        self.linkMeter = linkMeter
        self.blockCache = blockCache
        self.blockIndex = blockIndex
        self.fileLists = fileLists
        self.fileListSource = fileListSource
        self.store = store
        self.prefix = prefix
        self.catalog = catalog
        self.cache = cache
        self.format = format
        self.volumes = volumes
        self.logger = logger
    }

    /// Waits until block locations are fully indexed (at once when they are).
    /// - Parameter timeout: seconds to wait at most.
    /// - Returns: whether the index is complete.
    @discardableResult
    package func waitForBlockIndex(timeout: Double = 3600) -> Bool {
        blockIndex.wait(timeout: timeout)
    }

    /// Stops the background indexing (at its next volume) and waits for its thread to end:
    /// call before the process exits, which must not happen while that thread decrypts.
    /// - Parameter timeout: seconds to wait at most.
    /// - Returns: whether no background work is left.
    @discardableResult
    package func stopBackgroundWork(timeout: Double) -> Bool {
        background.stop(timeout: timeout)
    }

    /// The passphrase the volumes were opened with (to hand to a background mount process).
    package var passphrase: String? { volumes.passphrase }

    static func kindName(_ kind: VolumeName.Kind) -> String {
        switch kind {
        case .dlist: "dlist"
        case .dblock: "dblock"
        case .dindex: "dindex"
        }
    }

    static func choosePrefix(listing: [RemoteFile], wanted: String?, where place: String) throws -> String {
        let prefixes = Set(listing.compactMap { VolumeName($0.name)?.prefix })
        if let wanted {
            guard prefixes.contains(wanted) else {
                let others = prefixes.isEmpty ? "" : " (prefixes present: \(prefixes.sorted().joined(separator: ", ")))"
                throw BackupError.noBackupFound("no volumes with prefix '\(wanted)' in \(place)\(others)")
            }
            return wanted
        }
        if prefixes.contains("duplicati") { return "duplicati" }
        if prefixes.count == 1, let only = prefixes.first { return only }
        if prefixes.isEmpty { throw BackupError.noBackupFound("\(place) holds no Duplicati volumes") }
        throw BackupError.noBackupFound("\(place) holds several backups (prefixes \(prefixes.sorted().joined(separator: ", "))); choose one with --prefix")
    }

    /// Versions, newest first; index 0 is Duplicati's version 0. Every record is complete: file
    /// lists the index lacks are read first (see ``knownVersions()`` for what is known at once).
    /// - Throws: as ``requireFileList(of:)``.
    package func versions() throws -> [VersionRecord] {
        if !fileLists.allRead { try requireAllFileLists() }
        return try catalog.versions()
    }

    /// Versions, newest first, as known now: every one from its dlist's name, some perhaps
    /// without their file list read yet (``VersionRecord/fileListRead``; call
    /// ``requireFileList(of:)`` before using their entries or counts).
    package func knownVersions() throws -> [VersionRecord] {
        try catalog.versions()
    }

    /// The version with Duplicati's number `number` (0 = newest), its file list read into the
    /// index (see ``requireFileList(of:)``).
    package func version(_ number: Int) throws -> VersionRecord {
        let all = try knownVersions()
        guard number >= 0, number < all.count else { throw BackupError.noSuchVersion(number, available: all.count) }
        guard !all[number].fileListRead || !fileLists.isRead(all[number].volumeID) else { return all[number] }
        try requireFileList(of: all[number])
        return try knownVersions().first { $0.id == all[number].id } ?? all[number]
    }
}
