import AESCrypt
import Catalog
import DuplicatiFormat
import Foundation
import Storage
import Zip

/// Choices for a verification.
package struct VerifyOptions: Sendable {
    /// Also reconstruct every file (and metadata blob) and check its hash.
    package var full = false
    /// Check only this version (Duplicati's number, 0 = newest); nil checks all.
    package var version: Int?
    /// Volumes up to this size are downloaded into memory; larger ones into a temporary file.
    package var memoryLimit = 256 << 20

    /// - Parameters:
    ///   - full: reconstruct files and check their hashes.
    ///   - version: the only version to check, or nil for all.
    package init(full: Bool = false, version: Int? = nil) {
        self.full = full
        self.version = version
    }
}

/// Checks a backup: downloads every volume of the folder once and checks it whole (AES Crypt
/// HMAC, zip directory, every entry's CRC, every block against its name, index files against
/// their dblocks, file lists), then works out, per version, which entries need a block that no
/// intact volume holds. With ``VerifyOptions/full`` it also reads every file back and checks
/// its file hash.
///
/// A block counts as available when some dblock holds an entry that inflates and hashes to the
/// block's name, even if that dblock is damaged elsewhere: that is exactly what a restore can use.
package final class Verifier {
    let backup: Backup
    let options: VerifyOptions
    let progress: (BackupProgress) -> Void
    var report = VerifyReport()

    /// Every block some dblock holds intact.
    var availableBlocks = Set<BlockKey>()
    /// Blocklists with an intact copy in a dindex `list/` entry (content kept in the catalog).
    var indexedBlocklists = Set<BlockKey>()
    /// Blocklists the checked versions use: their dblock copies are kept in the catalog.
    var wantedBlocklists = Set<String>()
    /// What each dindex claims about each dblock, keyed by the dblock name it resolves to.
    var claims: [String: [IndexClaim]] = [:]
    /// Blocks listed for dblocks that are not in the folder: block → the dblock's name.
    var blocksOfMissingVolumes: [BlockKey: String] = [:]
    /// Missing dblocks named by index files: dblock → the index files naming it.
    var missingVolumes: [String: [String]] = [:]
    /// Blocks checked entries need and no intact volume holds (bounded; see `unavailableLimit`).
    var unavailable = Set<BlockKey>()
    /// Problems (or nil) of contents already checked, by content; a version shares most of
    /// its files with the next.
    var contentMemo: [String: String?] = [:]
    /// The same for contents already read back (`full`).
    var readMemo: [String: String?] = [:]

    /// Most contents remembered in each memo before it is emptied.
    static let memoLimit = 500_000

    /// Most unavailable blocks remembered for attributing them to missing volumes.
    static let unavailableLimit = 4_000_000

    /// - Parameters:
    ///   - backup: the opened backup.
    ///   - options: full or quick, all versions or one.
    ///   - progress: called as volumes and files are checked.
    package init(backup: Backup, options: VerifyOptions, progress: @escaping (BackupProgress) -> Void = { _ in }) {
        self.backup = backup
        self.options = options
        self.progress = progress
    }

    /// Runs the checks.
    /// - Returns: what was found; damage is reported in it, not thrown.
    /// - Throws: ``BackupError/noSuchVersion(_:available:)`` for a bad `version`; storage
    ///   failures that make checking impossible (network, access denied); local index errors.
    package func run() throws -> VerifyReport {
        report = VerifyReport()
        report.full = options.full
        let selected: [(Int, VersionRecord)]
        if let number = options.version {
            selected = [(number, try backup.version(number))]
        } else {
            selected = Array(try backup.versions().enumerated())
        }
        try collectWantedBlocklists(selected.map(\.1))
        try checkVolumes()
        for (number, version) in selected {
            try checkVersion(number: number, version)
        }
        attributeMissingVolumes()
        report.unavailableBlocks = unavailable.count
        progress(BackupProgress(phase: "Done", done: 1, total: 1))
        return report
    }

    /// Reports each missing dblock that held blocks some checked entry needs as damage, and
    /// the others (stale names in index files) as warnings.
    private func attributeMissingVolumes() {
        var needed: [String: Int] = [:]
        for key in unavailable {
            if let volume = blocksOfMissingVolumes[key] { needed[volume, default: 0] += 1 }
        }
        // An unreadable volume is in the folder and already listed with its reason.
        let unreadable = Set(backup.unreadableVolumes.map(\.name))
        for (volume, indexes) in missingVolumes.sorted(by: { $0.key < $1.key }) where !unreadable.contains(volume) {
            let namedBy = indexes.sorted().joined(separator: ", ")
            if let count = needed[volume] {
                report.damagedVolumes.append(.init(
                    name: volume, kind: "dblock",
                    reason: "missing from the folder (named by index file \(namedBy)); it held \(count) blocks that checked files need"))
            } else {
                report.warnings.append(.init(
                    volume: volume,
                    message: "named by index file \(namedBy) but not in the folder; no checked file needs its blocks (stale index file)"))
            }
        }
    }
}

/// A block hash reduced to its first 128 bits, to keep sets of millions of blocks small. Two
/// different blocks sharing a 128-bit hash prefix is far beyond any realistic chance.
struct BlockKey: Hashable {
    let high: UInt64
    let low: UInt64

    /// - Parameter raw: the digest bytes (shorter digests are zero-padded).
    init(raw: some Collection<UInt8>) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, byte) in raw.prefix(16).enumerated() {
            if i < 8 { high |= UInt64(byte) << UInt64(56 - 8 * i) } else { low |= UInt64(byte) << UInt64(56 - 8 * (i - 8)) }
        }
        self.high = high
        self.low = low
    }

    /// - Parameter base64: a hash as the dlist and dindex write it; nil when it is not base64.
    init?(base64: String) {
        guard let raw = BlockHashName.raw(base64: base64), !raw.isEmpty else { return nil }
        self.init(raw: raw)
    }
}

/// What one dindex says about one dblock: enough to compare without keeping the block list.
struct IndexClaim {
    /// The dindex.
    let index: String
    /// How many distinct blocks it lists.
    let count: Int
    /// A digest of the sorted distinct `hash size` pairs.
    let digest: [UInt8]
    /// The recorded hash of the dblock as uploaded, base64.
    let volumeHash: String?
    /// The recorded size of the dblock as uploaded.
    let volumeSize: Int64?
}
