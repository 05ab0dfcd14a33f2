import ByteSource
import Catalog
import Digests
import DuplicatiFormat
import Foundation
import Logging
import Storage
import Synchronization
import Zip

/// Brings the local index up to date: reads the dlists, dindex files and (for dblocks no dindex
/// describes) dblock zip directories that it has not read before. Each volume is stored in one
/// transaction, so an interrupted run leaves only whole volumes behind and the next run resumes.
struct Indexer {
    let catalog: Catalog
    let volumes: VolumeSet
    let logger: Logger
    let progress: @Sendable (BackupProgress) -> Void
    /// Checked before each volume: true ends the pass with `CancellationError`.
    var isCancelled: @Sendable () -> Bool = { false }

    /// Largest JSON entry of a dindex we accept (`vol/`): ~a million block records.
    static let indexEntryLimit = 256 << 20

    func run(encrypted: Bool) throws -> BackupFormat {
        let format = try readFileLists(encrypted: encrypted)
        try readBlockIndex(format: format)
        return format
    }

    /// The second phase: where the blocks are. Reads the pending index files, then the zip
    /// directories of dblocks that no index file describes. A volume that fails for a reason
    /// that may pass (network, storage) stays pending and is counted; one that is damaged is
    /// marked failed (its dblock's own directory then stands in for a damaged index file).
    /// - Returns: the volumes that could not be read for a reason that may pass (try again later).
    @discardableResult
    func readBlockIndex(format: BackupFormat) throws -> PassOutcome {
        let pendingIndexes = try catalog.volumes().filter { $0.kind == "dindex" && $0.state == .pending }
        let total = pendingIndexes.count
        var outcome = try readEach(pendingIndexes, phase: "Reading index files", what: "index file") { volume in
            try readIndex(volume, format: format)
        }
        let uncovered = try catalog.volumesWithoutBlocks().filter { $0.state != .failed }
        let directories = try readEach(uncovered, phase: "Reading block directories", what: "directory of") { volume in
            try readDirectory(volume, format: format)
        }
        if outcome.pending == 0 { outcome.firstError = directories.firstError }
        outcome.pending += directories.pending
        progress(BackupProgress(phase: "Done", done: total, total: total))
        return outcome
    }

    /// Volumes read at once: each waits mostly for the storage (a round trip for its link, one
    /// for its bytes), so more lanes than cores pay off.
    static let lanes = 8

