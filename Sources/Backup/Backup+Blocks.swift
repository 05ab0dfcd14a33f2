import Catalog
import DuplicatiFormat
import Foundation
import Zip

extension Backup {
    /// The verified content of one block: found through the index, read from its dblock, and
    /// checked against its hash. Tries every copy; when the index knows none (or all are bad),
    /// reads the zip directories of dblocks not yet read and tries again.
    /// - Parameter hash: the block hash, base64.
    /// - Returns: bytes whose block hash is `hash`.
    /// - Throws: ``BackupError/blockUnavailable(hash:reason:)`` or ``BackupError/wrongPassphrase``.
    package func block(_ hash: String) throws -> [UInt8] {
        try blockCache.block(hash) { try fetchBlock(hash) }
    }

    private func fetchBlock(_ hash: String) throws -> [UInt8] {
        var problems: [String] = []
        if let data = try blockFromKnownLocations(hash, problems: &problems) { return data }
        if !blockIndex.isComplete {
            // The index files are still being read in the background: wait for them, then look again.
            blockIndex.wait(timeout: 120)
            if let data = try blockFromKnownLocations(hash, problems: &problems) { return data }
        }
        if try catchUpIndex() {
            if let data = try blockFromKnownLocations(hash, problems: &problems) { return data }
        }
        let reason = problems.isEmpty ? "no volume holds it" : problems.joined(separator: "; ")
        throw BackupError.blockUnavailable(hash: hash, reason: reason)
    }

    private func blockFromKnownLocations(_ hash: String, problems: inout [String]) throws -> [UInt8]? {
        let entryName = BlockHashName.entryName(base64: hash)
        var tried = Set<Int64>()
        var rereadDirectories = Set<Int64>()
        var pending = try catalog.locations(of: hash)
        while let location = pending.first {
            pending.removeFirst()
            guard tried.insert(location.volumeID).inserted else { continue }
            do {
                if let data = try placedBlock(hash, location: location) { return data }
                let archive = try volumes.archive(location.volumeName)
                rememberPlacements(of: archive, volumeID: location.volumeID)
                guard let entry = archive.entry(named: entryName) else {
                    if location.doubted {
                        // A dindex said so and a read of the directory did not: nothing else
                        // holds it, so read the directory once more (verified), in case that
                        // read was the damaged one.
                        if mayRecheckDirectory(of: location.volumeID),
                           try readDirectory(of: location, why: "reading its directory again for block \(hash), which its index file lists") {
                            pending += try catalog.locations(of: hash).filter { $0.fromDirectory && $0.volumeID == location.volumeID }
                            tried.remove(location.volumeID)
                        } else {
                            problems.append("\(location.volumeName) does not hold it (its directory says so)")
                        }
                    } else if !location.fromDirectory {
                        // The dindex lied about this dblock: believe the dblock itself from now on.
                        try readDirectory(of: location, why: "its index file entry is wrong; reading its own directory")
                        pending += try catalog.locations(of: hash).filter { !tried.contains($0.volumeID) }
                    } else if rereadDirectories.insert(location.volumeID).inserted,
                              // Its directory listed the block when it was read, this copy of it
                              // does not: one of the two was damaged on the way. Read it again.
                              try readDirectory(of: location, why: "its directory no longer lists block \(hash); reading it again") {
                        tried.remove(location.volumeID)
                        pending += try catalog.locations(of: hash).filter { !tried.contains($0.volumeID) }
                    } else {
                        problems.append("\(location.volumeName) does not hold it")
                    }
                    continue
                }
                // A record that fails to decode (CRC, local header) is retried like a wrong hash;
                // storage errors are not (they were retried beneath, within the time limit).
                var data: [UInt8]?
                do { data = try archive.read(entry, limit: format.blocksize) } catch is ZipError { data = nil }
                if data.map({ Indexer.base64(format.blockHash.digest($0)) }) != hash {
                    // Maybe a bad download, a damaged cached copy, or a directory damaged on the
                    // way when it was read (its record's offset, size or CRC): drop both and
                    // fetch once more.
                    logger.warning("block \(hash) from \(location.volumeName) fails its checks; fetching it again")
                    store.discardCachedData(of: location.volumeName)
                    volumes.forget(location.volumeName)
                    let again = try volumes.archive(location.volumeName)
                    guard let entry = again.entry(named: entryName) else {
                        problems.append("\(location.volumeName) does not hold it")
                        continue
                    }
                    data = try again.read(entry, limit: format.blocksize)
                }
                guard let data else { continue }
                guard Indexer.base64(format.blockHash.digest(data)) == hash else {
                    problems.append("\(location.volumeName) holds a copy that fails its hash")
                    logger.error("block \(hash) in \(location.volumeName) fails its hash check")
                    store.discardCachedData(of: location.volumeName)
                    volumes.forget(location.volumeName)
                    continue
                }
                if location.doubted {
                    // Read and hash-checked from this volume: the doubt was wrong.
                    try? catalog.addBlocks([(hash, Int64(data.count))], volumeID: location.volumeID, fromDirectory: true)
                }
                return data
            } catch let error as BackupError {
                if case .wrongPassphrase = error { throw error }
                problems.append("\(error)")
                logger.error("\(error)")
            } catch let error as ZipError {
                problems.append("\(location.volumeName): \(error)")
                logger.error("\(location.volumeName): \(error)")
            } catch {
                problems.append("\(location.volumeName): \(error)")
                logger.error("\(location.volumeName): \(error)")
            }
        }
        return nil
    }

