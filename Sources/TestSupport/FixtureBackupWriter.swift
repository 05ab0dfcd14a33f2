import Digests
import Foundation

/// Writes a Duplicati 2.x backup folder version by version, deduplicating blocks across
/// versions like Duplicati: a block already stored is never stored again.
///
/// Each `addVersion` call stores the new blocks in one or more dblocks (with a dindex each,
/// per `indexPolicy`) and then writes the version's dlist. Volume GUIDs come from a counter
/// and `options.seed`, so unencrypted fixtures are byte-for-byte reproducible.
package final class FixtureBackupWriter {
    /// The settings volumes are written with. Between versions, change only what a user can
    /// change between runs (container, encryption, zip method, AES header, parity), never the
    /// block size, hashes or prefix.
    package var options: FixtureOptions
    /// The backup folder.
    package let directory: URL
    /// Every file written so far, in write order (dblock, its dindex, …, dlist).
    package internal(set) var volumeNames: [String] = []
    /// The parity companions written so far (`options.parity`); not in `volumeNames`.
    package internal(set) var parityNames: [String] = []
    /// The dlist names written so far, oldest version first.
    package internal(set) var dlistNames: [String] = []

    var openVolume: BlockVolumeBuilder?
    /// Blocks already in a finished or open dblock: hash → dblock name.
    var blockLocations: [[UInt8]: String] = [:]
    /// With `deduplicate == false`, the blocks stored during the current version.
    var blocksThisVersion: Set<[UInt8]> = []
    /// dblock name → its dindex name.
    var indexNames: [String: String] = [:]
    var guidCounter: UInt64 = 0
    var versionTime = Date(timeIntervalSince1970: 0)

    /// Prepares a writer; creates `directory` if needed.
    /// - Parameters:
    ///   - directory: the backup folder (remote folder).
    ///   - options: block size, hashes, encryption and format switches.
    /// - Throws: `FixtureError.invalidOptions` for impossible settings, `.io` if the folder
    ///   can't be created.
    package init(directory: URL, options: FixtureOptions) throws {
        guard options.blocksize >= 2 * options.blockHash.digestSize else {
            throw FixtureError.invalidOptions("blocksize \(options.blocksize) too small for \(options.blockHash)")
        }
        guard !options.prefix.isEmpty, !options.prefix.contains("-") else {
            throw FixtureError.invalidOptions("prefix must be non-empty without '-'")
        }
        guard options.volumeSize > options.blocksize else {
            throw FixtureError.invalidOptions("volumeSize must exceed blocksize")
        }
        self.directory = directory
        self.options = options
        try PosixFS.makeDirectories(directory.path)
    }

    /// Backs up one version of a source tree.
    ///
    /// Content is split into blocks; new blocks go into dblocks (closed whenever one passes
    /// `volumeSize - blocksize`, and at the end of the version); then the dlist is written.
    /// - Parameters:
    ///   - entries: the tree; only the selected root and below (no ancestors), any order.
    ///   - time: the backup time; the dlist name is this UTC time, one second later per
    ///     collision with an existing name.
    ///   - isFullBackup: the `fileset` flag; false marks a partial backup.
    /// - Returns: the dlist file name.
    /// - Throws: `FixtureError` when a path is empty or a file can't be written.
    @discardableResult
    package func addVersion(_ entries: [FixtureEntry], time: Date, isFullBackup: Bool = true) throws -> String {
        beginVersion(time: time)
        var records: [(entry: FixtureEntry, json: String)] = []
        for entry in entries {
            records.append((entry, try store(entry)))
        }
        // Folders and symlinks first, then files, each by path in binary (UTF-8 byte) order,
        // as SQLite's default collation sorts them.
        func key(_ record: (entry: FixtureEntry, json: String)) -> (Int, [UInt8]) {
            (record.entry.fileBytes == nil ? 0 : 1, Array(record.entry.storedPath.utf8))
        }
        let sorted = records.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            return ka.0 != kb.0 ? ka.0 < kb.0 : ka.1.lexicographicallyPrecedes(kb.1)
        }
        return try finishVersion(filelist: Array(("[" + sorted.map(\.json).joined(separator: ",") + "]").utf8), isFullBackup: isFullBackup)
    }

    /// Starts a version that the caller assembles itself (``store(_:)`` per entry, then
    /// ``finishVersion(filelist:isFullBackup:)``): for generators of many versions that reuse
    /// the records of unchanged entries instead of storing every entry again.
    /// - Parameter time: the backup time, as for ``addVersion(_:time:isFullBackup:)``.
    package func beginVersion(time: Date) {
        versionTime = time
        blocksThisVersion = []
    }

    /// Stores an entry's metadata blob and content (new blocks only) in the open version.
    /// - Parameter entry: the item.
    /// - Returns: its `filelist.json` object text, for the version's dlist.
    /// - Throws: `FixtureError` when the path is empty or a volume can't be written.
    package func store(_ entry: FixtureEntry) throws -> String {
        guard !entry.path.isEmpty else { throw FixtureError.unsafePath(entry.path) }
        let metadata = try storeMetadata(MetadataBlob.bytes(for: entry))
        var content: StoredStream?
        if let bytes = entry.fileBytes {
            content = try storeStream(bytes, kind: .data(stored: isStoredExtension(entry)))
        }
        return FilelistRecord.json(entry: entry, metadata: metadata, content: content)
    }

    /// Closes the open dblock and writes the version's dlist.
    /// - Parameters:
    ///   - filelist: the `filelist.json` array (without BOM), objects in Duplicati's order:
    ///     folders and symlinks first, then files, each by stored path in UTF-8 byte order.
    ///   - isFullBackup: the `fileset` flag.
    /// - Returns: the dlist file name.
    /// - Throws: `FixtureError` when a volume can't be written.
    @discardableResult
    package func finishVersion(filelist: [UInt8], isFullBackup: Bool = true) throws -> String {
        try closeVolume()
        return try writeDlist(filelist, time: versionTime, isFullBackup: isFullBackup)
    }

    /// The dblock holding a block, if any.
    /// - Parameter hash: the raw block hash.
    /// - Returns: the dblock file name.
    package func dblockName(holding hash: [UInt8]) -> String? {
        blockLocations[hash]
    }

    /// The dindex written for a dblock, if any.
    /// - Parameter dblockName: a dblock file name.
    /// - Returns: the dindex file name.
    package func dindexName(for dblockName: String) -> String? {
        indexNames[dblockName]
    }

    /// The dblocks holding what an entry of a written version needs: its content's blocks and
    /// blocklists, and its metadata blob's. Meaningful with `deduplicate` (otherwise it names
    /// the first dblock that stored each block).
    /// - Parameter entry: an entry as given to `addVersion`.
    /// - Returns: dblock file names.
    package func dblocksNeeded(by entry: FixtureEntry) -> Set<String> {
        var blob = MetadataBlob.bytes(for: entry)
        if blob.count > options.hashesPerBlocklist * options.blocksize { blob = JSONText.bytes("{}", bom: true) }
        var hashes = streamBlockHashes(blob)
        if let bytes = entry.fileBytes { hashes += streamBlockHashes(bytes) }
        return Set(hashes.compactMap { blockLocations[$0] })
    }

    /// The blocks, then (for two or more) the blocklists, that `storeStream` stores for bytes.
    private func streamBlockHashes(_ bytes: [UInt8]) -> [[UInt8]] {
        let blocks = blockHashes(of: bytes)
        guard blocks.count > 1 else { return blocks }
        let lists = stride(from: 0, to: blocks.count, by: options.hashesPerBlocklist).map {
            options.blockHash.digest(blocks[$0..<min($0 + options.hashesPerBlocklist, blocks.count)].flatMap { $0 })
        }
        return blocks + lists
    }

    /// The block hashes a content would be split into with these options, in order.
    /// - Parameter bytes: file content.
    /// - Returns: one BlockHash per block (none for empty content).
    package func blockHashes(of bytes: [UInt8]) -> [[UInt8]] {
        Self.chunks(bytes, size: options.blocksize).map { options.blockHash.digest(Array($0)) }
    }

    private func isStoredExtension(_ entry: FixtureEntry) -> Bool {
        guard let name = entry.path.split(separator: entry.separator).last,
            let dot = name.lastIndex(of: "."), dot != name.startIndex
        else { return false }
        return options.storedExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    private func writeDlist(_ filelist: [UInt8], time: Date, isFullBackup: Bool) throws -> String {
        var seconds = Int64(time.timeIntervalSince1970.rounded(.down))
        var name: String
        repeat {
            name = "\(options.prefix)-\(CompactTimestamp.format(seconds: seconds)).dlist.\(options.container.suffix)\(options.encryption.suffix)"
            seconds += 1
        } while volumeNames.contains(name) || PosixFS.exists(directory.appendingPathComponent(name).path)

        var zip = ZipBuilder(options: options)
        zip.add("manifest", manifest())
        zip.add("filelist.json", options.filelistBOM ? JSONText.byteOrderMark + filelist : filelist)
        if options.writeFileset {
            var fileset = JSONText()
            fileset.add("IsFullBackup", isFullBackup)
            zip.add("fileset", JSONText.bytes(fileset.text, bom: true))
        }
        _ = try upload(name, zip.finish())
        dlistNames.append(name)
        return name
    }

    /// The `manifest` entry: BOM + compact JSON in Duplicati's member order (§5).
    func manifest() -> [UInt8] {
        var json = JSONText()
        json.add("Version", options.manifestVersion)
        json.add("Created", CompactTimestamp.format(versionTime))
        json.add("Encoding", "utf8")
        json.add("Blocksize", options.blocksize)
        json.add("BlockHash", options.blockHash.rawValue)
        json.add("FileHash", options.fileHash.rawValue)
        json.add("AppVersion", options.appVersion)
        return JSONText.bytes(json.text, bom: true)
    }

    static func chunks(_ bytes: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
        stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min($0 + size, bytes.count)] }
    }
}
