/// What `stat(2)` reports for one node; FuseKit turns it into a `struct stat` for `fuse_reply_attr`,
/// `fuse_reply_entry` and `fuse_add_direntry_plus`.
package struct FileAttributes: Sendable, Hashable {
    /// The node id; also reported as `st_ino`.
    package var inode: InodeNumber
    /// File type and permission bits, e.g. `S_IFREG | 0o444`, `S_IFDIR | 0o555`, `S_IFLNK | 0o777`.
    package var mode: UInt32
    /// Hard link count (directories: 2 + number of subdirectories, or 1 if unknown).
    package var nlink: UInt32
    /// Owner user id.
    package var uid: UInt32
    /// Owner group id.
    package var gid: UInt32
    /// Size in bytes (for a symlink: the length of its target).
    package var size: UInt64
    /// Allocated 512-byte blocks (`st_blocks`).
    package var blocks: UInt64
    /// Last modification time.
    package var mtime: FileTimestamp
    /// Last status change time.
    package var ctime: FileTimestamp
    /// Last access time.
    package var atime: FileTimestamp
    /// Preferred I/O size (`st_blksize`).
    package var blksize: UInt32

    /// Creates attributes; `blocks` defaults to `size` rounded up to 512-byte blocks.
    /// - Parameters:
    ///   - inode: The node id.
    ///   - mode: Type and permission bits (`S_IFDIR`/`S_IFREG`/`S_IFLNK` | permissions).
    ///   - nlink: Hard link count.
    ///   - uid: Owner user id.
    ///   - gid: Owner group id.
    ///   - size: Size in bytes.
    ///   - blocks: 512-byte blocks; `nil` derives it from `size`.
    ///   - mtime: Modification time.
    ///   - ctime: Status change time; `nil` uses `mtime`.
    ///   - atime: Access time; `nil` uses `mtime`.
    ///   - blksize: Preferred I/O size.
    package init(
        inode: InodeNumber, mode: UInt32, nlink: UInt32 = 1, uid: UInt32 = 0, gid: UInt32 = 0,
        size: UInt64 = 0, blocks: UInt64? = nil, mtime: FileTimestamp = .epoch,
        ctime: FileTimestamp? = nil, atime: FileTimestamp? = nil, blksize: UInt32 = 128 * 1024
    ) {
        self.inode = inode
        self.mode = mode
        self.nlink = nlink
        self.uid = uid
        self.gid = gid
        self.size = size
        self.blocks = blocks ?? (size / 512 + (size % 512 == 0 ? 0 : 1))
        self.mtime = mtime
        self.ctime = ctime ?? mtime
        self.atime = atime ?? mtime
        self.blksize = blksize
    }
}
