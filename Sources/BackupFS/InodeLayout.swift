/// How inode numbers are made, so that they stay the same across remounts of the same backup:
/// they depend only on the version's backup time and the entry's position in its file list,
/// never on the order things were indexed or looked up.
///
/// `1` is the root and `2` the `latest` symlink. Below that, an inode is
/// `versionKey << 33 | (entryID + 1)`, where `versionKey` is the version's time in seconds
/// since 2000-01-01 (at least 1, at most 2^31 - 1) and entry 0 is the version's own folder.
package enum InodeLayout {
    /// The mount's root folder.
    package static let root: UInt64 = 1
    /// The `latest` symlink.
    package static let latest: UInt64 = 2

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
        guard key > 0, entry > 0 else { return nil }
        return (key, Int64(entry) - 1)
    }
}
