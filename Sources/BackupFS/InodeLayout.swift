/// How inode numbers are made, so that they stay the same across remounts of the same backup:
/// they depend only on the version's backup time and the entry's position in its file list,
/// never on the order things were indexed or looked up.
///
/// `1` is the root and `2` the `latest` symlink. Below that, an inode is
/// `versionKey << 33 | (entryID + 1)`, where `versionKey` is the version's time in seconds
/// since 2000-01-01 (at least 1, at most 2^31 - 1) and entry 0 is the version's own folder.
/// Entry ids stay below 2^32 - 1 (4 billion entries in one version), so bit 32 is free.
///
/// `history/` (`mount --history`): `3` is `history/` itself. Every other folder `history/P` is
/// named after the newest version holding P: `versionKey << 33 | 1 << 32 | (entryID + 1)` with
/// that version's key and P's entry id there (bit 32 tells it from the entry's own inode). The
/// entries inside `history/P/` for the versions where a file or symlink P changed are that
/// version's entry itself, with its own inode: they share every attribute and the read path.
/// So history inodes need no table and stay the same across remounts while the newest version
/// holding P does.
package enum InodeLayout {
    /// The mount's root folder.
    package static let root: UInt64 = 1
    /// The `latest` symlink.
    package static let latest: UInt64 = 2

    /// The `history/` folder of `mount --history`.
    package static let historyRoot: UInt64 = 3

    /// The bit that marks a `history/` folder named after an entry.
    static let historyBit: UInt64 = 1 << 32

    static let epoch: Int64 = 946_684_800

    /// The key of a version with this backup time.
    package static func versionKey(time: Int64) -> UInt64 {
        UInt64(min(max(time - epoch, 1), Int64(Int32.max)))
    }

    /// The inode of an entry of a version.
    package static func inode(versionKey: UInt64, entryID: Int64) -> UInt64 {
        versionKey << 33 | UInt64(entryID + 1)
    }

    /// The version key and entry id of an inode, or nil for the root, `latest` and nonsense.
    package static func split(_ inode: UInt64) -> (versionKey: UInt64, entryID: Int64)? {
        let key = inode >> 33
        let entry = inode & ((1 << 33) - 1)
        guard key > 0, entry > 0, entry < historyBit else { return nil }
        return (key, Int64(entry) - 1)
    }

    /// The inode of the `history/` folder of a path, named by the newest version holding it.
    /// - Parameters:
    ///   - versionKey: that version's key.
    ///   - entryID: the path's entry id in that version (below 2^32 - 1).
    package static func historyFolder(versionKey: UInt64, entryID: Int64) -> UInt64 {
        versionKey << 33 | historyBit | UInt64(entryID + 1)
    }

    /// The version key and entry id a `history/` folder's inode names, or nil for any other inode
    /// (`history/` itself included).
    package static func splitHistory(_ inode: UInt64) -> (versionKey: UInt64, entryID: Int64)? {
        let key = inode >> 33
        let entry = inode & (historyBit - 1)
        guard key > 0, inode & historyBit != 0, entry > 0 else { return nil }
        return (key, Int64(entry) - 1)
    }
}
