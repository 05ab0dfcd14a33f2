import Catalog
import Digests
import DuplicatiFormat
import Foundation

extension Backup {
    /// The block hashes of a stored content (file data or metadata blob), in order.
    /// - Parameters:
    ///   - size: the content length.
    ///   - hash: the content's file hash.
    ///   - blocklists: its blocklist hashes (empty for 0 or 1 block).
    ///   - blockhash: the single block's hash when it differs from `hash`.
    ///   - path: for messages.
    /// - Throws: ``BackupError``.
    package func blockHashes(size: Int64, hash: String?, blocklists: [String], blockhash: String?, path: String) throws -> [String] {
        guard size > 0 else { return [] }
        // Sizes come from the file list: ⌈size / blocksize⌉ without `size + blocksize - 1`,
        // which traps near Int64.max.
        let count = Int64(BlockLayout.blockCount(size: size, blocksize: format.blocksize))
        if blocklists.isEmpty {
            guard count == 1 else {
                throw BackupError.inconsistent("\(path): \(size) bytes but no blocklist")
            }
            if let blockhash { return [blockhash] }
            guard format.blockHash == format.fileHash, let hash else {
                throw BackupError.inconsistent("\(path): single block without a block hash")
            }
            return [hash]
        }
        var hashes: [String] = []
        hashes.reserveCapacity(Int(min(count, 1 << 24)))
        let perList = format.hashesPerBlocklist
        for (index, list) in blocklists.enumerated() {
            let raw = try blocklist(list)
            let entries: [String]
            do {
                entries = try BlockHashName.hashes(inBlocklist: raw, hashSize: format.blockHash.digestSize)
            } catch {
                throw BackupError.inconsistent("\(path): blocklist \(list) is malformed")
            }
            if index < blocklists.count - 1 && entries.count != perList {
                throw BackupError.inconsistent("\(path): blocklist \(index) holds \(entries.count) hashes, expected \(perList)")
            }
            hashes += entries
            if Int64(hashes.count) > count { break }
        }
        guard Int64(hashes.count) == count else {
            throw BackupError.inconsistent("\(path): blocklists give \(hashes.count) blocks for \(size) bytes (expected \(count))")
        }
        return hashes
    }

    /// The block hashes of a file entry.
    package func blockHashes(of entry: EntryRecord) throws -> [String] {
        try blockHashes(size: entry.size, hash: entry.hash, blocklists: entry.blocklists, blockhash: entry.blockhash, path: entry.storedPath)
    }

    /// Block `index` of content made of `hashes`, checked for its expected length.
    func contentBlock(_ hashes: [String], index: Int, size: Int64, path: String) throws -> [UInt8] {
        let data = try block(hashes[index])
        let start = Int64(index) * Int64(format.blocksize)
        let expected = Int(min(Int64(format.blocksize), size - start))
        guard data.count == expected else {
            throw BackupError.inconsistent("\(path): block \(index) has \(data.count) bytes, expected \(expected)")
        }
        return data
    }

    /// Reads a whole stored content (used for metadata blobs), verifying the file hash.
    func wholeContent(size: Int64, hash: String, blocklists: [String], blockhash: String?, path: String, limit: Int) throws -> [UInt8] {
        guard size <= Int64(limit) else { throw BackupError.inconsistent("\(path): \(size) bytes is too large") }
        let hashes = try blockHashes(size: size, hash: hash, blocklists: blocklists, blockhash: blockhash, path: path)
        var out: [UInt8] = []
        out.reserveCapacity(Int(size))
        for i in hashes.indices {
            out += try contentBlock(hashes, index: i, size: size, path: path)
        }
        guard Indexer.base64(format.fileHash.digest(out)) == hash else {
            throw BackupError.fileHashMismatch(path: path)
        }
        return out
    }

    /// Reads part of a file: every block it touches is hash-checked first.
    /// - Parameters:
    ///   - entry: a file.
    ///   - offset: where to start.
    ///   - count: at most this many bytes.
    /// - Returns: the bytes (fewer at the end of the file).
    package func read(_ entry: EntryRecord, hashes: [String], offset: Int64, count: Int) throws -> [UInt8] {
        guard offset < entry.size, count > 0 else { return [] }
        let end = min(entry.size, offset + Int64(count))
        let blocksize = Int64(format.blocksize)
        var out: [UInt8] = []
        out.reserveCapacity(Int(end - offset))
        var index = Int(offset / blocksize)
        let lastIndex = Int((end - 1) / blocksize)
        if lastIndex > index {
            // Several blocks at once: fetch the missing ones together (neighbours in one request).
            prefetch(Array(hashes[index...lastIndex]))
        }
        while Int64(index) * blocksize < end {
            let data = try contentBlock(hashes, index: index, size: entry.size, path: entry.storedPath)
            let blockStart = Int64(index) * blocksize
            let from = Int(max(offset, blockStart) - blockStart)
            let to = Int(min(end, blockStart + Int64(data.count)) - blockStart)
            out += data[from..<to]
            index += 1
        }
        return out
    }
}
