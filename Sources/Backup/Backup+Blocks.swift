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
        if try scanUnreadDirectories() {
            if let data = try blockFromKnownLocations(hash, problems: &problems) { return data }
        }
        let reason = problems.isEmpty ? "no volume holds it" : problems.joined(separator: "; ")
        throw BackupError.blockUnavailable(hash: hash, reason: reason)
    }

    private func blockFromKnownLocations(_ hash: String, problems: inout [String]) throws -> [UInt8]? {
        let entryName = BlockHashName.entryName(base64: hash)
        var tried = Set<Int64>()
        var pending = try catalog.locations(of: hash)
        while let location = pending.first {
            pending.removeFirst()
            guard tried.insert(location.volumeID).inserted else { continue }
            do {
                let archive = try volumes.archive(location.volumeName)
                guard let entry = archive.entry(named: entryName) else {
                    if !location.fromDirectory {
                        // The dindex lied about this dblock: believe the dblock itself from now on.
                        logger.warning("index file entry for \(location.volumeName) is wrong; reading its own directory")
                        if let record = try catalog.volumes().first(where: { $0.id == location.volumeID }) {
                            try Indexer.readDirectory(record, catalog: catalog, volumes: volumes)
                        }
                        pending += try catalog.locations(of: hash).filter { !tried.contains($0.volumeID) }
                    } else {
                        problems.append("\(location.volumeName) does not hold it")
                    }
                    continue
                }
                var data = try archive.read(entry, limit: format.blocksize)
                if Indexer.base64(format.blockHash.digest(data)) != hash {
                    // Maybe a bad download or a damaged cached copy: drop it and fetch once more.
                    logger.warning("block \(hash) from \(location.volumeName) fails its hash check; fetching it again")
                    store.discardCachedData(of: location.volumeName)
                    data = try archive.read(entry, limit: format.blocksize)
                }
                guard Indexer.base64(format.blockHash.digest(data)) == hash else {
                    problems.append("\(location.volumeName) holds a copy that fails its hash")
                    logger.error("block \(hash) in \(location.volumeName) fails its hash check")
                    store.discardCachedData(of: location.volumeName)
                    continue
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

    /// Reads, once per process, the zip directory of every dblock whose directory is not in the
    /// index yet (those described only by dindex files). - Returns: whether it did.
    private func scanUnreadDirectories() throws -> Bool {
        let first = scan.withLock { done in
            if done { return false }
            done = true
            return true
        }
        guard first else { return false }
        for volume in try catalog.volumesWithoutDirectory() where volume.state != .failed {
            do {
                try Indexer.readDirectory(volume, catalog: catalog, volumes: volumes)
            } catch let error as BackupError {
                if case .wrongPassphrase = error { throw error }
                logger.error("\(error)")
            } catch {
                logger.error("\(volume.name): \(error)")
            }
        }
        return true
    }

    /// The content of a blocklist block: the verified dindex copy when the index has one.
    func blocklist(_ hash: String) throws -> [UInt8] {
        if let copy = try catalog.blocklist(hash: hash) { return copy }
        return try block(hash)
    }
}
