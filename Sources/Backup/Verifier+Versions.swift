import Catalog
import DuplicatiFormat
import Foundation

extension Verifier {
    /// How many entries a version's report names of those its file list holds but its tree left out.
    static let skippedExamples = 50

    /// Notes every blocklist the versions use, so that the dblock scan keeps their content.
    func collectWantedBlocklists(_ versions: [VersionRecord]) throws {
        for version in versions {
            let root = try backup.entry(version: version, components: [])
            try backup.walk(root, path: []) { entry, _ in
                wantedBlocklists.formUnion(entry.blocklists)
                wantedBlocklists.formUnion(entry.metablocklists)
                return true
            }
        }
    }

    /// Checks that every entry of a version can be read back: its blocks (and its metadata's)
    /// are available, and with `full`, that the content rebuilt from them has the file hash.
    func checkVersion(number: Int, _ version: VersionRecord) throws {
        var result = VerifyReport.VersionResult(number: number, time: version.time, dlist: version.volumeName)
        result.damage = version.damage
        if version.skippedCount > 0 {
            let skipped = try backup.catalog.skippedEntries(version: version.id, examples: Self.skippedExamples)
            result.skippedCount = skipped.count
            result.skipped = skipped.examples
        }
        let root = try backup.entry(version: version, components: [])
        let total = Int(clamping: version.fileCount)
        let phase = options.full ? "Reading version \(number)" : "Checking version \(number)"
        let totalBytes = max(0, version.totalSize)
        progress(BackupProgress(phase: phase, done: 0, total: total, bytesDone: 0, bytesTotal: totalBytes))
        try backup.walk(root, path: []) { entry, path in
            result.entries += 1
            var reasons: [String] = []
            if entry.kind == .file {
                result.files += 1
                // Sizes come from the file list: add without trapping on hostile values.
                let (sum, overflow) = result.bytes.addingReportingOverflow(max(0, entry.size))
                result.bytes = overflow ? Int64.max : sum
                if let problem = try contentProblem(
                    size: entry.size, hash: entry.hash, blocklists: entry.blocklists, blockhash: entry.blockhash) {
                    reasons.append(problem)
                } else if options.full, let problem = try readBackProblem(entry) {
                    reasons.append(problem)
                }
                if options.full || result.files % 256 == 0 {
                    progress(BackupProgress(
                        phase: phase, done: result.files, total: total, bytesDone: min(result.bytes, totalBytes),
                        bytesTotal: totalBytes))
                }
            }
            if let metahash = entry.metahash {
                let size = entry.metasize ?? 0
                if let problem = try contentProblem(
                    size: size, hash: metahash, blocklists: entry.metablocklists, blockhash: entry.metablockhash) {
                    reasons.append("metadata: \(problem)")
                } else if options.full, let problem = try readBackMetadataProblem(entry, hash: metahash) {
                    reasons.append("metadata: \(problem)")
                }
            }
            if !reasons.isEmpty {
                result.affectedCount += 1
                if result.affected.count < VerifyReport.affectedLimit {
                    result.affected.append(.init(
                        path: "/" + path.joined(separator: "/"), kind: entry.kind, reason: reasons.joined(separator: "; ")))
                }
            }
            return true
        }
        report.versions.append(result)
    }

    /// Why a stored content (file data or metadata blob) cannot be rebuilt from the available
    /// blocks, or nil when every block it needs is available. Remembered per content.
    private func contentProblem(size: Int64, hash: String?, blocklists: [String], blockhash: String?) throws -> String? {
        guard size > 0 else { return nil }
        let key = Self.contentKey(size: size, hash: hash, blocklists: blocklists, blockhash: blockhash)
        if let known = contentMemo[key] { return known }
        let problem = try findContentProblem(size: size, hash: hash, blocklists: blocklists, blockhash: blockhash)
        if contentMemo.count >= Self.memoLimit { contentMemo.removeAll(keepingCapacity: true) }
        contentMemo.updateValue(problem, forKey: key)
        return problem
    }