    /// Runs `body(lane)` for lanes `0..<count`, each on a thread of its own, and waits for all.
    /// (`concurrentPerform` runs no more lanes at once than there are cores: two here, which
    /// left a remote backup's index files read two round trips at a time.)
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for lane in 0..<count {
            group.enter()
            let thread = Thread {
                body(lane)
                group.leave()
            }
            thread.name = "dupfs index \(lane)"
            thread.start()
        }
        group.wait()
    }

    /// What the lanes of one ``readEach(_:phase:what:_:)`` share.
    private final class PassState: Sendable {
        let failure = Mutex<(any Error)?>(nil)
        let outcome = Mutex(PassOutcome())
        let finished = Mutex((count: 0, bytes: Int64(0)))
    }

    /// Runs `read` over `list`, ``lanes`` volumes at a time (the storage's latency dominates), and
    /// sorts the failures: a fatal one stops the pass and is thrown, a damaged volume is marked
    /// failed, a transient failure leaves the volume pending and is counted.
    private func readEach(
        _ list: [VolumeRecord], phase: String, what: String, _ read: @escaping @Sendable (VolumeRecord) throws -> Void
    ) throws -> PassOutcome {
        let state = PassState()
        let totalBytes = list.reduce(Int64(0)) { $0 + $1.size }
        let lanes = max(1, min(Self.lanes, list.count))
        Self.onThreads(lanes) { lane in
            for index in stride(from: lane, to: list.count, by: lanes) {
                if state.failure.withLock({ $0 != nil }) || isCancelled() { return }
                let volume = list[index]
                do {
                    do {
                        try read(volume)
                    } catch where Self.classify(error) == .damaged {
                        // Maybe damaged on the way: drop any cached copy and read it once more.
                        volumes.store.discardCachedData(of: volume.name)
                        volumes.forget(volume.name)
                        try read(volume)
                    }
                } catch {
                    switch Self.classify(error) {
                    case .fatal:
                        state.failure.withLock { $0 = error }
                        return
                    case .transient:
                        logger.warning("\(what) \(volume.name) could not be read (\(error)); will try again")
                        state.outcome.withLock { $0.note(error) }
                    case .damaged:
                        logger.warning("\(what) \(volume.name) is unusable (\(error)); other copies of its facts are used instead")
                        try? catalog.setVolumeState(volume.id, .failed)
                    }
                }
                let done = state.finished.withLock { value in
                    value.count += 1
                    value.bytes += volume.size
                    return value
                }
                progress(BackupProgress(
                    phase: phase, done: done.count, total: list.count, bytesDone: done.bytes, bytesTotal: totalBytes))
            }
        }
        if let error = state.failure.withLock({ $0 }) { throw error }
        if isCancelled() { throw CancellationError() }
        return state.outcome.withLock { $0 }
    }

    /// The volumes a pass left pending because of failures that may pass.
    struct PassOutcome: Sendable {
        var pending = 0
        var firstError: (any Error)?

        mutating func note(_ error: any Error) {
            if pending == 0 { firstError = error }
            pending += 1
        }
    }

    /// What a failure to read one volume means for the index.
    enum FailureKind: Equatable {
        /// Stop everything (wrong passphrase: no volume will open).
        case fatal
        /// The volume itself is bad: remember that, use other sources of the same facts.
        case damaged
        /// It may work later (network, storage, access): leave the volume pending.
        case transient
    }

    static func classify(_ error: any Error) -> FailureKind {
        switch error {
        case BackupError.wrongPassphrase, BackupError.passphraseRequired: .fatal
        case is BackupError, is DuplicatiFormatError, is ZipError: .damaged
        case StorageError.fileNotFound: .damaged
        default: .transient
        }
    }

    func storedFormat() throws -> BackupFormat? {
        guard let size = try catalog.setting("blocksize").flatMap({ Int($0) }),
              let block = try catalog.setting("blockhash").flatMap({ HashAlgorithm(duplicatiName: $0) }),
              let file = try catalog.setting("filehash").flatMap({ HashAlgorithm(duplicatiName: $0) })
        else { return nil }
        return BackupFormat(blocksize: size, blockHash: block, fileHash: file)
    }

    /// Reads and checks a volume's manifest against what the backup uses.
    func checkManifest(_ archive: ZipArchive, volume: String, format: BackupFormat?) throws -> BackupFormat {
        guard let entry = archive.entry(named: "manifest") else {
            throw BackupError.damagedVolume(name: volume, reason: "no manifest")
        }
        let manifest: Manifest
        do {
            manifest = try Manifest.parse(try archive.read(entry, limit: 1 << 20))
        } catch let error as DuplicatiFormatError {
            throw BackupError.damagedVolume(name: volume, reason: "manifest: \(error)")
        } catch let error as ZipError {
            throw VolumeSet.translate(error, volume: volume, entry: "manifest")
        }
        guard let blockHash = HashAlgorithm(duplicatiName: manifest.blockHash) else {
            throw BackupError.unsupported("block hash algorithm \(manifest.blockHash)")
        }
        guard let fileHash = HashAlgorithm(duplicatiName: manifest.fileHash) else {
            throw BackupError.unsupported("file hash algorithm \(manifest.fileHash)")
        }
        let found = BackupFormat(blocksize: manifest.blocksize, blockHash: blockHash, fileHash: fileHash)
        if let format, format != found {
            throw BackupError.inconsistent("\(volume) uses block size \(found.blocksize) with \(blockHash.rawValue)/\(fileHash.rawValue), other volumes \(format.blocksize) with \(format.blockHash.rawValue)/\(format.fileHash.rawValue)")
        }
        if format == nil {
            try catalog.setSetting("blocksize", String(found.blocksize))
            try catalog.setSetting("blockhash", blockHash.rawValue)
            try catalog.setSetting("filehash", fileHash.rawValue)
        }
        return found
    }

    private func readIndex(_ volume: VolumeRecord, format: BackupFormat) throws {
        let source = try volumes.plaintext(volume.name, whole: true)
        try volumes.verifyAuthentication(volume.name, source: source)
        let archive = try VolumeSet.openZip(source, name: volume.name)
        _ = try checkManifest(archive, volume: volume.name, format: format)
        let known = try catalog.volumes()
        let byName = Dictionary(known.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for entry in archive.entries {
            if entry.name.hasPrefix("vol/") {
                let target = String(entry.name.dropFirst(4))
                guard let dblock = byName[target] ?? Self.matchByGUID(target, in: known) else {
                    logger.debug("\(volume.name) describes \(target), which is not in the folder")
                    continue
                }
                let list: IndexVolumeList
                do {
                    list = try IndexVolumeList.parse(try archive.read(entry, limit: Self.indexEntryLimit))
                } catch let error as ZipError {
                    throw BackupError.damagedVolume(name: volume.name, reason: "\(entry.name): \(error)")
                }
                try catalog.addBlocks(list.blocks.map { ($0.hash, $0.size) }, volumeID: dblock.id, fromDirectory: false)
            } else if entry.name.hasPrefix("list/") {
                let entryName = String(entry.name.dropFirst(5))
                guard let hash = BlockHashName.base64(entryName: entryName) else { continue }
                guard let content = try? archive.read(entry, limit: format.blocksize),
                      Self.base64(format.blockHash.digest(content)) == hash,
                      content.count % format.blockHash.digestSize == 0
                else {
                    logger.warning("\(volume.name): blocklist copy \(entryName) is wrong; the dblock's copy will be used")
                    continue
                }
                try catalog.addBlocklist(hash: hash, content: content)
            }
        }
        try catalog.setVolumeState(volume.id, .indexed)
    }

    /// A dblock whose name differs only in its compression or encryption suffix.
    static func matchByGUID(_ name: String, in volumes: [VolumeRecord]) -> VolumeRecord? {
        guard let parsed = VolumeName(name), parsed.kind == .dblock, let guid = parsed.guid?.lowercased() else { return nil }
        return volumes.first { v in
            guard v.kind == "dblock", let other = VolumeName(v.name) else { return false }
            return other.prefix == parsed.prefix && other.guid?.lowercased() == guid
        }
    }

    /// Reads a dblock's own zip directory into the index.
    func readDirectory(_ volume: VolumeRecord, format: BackupFormat) throws {
        try Self.readDirectory(volume, catalog: catalog, volumes: volumes)
    }

    static func readDirectory(_ volume: VolumeRecord, catalog: Catalog, volumes: VolumeSet) throws {
        // The directory replaces what the index believed about this dblock, and nothing checks
        // it as a whole (the HMAC covers the entire volume): read it from storage up to three
        // times, each shaped differently (begun earlier, cut into more requests), and use it only
        // when two reads in a row agree. A byte damaged on the way garbles a name or an offset,
        // which would hide a block for good; shaping the requests differently keeps a fault tied
        // to a position in a response (the middle of every body, say) from garbling two alike.
        volumes.forget(volume.name)
        // A reader may have kept a copy read meanwhile, unchecked: the next one reads it anew.
        defer { volumes.forget(volume.name) }
        var archive = try freshDirectory(volume.name, volumes: volumes, variant: 0)
        var agreed = false
        for variant in 1...2 where !agreed {
            let again = try freshDirectory(volume.name, volumes: volumes, variant: variant)
            agreed = sameRecords(archive, again) && namesArePlausible(again)
            archive = again
        }
        guard agreed else {
            throw BackupError.damagedVolume(name: volume.name, reason: "its zip directory read differently three times")
        }
        var blocks: [(hash: String, size: Int64)] = []
        for entry in archive.entries {
            guard let hash = BlockHashName.base64(entryName: entry.name) else { continue }
            blocks.append((hash, entry.uncompressedSize))
        }
        try catalog.replaceBlocksFromDirectory(blocks, volumeID: volume.id)
        // Where each record lies, so reads skip this directory from now on (best effort: a
        // missing placement only means the directory is read again).
        if (try? catalog.replacePlacements(VolumeSet.placements(of: archive), volumeID: volume.id)) != nil {
            volumes.notePlacementsStored(volume.id)
        }
    }

    /// A volume's zip directory read from storage, past the disk cache (which keeps what any
    /// reader downloaded, damaged or not, until a check fails), its reads shaped as
    /// ``VariedReads`` `variant` says.
    private static func freshDirectory(_ name: String, volumes: VolumeSet, variant: Int) throws -> ZipArchive {
        let source = try volumes.plaintext(name, uncached: true)
        return try VolumeSet.openZip(VariedReads(source, variant: variant), name: name)
    }

    /// Whether every record name of a dblock's directory could have been written by a backup
    /// program: printable ASCII (block names are base64, and the manifest's is a word). A byte
    /// damaged on the way in a name makes it something else, and that record's block would be
    /// missing from the listing; such a read is not used.
    private static func namesArePlausible(_ archive: ZipArchive) -> Bool {
        archive.entries.allSatisfy { entry in
            !entry.name.isEmpty && entry.name.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        }
    }

    /// Whether two reads of a directory list the same records at the same places.
    private static func sameRecords(_ a: ZipArchive, _ b: ZipArchive) -> Bool {
        guard a.entries.count == b.entries.count else { return false }
        for (x, y) in zip(a.entries, b.entries) {
            guard x.name == y.name, x.localHeaderOffset == y.localHeaderOffset, x.compressedSize == y.compressedSize,
                  x.uncompressedSize == y.uncompressedSize, x.crc32 == y.crc32, x.method == y.method
            else { return false }
        }
        return true
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