    /// Reads a location's dblock directory into the index again (verified, replacing what the
    /// index claimed about that dblock), saying why in the log.
    /// - Returns: false when the dblock is no longer in the index.
    @discardableResult
    private func readDirectory(of location: BlockLocation, why: String) throws -> Bool {
        guard let record = try catalog.volumes().first(where: { $0.id == location.volumeID }) else { return false }
        logger.warning("\(location.volumeName): \(why)")
        try Indexer.readDirectory(record, catalog: catalog, volumes: volumes)
        return true
    }

    /// A block read straight from its record where the index placed it, without the volume's
    /// zip directory: the volume's keys (kept while open), then one ranged read of the local
    /// header and data, checked (local header name, CRC, block hash).
    /// - Returns: the block, or nil when no placement is known or it proved wrong (then the
    ///   volume's placements are forgotten and the caller reads the directory instead).
    /// - Throws: storage and passphrase errors (the directory could not be read either).
    func placedBlock(_ hash: String, location: BlockLocation) throws -> [UInt8]? {
        guard let placement = try? catalog.placement(of: hash, volumeID: location.volumeID),
              let read = placement.recordRead(blocksize: format.blocksize)
        else { return nil }
        let source = try volumes.plaintext(location.volumeName)
        let bytes = try source.read(at: read.lowerBound, count: Int(read.count))
        do {
            let data = try placement.entry.decodeStandalone(bytes, at: read.lowerBound, limit: format.blocksize)
            if Indexer.base64(format.blockHash.digest(data)) == hash { return data }
            logger.warning("block \(hash) read where the index placed it in \(location.volumeName) fails its hash; reading the volume's directory")
        } catch {
            logger.warning("the index's record of block \(hash) in \(location.volumeName) is wrong (\(error)); reading the volume's directory")
        }
        forgetPlacements(volumeID: location.volumeID)
        return nil
    }

    /// Stores where an opened dblock's records lie (in the background, once per process).
    func rememberPlacements(of archive: ZipArchive, volumeID: Int64) {
        let cache = self.cache
        volumes.rememberPlacements(of: archive, volumeID: volumeID) { try cache.indexPath() }
    }

    /// Forgets a dblock's stored placements after one proved wrong.
    func forgetPlacements(volumeID: Int64) {
        let cache = self.cache
        volumes.forgetPlacements(volumeID) { try cache.indexPath() }
    }

    /// Waits until the placements being stored in the background are in the index.
    package func waitForPlacementWrites() {
        volumes.waitForPlacementWrites()
    }

    /// The content of a blocklist block: the verified dindex copy when the index has one.
    func blocklist(_ hash: String) throws -> [UInt8] {
        if let copy = try catalog.blocklist(hash: hash) { return copy }
        return try block(hash)
    }
}

extension BlockPlacement {
    /// The zip entry this placement describes (its name derived from the block hash).
    var entry: ZipEntry {
        ZipEntry(
            name: BlockHashName.entryName(base64: hash), method: method, flags: flags, crc32: crc32,
            compressedSize: compressedSize, uncompressedSize: uncompressedSize, localHeaderOffset: offset)
    }

    /// Extra bytes read past the name for the local header's extra field, when the record's
    /// stored end is further than its data: the same as a read through the zip directory, so
    /// bytes cached by such a read serve this one too.
    static let extraAllowance: Int64 = 256

    /// The plaintext range to read for this record: its local header and data (up to the next
    /// record, or a little past the data when that is far). Nil for sizes no block of this
    /// backup can have (a damaged index), so nothing huge is allocated.
    /// - Parameter blocksize: the backup's block size.
    func recordRead(blocksize: Int) -> Range<Int64>? {
        let headerAndName = Int64(30 + BlockHashName.entryName(base64: hash).utf8.count)
        let ceiling = Int64(blocksize) + Int64(blocksize) / 8 + 65_536
        guard offset >= 0, end > offset, compressedSize >= 0, compressedSize <= ceiling,
              uncompressedSize >= 0, uncompressedSize <= Int64(blocksize)
        else { return nil }
        let guess = headerAndName + Self.extraAllowance + compressedSize
        let (length, overflow) = end.subtractingReportingOverflow(offset)
        guard !overflow else { return nil }
        return offset..<offset + min(length, guess)
    }
}