    private func findContentProblem(size: Int64, hash: String?, blocklists: [String], blockhash: String?) throws -> String? {
        let format = backup.format
        let blocksize = Int64(format.blocksize)
        let count = size / blocksize + (size % blocksize == 0 ? 0 : 1)
        if blocklists.isEmpty {
            guard count == 1 else { return "\(size) bytes but no blocklist (damaged file list)" }
            let single: String
            if let blockhash {
                single = blockhash
            } else if format.blockHash == format.fileHash, let hash {
                single = hash
            } else {
                return "a single block without a block hash (damaged file list)"
            }
            return isAvailable(single) ? nil : "its block is unavailable"
        }
        let perList = format.hashesPerBlocklist
        var listed: Int64 = 0
        var missing = 0
        var missingLists = 0
        for (index, list) in blocklists.enumerated() {
            guard let listKey = BlockKey(base64: list) else {
                return "blocklist hash \(list) is not base64 (damaged file list)"
            }
            let expected = min(Int64(perList), max(0, count - Int64(index) * Int64(perList)))
            guard availableBlocks.contains(listKey) || indexedBlocklists.contains(listKey),
                  let content = try backup.catalog.blocklist(hash: list)
            else {
                missingLists += 1
                remember(listKey)
                listed += expected
                continue
            }
            let hashes: [String]
            do {
                hashes = try BlockHashName.hashes(inBlocklist: content, hashSize: format.blockHash.digestSize)
            } catch {
                return "blocklist \(index) is malformed"
            }
            if index < blocklists.count - 1 && hashes.count != perList {
                return "blocklist \(index) holds \(hashes.count) hashes, expected \(perList) (damaged file list)"
            }
            for block in hashes where !isAvailable(block) { missing += 1 }
            listed += Int64(hashes.count)
        }
        if missingLists > 0 {
            let more = missing > 0 ? ", and \(missing) blocks of the others" : ""
            return "\(missingLists) of \(blocklists.count) blocklists unavailable\(more)"
        }
        guard listed == count else {
            return "its blocklists give \(listed) blocks for \(size) bytes, expected \(count) (damaged file list)"
        }
        return missing > 0 ? "\(missing) of \(count) blocks unavailable" : nil
    }

    /// Whether some intact dblock holds the block; remembers it when none does.
    private func isAvailable(_ hash: String) -> Bool {
        guard let key = BlockKey(base64: hash) else { return false }
        if availableBlocks.contains(key) { return true }
        remember(key)
        return false
    }

    private func remember(_ key: BlockKey) {
        if unavailable.count < Self.unavailableLimit { unavailable.insert(key) }
    }

    /// Rebuilds a file from its blocks (each checked against its hash on the way) and compares
    /// the file hash. Streams: one block (plus the bounded block cache) in memory at a time.
    private func readBackProblem(_ entry: EntryRecord) throws -> String? {
        guard entry.size > 0 else { return nil }
        let key = Self.contentKey(size: entry.size, hash: entry.hash, blocklists: entry.blocklists, blockhash: entry.blockhash)
        return try memoizedProblem(key) {
            let hashes = try backup.blockHashes(of: entry)
            let digest = backup.format.fileHash.makeDigest()
            let batch = max(1, backup.blockCache.capacityBytes / 2 / backup.format.blocksize)
            var read: Int64 = 0
            for index in hashes.indices {
                if index % batch == 0, hashes.count > 1 {
                    backup.prefetch(Array(hashes[index..<min(hashes.count, index + batch)]))
                }
                let data = try backup.contentBlock(hashes, index: index, size: entry.size, path: entry.storedPath)
                digest.update(data)
                read += Int64(data.count)
            }
            if read != entry.size { return "rebuilt \(read) bytes, expected \(entry.size)" }
            if BlockHashName.base64(raw: digest.finalize()) != entry.hash { return "the rebuilt content does not match the file hash" }
            return nil
        }
    }

    /// Reads a metadata blob back and checks its hash.
    private func readBackMetadataProblem(_ entry: EntryRecord, hash: String) throws -> String? {
        try memoizedProblem("meta|" + hash) {
            _ = try backup.wholeContent(
                size: entry.metasize ?? 0, hash: hash, blocklists: entry.metablocklists, blockhash: entry.metablockhash,
                path: entry.storedPath, limit: Backup.metadataLimit)
            return nil
        }
    }

    /// The problem `check` finds (nil: none), or the reason it could not read; remembered per
    /// key (bounded), so content shared by many entries and versions is read once.
    /// - Throws: ``BackupError/wrongPassphrase``.
    private func memoizedProblem(_ key: String, _ check: () throws -> String?) throws -> String? {
        if let known = readMemo[key] { return known }
        var problem: String?
        do {
            problem = try check()
        } catch let error as BackupError {
            if case .wrongPassphrase = error { throw error }
            problem = Self.shortReason(error)
        }
        if readMemo.count >= Self.memoLimit { readMemo.removeAll(keepingCapacity: true) }
        readMemo.updateValue(problem, forKey: key)
        return problem
    }

    /// A reason without the stored path the report already shows.
    private static func shortReason(_ error: BackupError) -> String {
        switch error {
        case .fileHashMismatch: "the rebuilt content does not match the file hash"
        case .inconsistent(let why): why
        default: error.description
        }
    }

    /// Identifies a stored content by everything that determines how it is rebuilt.
    static func contentKey(size: Int64, hash: String?, blocklists: [String], blockhash: String?) -> String {
        "\(size)|\(hash ?? "")|\(blockhash ?? "")|\(blocklists.joined(separator: ","))"
    }
}
