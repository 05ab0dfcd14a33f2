import AESCrypt
import ByteSource
import Catalog
import DuplicatiFormat
import FetchPlanner
import Foundation
import Storage
import Synchronization
import Zip

/// Opens the backup's remote volumes as zip archives, decrypting by range when they are
/// encrypted. Keeps each volume's keys (one key derivation per volume) and a few recently used
/// zip directories.
package final class VolumeSet: Sendable {
    let store: any BackendStore
    let passphrase: String?
    /// The gpg program for GPG volumes; nil when it is not installed.
    let gpg: GPGProgram?
    let state: Mutex<State>
    private let archiveLimit: Int

    struct State {
        var files: [String: RemoteFile] = [:]
        var keys: [String: AESCryptKeys] = [:]
        var archives: [String: ZipArchive] = [:]
        var recent: [String] = []
        /// Zip records in `archives`.
        var archiveEntries = 0
        /// Plaintext sources of volumes read by range, most recently used last.
        var sources: [String: any ByteSource] = [:]
        var recentSources: [String] = []
        /// Tar volumes decoded whole (as stored zips), most recently used last, and their bytes.
        var decoded: [String: ByteArraySource] = [:]
        var recentDecoded: [String] = []
        var decodedBytes: Int64 = 0
        /// dblocks whose record placements this process stored (or queued for storing).
        var placed: Set<Int64> = []
        /// The index connection placements are written through (opened on first use).
        var placementCatalog: Catalog?
    }

    /// Placement writes, one at a time and off the reading threads: they go through a
    /// connection of their own, which may wait for the background indexer's transactions.
    let placementQueue = DispatchQueue(label: "dupfs placements")

    /// Reads a whole file, in `parts` ranged requests at once when more than one.
    /// - Returns: its bytes (shorter than `size` when the file is).
    static func readAll(_ raw: any ByteSource, size: Int64, parts: Int) throws -> [UInt8] {
        let pieces = FetchPlanner.pieces(of: size, parts: parts)
        guard pieces.count > 1 else { return try raw.read(at: 0, count: Int(size)) }
        let results = Mutex([Result<[UInt8], any Error>?](repeating: nil, count: pieces.count))
        DispatchQueue.concurrentPerform(iterations: pieces.count) { index in
            let piece = pieces[index]
            let result = Result { try raw.read(at: piece.lowerBound, count: piece.count) }
            results.withLock { $0[index] = result }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(size))
        for (piece, result) in zip(pieces, results.withLock { $0 }) {
            let part = try result!.get()
            bytes += part
            // A short piece means a short file: what follows it would be misplaced.
            if part.count < piece.count { break }
        }
        return bytes
    }

    /// Volumes read entirely are downloaded in one request up to this size.
    static let wholeDownloadLimit: Int64 = 64 << 20

    init(store: any BackendStore, passphrase: String?, gpg: GPGProgram? = GPGProgram.find(home: nil), archiveLimit: Int = 64) {
        self.store = store
        self.passphrase = passphrase
        self.gpg = gpg
        self.archiveLimit = archiveLimit
        self.state = Mutex(State())
    }

    /// Replaces the known listing.
    func setListing(_ files: [RemoteFile]) {
        state.withLock { state in
            state.files = Dictionary(files.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The listed file with this name.
    func file(named name: String) -> RemoteFile? {
        state.withLock { $0.files[name] }
    }

    /// The plaintext of a volume as a random-access source.
    /// - Throws: ``BackupError``; storage errors pass through.
    /// - Parameters:
    ///   - name: the volume.
    ///   - whole: it will be read entirely (a file list or index file): download it in one
    ///     request into memory instead of many ranged reads, when it is not huge.
    ///   - uncached: read from the storage itself, past any local cache (and not kept).
    ///   - parts: a whole download is made of this many ranged requests at once (see
    ///     ``FetchPlanner/parts(ofWhole:link:mostLanes:)``).
    func plaintext(_ name: String, whole: Bool = false, uncached: Bool = false, parts: Int = 1) throws -> any ByteSource {
        guard let file = file(named: name) else {
            throw BackupError.damagedVolume(name: name, reason: "not in the remote folder")
        }
        guard let parsed = VolumeName(name) else {
            throw BackupError.damagedVolume(name: name, reason: "not a volume name")
        }
        if Self.isReadWhole(parsed) {
            return try wholePlaintext(file, name: parsed, uncached: uncached, parts: parts)
        }
        let kept = !whole && !uncached
        if kept, let cached = cachedSource(name) { return cached }
        var raw = try uncached ? store.openUncached(file) : store.open(file)
        if whole && file.size <= Self.wholeDownloadLimit {
            let bytes = try Self.readAll(raw, size: file.size, parts: parts)
            guard bytes.count == Int(file.size) else {
                throw BackupError.damagedVolume(name: name, reason: "shorter than listed (\(bytes.count) of \(file.size) bytes)")
            }
            raw = ByteArraySource(bytes)
        }
        switch parsed.encryption?.lowercased() {
        case nil:
            if kept { keepSource(raw, name) }
            return raw
        case "aes":
            let cached = state.withLock { $0.keys[name] }
            do {
                let reader: AESCryptReader
                if let cached {
                    reader = try AESCryptReader(ciphertext: raw, keys: cached)
                } else {
                    guard let passphrase else { throw BackupError.passphraseRequired }
                    reader = try AESCryptReader(ciphertext: raw, passphrase: passphrase)
                    state.withLock { $0.keys[name] = reader.keys }
                }
                if kept { keepSource(reader, name) }
                return reader
            } catch let error as AESCryptError {
                throw Self.translate(error, volume: name)
            }
        case let other?:
            throw BackupError.unsupported("\(name): \(other) encryption is not read; only AES Crypt (.aes) volumes are")
        }
    }

    /// Why this reader cannot open volumes named like this one (their container or encryption),
    /// or nil when it can. The text names no volume, so volumes alike share it.
    /// - Parameters:
    ///   - name: a parsed volume name.
    ///   - gpgAvailable: whether the gpg program is installed.
    static func unreadableReason(_ name: VolumeName, gpgAvailable: Bool) -> String? {
        switch name.compression {
        case "zip":
            break
        case "7z":
            return "7z volumes, which Duplicati 2.0.9.108 and older could write, are not read (nor by current "
                + "Duplicati); convert them to zip with Duplicati's RecoveryTool from such a release: "
                + "Duplicati.CommandLine.RecoveryTool recompress zip <storage URL> <local folder>"
        case "tgz", "tzstd":
            break
        default:
            return "'\(name.compression)' volumes are not read; only zip volumes are"
        }
        switch name.encryption {
        case nil, "aes": return nil
        case "gpg":
            return gpgAvailable ? nil : "GPG volumes need the gpg program, which is not installed (Debian: apt-get install gnupg)"
        case let other?:
            return "\(other) encryption is not read; only AES Crypt (.aes) and GPG (.gpg) volumes are"
        }
    }

    private func cachedSource(_ name: String) -> (any ByteSource)? {
        state.withLock { state in
            guard let source = state.sources[name] else { return nil }
            if let i = state.recentSources.lastIndex(of: name) { state.recentSources.remove(at: i) }
            state.recentSources.append(name)
            return source
        }
    }

    private func keepSource(_ source: any ByteSource, _ name: String) {
        state.withLock { state in
            if state.sources.updateValue(source, forKey: name) == nil { state.recentSources.append(name) }
            while state.recentSources.count > archiveLimit {
                state.sources[state.recentSources.removeFirst()] = nil
            }
        }
    }

    static func translate(_ error: AESCryptError, volume: String) -> BackupError {
        switch error {
        case .wrongPassphrase: .wrongPassphrase
        case .notAESCrypt: .damagedVolume(name: volume, reason: "not an AES Crypt file")
        case .unsupportedVersion(let v): .damagedVolume(name: volume, reason: "AES Crypt version \(v) is not supported")
        case .truncated: .damagedVolume(name: volume, reason: "truncated")
        case .authenticationFailed: .damagedVolume(name: volume, reason: "contents fail the HMAC check (corrupted)")
        case .malformed(let why): .damagedVolume(name: volume, reason: why)
        }
    }

    /// A zip failure of one entry as the backup sees it: an entry in a compression method this
    /// reader does not decode is a feature it lacks, named with the volume (not damage); any
    /// other failure is a damaged volume.
    /// - Parameters:
    ///   - error: what the zip reader threw.
    ///   - volume: the volume's name.
    ///   - entry: the entry's name.
    static func translate(_ error: ZipError, volume: String, entry: String) -> BackupError {
        if case .unsupportedMethod(let method) = error {
            return .unsupported("\(volume): entry \(entry) uses compression \(ZipMethod.describe(method)), which dupfs does not read")
        }
        return .damagedVolume(name: volume, reason: "\(entry): \(error)")
    }

    /// Checks the whole-file HMAC of an encrypted volume (reads all of it).
    func verifyAuthentication(_ name: String, source: any ByteSource) throws {
        guard let reader = source as? AESCryptReader else { return }
        do { try reader.verifyAuthentication() } catch let error as AESCryptError {
            throw Self.translate(error, volume: name)
        }
    }

    /// A volume's zip directory, opened once and kept while used.
    func archive(_ name: String) throws -> ZipArchive {
        if let cached = state.withLock({ state -> ZipArchive? in
            guard let archive = state.archives[name] else { return nil }
            if let i = state.recent.firstIndex(of: name) { state.recent.remove(at: i) }
            state.recent.append(name)
            return archive
        }) {
            return cached
        }
        let source = try plaintext(name)
        let archive = try Self.openZip(source, name: name)
        state.withLock { state in
            if state.archives.updateValue(archive, forKey: name) == nil {
                state.recent.append(name)
                state.archiveEntries += archive.entries.count
            }
            // Bounded by count and by records held (a directory of a volume full of tiny blocks
            // holds tens of thousands of names); the newest always stays.
            while state.recent.count > 1
                && (state.recent.count > archiveLimit || state.archiveEntries > Self.archiveEntryBudget) {
                if let evicted = state.archives.removeValue(forKey: state.recent.removeFirst()) {
                    state.archiveEntries -= evicted.entries.count
                }
            }
        }
        return archive
    }

    /// Zip records the kept directories may hold in all (about 20 MiB of names and offsets);
    /// blocks whose placement is in the index do not need their directory at all.
    static let archiveEntryBudget = 100_000

    /// Opens a zip over a plaintext source, translating its errors.
    static func openZip(_ source: any ByteSource, name: String) throws -> ZipArchive {
        do {
            return try ZipArchive(source: source)
        } catch let error as ZipError {
            throw BackupError.damagedVolume(name: name, reason: "zip: \(error)")
        } catch let error as AESCryptError {
            throw translate(error, volume: name)
        }
    }

    /// Forgets a volume's cached directory (after it proved wrong).
    func forget(_ name: String) {
        state.withLock { state in
            if let evicted = state.archives.removeValue(forKey: name) { state.archiveEntries -= evicted.entries.count }
            state.recent.removeAll { $0 == name }
        }
    }

    // MARK: Placements

    /// The block records of an opened dblock, as the index keeps them.
    static func placements(of archive: ZipArchive) -> [BlockPlacement] {
        archive.entries.compactMap { entry in
            guard let hash = BlockHashName.base64(entryName: entry.name),
                  BlockHashName.entryName(base64: hash) == entry.name
            else { return nil }
            let extent = archive.extent(of: entry)
            guard extent.upperBound > extent.lowerBound else { return nil }
            return BlockPlacement(
                hash: hash, offset: entry.localHeaderOffset, end: extent.upperBound,
                compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize,
                method: entry.method, flags: entry.flags, crc32: entry.crc32)
        }
    }

    /// Marks a dblock's placements as stored by this process (by the indexer, say).
    func notePlacementsStored(_ volumeID: Int64) {
        _ = state.withLock { $0.placed.insert(volumeID) }
    }

    /// Stores in the index, in the background and once per process, where a dblock's block
    /// records lie, so later reads (this mount's or the next) skip its zip directory. Best effort:
    /// a failed write only costs a directory read later.
    /// - Parameters:
    ///   - archive: the dblock's opened directory.
    ///   - volumeID: its index id.
    ///   - indexPath: the index file, opened with a connection of its own.
    func rememberPlacements(of archive: ZipArchive, volumeID: Int64, indexPath: @escaping @Sendable () throws -> String) {
        guard state.withLock({ $0.placed.insert(volumeID).inserted }) else { return }
        let placements = Self.placements(of: archive)
        placementQueue.async { [self] in
            guard let catalog = placementCatalog(indexPath) else { return }
            try? catalog.replacePlacements(placements, volumeID: volumeID)
        }
    }

    /// Drops a dblock's stored placements (one proved wrong); its directory stores them anew
    /// when next opened.
    func forgetPlacements(_ volumeID: Int64, indexPath: @escaping @Sendable () throws -> String) {
        state.withLock { _ = $0.placed.remove(volumeID) }
        placementQueue.async { [self] in
            guard let catalog = placementCatalog(indexPath) else { return }
            try? catalog.forgetPlacements(volumeID: volumeID)
        }
    }

    /// Waits until queued placement writes are done.
    func waitForPlacementWrites() {
        placementQueue.sync {}
    }

    private func placementCatalog(_ indexPath: () throws -> String) -> Catalog? {
        if let open = state.withLock({ $0.placementCatalog }) { return open }
        guard let path = try? indexPath(), let catalog = try? Catalog(path: path) else { return nil }
        state.withLock { $0.placementCatalog = catalog }
        return catalog
    }
}
