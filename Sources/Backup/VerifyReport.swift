import Catalog

/// What `verify` found: which remote volumes are damaged, what looked wrong but harms no file,
/// and, per checked version, which entries cannot be read back intact.
package struct VerifyReport: Sendable {
    /// A volume that is missing, unreadable or holds bytes that fail a check.
    package struct DamagedVolume: Sendable, Hashable {
        /// The remote file name.
        package let name: String
        /// `dblock`, `dindex` or `dlist`.
        package let kind: String
        /// What is wrong, for humans.
        package let reason: String
    }

    /// Something wrong that no file suffers from (a stale or lying index file, an orphan).
    package struct Warning: Sendable, Hashable {
        /// The remote file name the warning is about.
        package let volume: String
        /// What is wrong, for humans.
        package let message: String
    }

    /// An entry of a version that cannot be restored intact.
    package struct AffectedEntry: Sendable, Hashable {
        /// The path as the mount shows it: `/data/x`, `/C/Users/ann/x`, `/UNC/server/share/x`.
        package let path: String
        /// File, folder or symlink.
        package let kind: EntryKindCode
        /// Why, for humans: missing blocks, an unavailable blocklist, a hash mismatch, ...
        package let reason: String
    }

    /// The result of one version.
    package struct VersionResult: Sendable {
        /// Duplicati's version number (0 = newest).
        package let number: Int
        /// Backup time, Unix seconds (UTC).
        package let time: Int64
        /// The version's dlist.
        package let dlist: String
        /// Entries checked (files, folders and symlinks).
        package var entries = 0
        /// Files checked.
        package var files = 0
        /// Bytes of file content whose blocks were checked (or, with `--full`, read).
        package var bytes: Int64 = 0
        /// Affected entries, in walk order, at most ``VerifyReport/affectedLimit``.
        package var affected: [AffectedEntry] = []
        /// How many entries are affected (may exceed `affected.count`).
        package var affectedCount = 0
        /// How many entries of the file list are not in the version's tree (unreadable,
        /// unusable path, too deep, duplicate).
        package var skippedCount = 0
        /// The first few of them.
        package var skipped: [SkippedEntry] = []
        /// Why the file list could not be read to the end, when it could not.
        package var damage: String?

        /// Whether anything of this version cannot be restored.
        package var isIntact: Bool { affectedCount == 0 && skippedCount == 0 && damage == nil }

        /// - Parameters:
        ///   - number: the version number.
        ///   - time: backup time, Unix seconds.
        ///   - dlist: the dlist name.
        package init(number: Int, time: Int64, dlist: String) {
            self.number = number
            self.time = time
            self.dlist = dlist
        }
    }

    /// Most affected entries kept per version (the count goes on).
    package static let affectedLimit = 100_000

    /// Whether files were reconstructed and their hashes checked (`--full`).
    package var full = false
    /// Volumes downloaded and checked, by kind (`dblock`, `dindex`, `dlist`).
    package var volumesChecked: [String: Int] = [:]
    /// Bytes downloaded to check the volumes.
    package var volumeBytes: Int64 = 0
    /// Damaged or missing volumes, in the order found.
    package var damagedVolumes: [DamagedVolume] = []
    /// Problems that make no file unreadable.
    package var warnings: [Warning] = []
    /// Distinct blocks that checked entries need and no intact volume holds.
    package var unavailableBlocks = 0
    /// The versions checked, newest first.
    package var versions: [VersionResult] = []

    /// An empty report.
    package init() {}

    /// Volumes checked, all kinds together.
    package var totalVolumesChecked: Int { volumesChecked.values.reduce(0, +) }

    /// True when nothing is damaged, no entry is affected and every file list was usable
    /// whole (warnings allowed).
    package var isClean: Bool {
        damagedVolumes.isEmpty && unavailableBlocks == 0 && versions.allSatisfy(\.isIntact)
    }
}
