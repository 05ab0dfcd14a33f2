/// What `statfs(2)`/`df` reports (`struct statvfs` for `fuse_reply_statfs`).
package struct FilesystemStatistics: Sendable, Hashable {
    /// Block size in bytes (`f_bsize` and `f_frsize`).
    package var blockSize: UInt64
    /// Total blocks.
    package var blocks: UInt64
    /// Free blocks (also reported as available to unprivileged users).
    package var blocksFree: UInt64
    /// Total inodes.
    package var files: UInt64
    /// Free inodes.
    package var filesFree: UInt64
    /// Longest name in bytes.
    package var nameMax: UInt64

    /// Creates statistics; the defaults describe a full read-only filesystem with 255-byte names.
    /// - Parameters:
    ///   - blockSize: Block size in bytes.
    ///   - blocks: Total blocks.
    ///   - blocksFree: Free blocks.
    ///   - files: Total inodes.
    ///   - filesFree: Free inodes.
    ///   - nameMax: Longest name in bytes.
    package init(
        blockSize: UInt64 = 4096, blocks: UInt64 = 0, blocksFree: UInt64 = 0,
        files: UInt64 = 0, filesFree: UInt64 = 0, nameMax: UInt64 = 255
    ) {
        self.blockSize = blockSize
        self.blocks = blocks
        self.blocksFree = blocksFree
        self.files = files
        self.filesFree = filesFree
        self.nameMax = nameMax
    }
}
