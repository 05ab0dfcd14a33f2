/// A FUSE node id. The kernel names every file by the number the filesystem gave it in a
/// `lookup` (or `readdirplus`) reply; ``InodeNumber/root`` (`FUSE_ROOT_ID`) is the mount's root.
package typealias InodeNumber = UInt64

extension InodeNumber {
    /// The root directory's node id (`FUSE_ROOT_ID`, 1), fixed by the kernel protocol.
    package static let root: InodeNumber = 1
}
