#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A read-only filesystem served by ``FuseSession``, in the shape of libfuse's low-level API.
///
/// Methods are called on libfuse worker threads (pthreads, not Swift's cooperative pool), many
/// at once, so implementations must be thread-safe and may block for a bounded time (a
/// download, a database query). FuseKit answers every write-type request with `EROFS` itself,
/// and `flush`/`fsync` with success; the filesystem never sees them.
///
/// ## Lookup counts
/// The kernel keeps a reference count per node id: each successful ``lookup(parent:name:)``
/// adds one, and so does each entry FuseKit sends in a `readdirplus` reply (except `.` and
/// `..`), which FuseKit reports through ``lookupCounted(inode:)``. ``forget(inode:count:)``
/// later subtracts. A filesystem whose node ids are stable for the life of the mount (such as
/// a backup snapshot) may keep every node forever and ignore both.
package protocol LowLevelFilesystem: Sendable {
    /// Finds `name` in directory `parent` (`lookup`). Adds one kernel reference to the result.
    /// - Parameters:
    ///   - parent: The directory searched.
    ///   - name: The name's exact bytes.
    /// - Returns: The found node and how long the kernel may cache it.
    /// - Throws: `ENOENT` if absent, `ENOTDIR` if `parent` is no directory.
    func lookup(parent: InodeNumber, name: [UInt8]) throws(Errno) -> EntryReply

    /// Drops `count` kernel references to `inode` (`forget`/`batch_forget`); never answered.
    /// - Parameters:
    ///   - inode: The node.
    ///   - count: How many references go away.
    func forget(inode: InodeNumber, count: UInt64)

    /// Reports that FuseKit sent `inode` to the kernel in a `readdirplus` reply, which takes one
    /// kernel reference just like a successful ``lookup(parent:name:)``. Default: nothing.
    /// - Parameter inode: The node the kernel now holds one more reference to.
    func lookupCounted(inode: InodeNumber)

    /// Seconds the kernel may cache the names and attributes sent in a `readdirplus` reply
    /// (which carries no per-entry timeouts). Default: 1.
    var readdirplusTimeout: Double { get }

    /// Returns a node's attributes (`getattr`).
    /// - Parameter inode: The node.
    /// - Returns: Its attributes and how many seconds the kernel may cache them.
    func getattr(inode: InodeNumber) throws(Errno) -> (FileAttributes, timeout: Double)

    /// Returns a symlink's target bytes (`readlink`).
    /// - Parameter inode: The symlink.
    /// - Throws: `EINVAL` if it is no symlink.
    func readlink(inode: InodeNumber) throws(Errno) -> [UInt8]

    /// Opens a file for reading (`open`). FuseKit already refused write access with `EROFS`.
    /// - Parameters:
    ///   - inode: The file.
    ///   - flags: The `open(2)` flags (`O_RDONLY` plus e.g. `O_NONBLOCK`).
    /// - Returns: A handle and caching choices.
    func open(inode: InodeNumber, flags: Int32) throws(Errno) -> OpenReply

    /// Reads up to `size` bytes at `offset` (`read`).
    /// - Parameters:
    ///   - inode: The file.
    ///   - handle: The handle from ``open(inode:flags:)``.
    ///   - offset: Byte offset, `>= 0`.
    ///   - size: Most bytes wanted.
    /// - Returns: Exactly the bytes at `offset`; fewer than `size` only at end of file
    ///   (a short read is EOF to the kernel). Extra bytes are cut off.
    func read(inode: InodeNumber, handle: UInt64, offset: Int64, size: Int) throws(Errno) -> [UInt8]

    /// Closes an open file (`release`); the reply carries no error.
    /// - Parameters:
    ///   - inode: The file.
    ///   - handle: The handle from ``open(inode:flags:)``.
    func release(inode: InodeNumber, handle: UInt64)

    /// Opens a directory for listing (`opendir`).
    /// - Parameter inode: The directory.
    /// - Returns: A handle passed back to ``readdir(inode:handle:offset:plus:)``.
    /// - Throws: `ENOTDIR` if it is no directory.
    func opendir(inode: InodeNumber) throws(Errno) -> UInt64

    /// Lists a directory from a position (`readdir`/`readdirplus`).
    ///
    /// Entries after `offset` (an opaque cookie the filesystem defines; 0 = start); return each
    /// entry with the cookie of the NEXT one. FuseKit keeps as many as fit in the kernel's
    /// buffer and the kernel resumes from the last kept entry's `nextOffset`, so a cookie must
    /// stay valid for the life of the handle. Include `.` and `..` if they should appear
    /// (the kernel does not add them). Returning all remaining entries is fine.
    /// - Parameters:
    ///   - inode: The directory.
    ///   - handle: The handle from ``opendir(inode:)``.
    ///   - offset: 0, or a `nextOffset` returned earlier.
    ///   - plus: Whether this is `readdirplus` (attributes must then be complete).
    /// - Returns: Entries in order with the cookie of the entry after each; empty at the end.
    func readdir(inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool) throws(Errno)
        -> [(entry: DirectoryEntry, nextOffset: Int64)]

    /// Lists a directory from a position (`readdir`/`readdirplus`), knowing how many entries
    /// the kernel's buffer can take at most: the entries after the first `limit` are dropped
    /// anyway, so a filesystem that does work per entry can stop there. FuseKit calls this one;
    /// the default calls ``readdir(inode:handle:offset:plus:)``.
    /// - Parameters:
    ///   - inode: The directory.
    ///   - handle: The handle from ``opendir(inode:)``.
    ///   - offset: 0, or a `nextOffset` returned earlier.
    ///   - plus: Whether this is `readdirplus`.
    ///   - limit: The most entries that can fit in the reply (at least 1); returning more is
    ///     allowed (they are dropped).
    /// - Returns: As for ``readdir(inode:handle:offset:plus:)``.
    func readdir(inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int) throws(Errno)
        -> [(entry: DirectoryEntry, nextOffset: Int64)]

    /// Closes a directory handle (`releasedir`).
    /// - Parameters:
    ///   - inode: The directory.
    ///   - handle: The handle from ``opendir(inode:)``.
    func releasedir(inode: InodeNumber, handle: UInt64)

    /// Reports filesystem totals (`statfs`).
    /// - Returns: Block and inode counts.
    func statfs() -> FilesystemStatistics

    /// Returns one extended attribute's whole value (`getxattr`). Default: `ENODATA`.
    /// FuseKit applies the size protocol (`size` 0 asks for the length, a too-small buffer is `ERANGE`).
    /// - Parameters:
    ///   - inode: The node.
    ///   - name: The attribute name's bytes, e.g. `user.comment`.
    ///   - size: The caller's buffer size, for information.
    /// - Throws: `ENODATA` if the attribute does not exist (the kernel asks again next time);
    ///   `ENOSYS` if the filesystem has no extended attributes at all: the kernel then remembers
    ///   that for the rest of the mount, never sends `getxattr` again and answers callers
    ///   `EOPNOTSUPP` itself (which also makes `ls -l` stop asking for ACLs and labels).
    func getxattr(inode: InodeNumber, name: [UInt8], size: Int) throws(Errno) -> [UInt8]

    /// Returns the NUL-separated list of attribute names (`listxattr`), each name followed by a
    /// NUL. Default: empty. FuseKit applies the size protocol as for ``getxattr(inode:name:size:)``.
    /// - Parameters:
    ///   - inode: The node.
    ///   - size: The caller's buffer size, for information.
    /// - Throws: `ENOSYS` to tell the kernel that no node has extended attributes (remembered
    ///   for the mount, as for ``getxattr(inode:name:size:)``).
    func listxattr(inode: InodeNumber, size: Int) throws(Errno) -> [UInt8]

    /// Checks access (`access(2)`; the kernel asks only without `default_permissions`).
    /// Default: `R_OK`/`X_OK`/`F_OK` allowed, `W_OK` refused with `EROFS`.
    /// - Parameters:
    ///   - inode: The node.
    ///   - mask: `F_OK` or a combination of `R_OK`, `W_OK`, `X_OK`.
    func access(inode: InodeNumber, mask: Int32) throws(Errno)
}

extension LowLevelFilesystem {
    /// Ignores forgets: node ids stay valid for the mount's life.
    package func forget(inode: InodeNumber, count: UInt64) {}

    /// Ignores readdirplus references: node ids stay valid for the mount's life.
    package func lookupCounted(inode: InodeNumber) {}

    /// One second, libfuse's customary default.
    package var readdirplusTimeout: Double { 1 }

    /// Nothing to close.
    package func release(inode: InodeNumber, handle: UInt64) {}

    /// Ignores the limit: the whole rest of the listing (FuseKit keeps what fits).
    package func readdir(inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int) throws(Errno)
        -> [(entry: DirectoryEntry, nextOffset: Int64)]
    {
        try readdir(inode: inode, handle: handle, offset: offset, plus: plus)
    }

    /// Nothing to close.
    package func releasedir(inode: InodeNumber, handle: UInt64) {}

    /// No extended attributes: always `ENODATA`.
    package func getxattr(inode: InodeNumber, name: [UInt8], size: Int) throws(Errno) -> [UInt8] {
        throw Errno(ENODATA)
    }

    /// No extended attributes: an empty list.
    package func listxattr(inode: InodeNumber, size: Int) throws(Errno) -> [UInt8] { [] }

    /// Reading and searching are allowed; writing is `EROFS`.
    package func access(inode: InodeNumber, mask: Int32) throws(Errno) {
        if mask & W_OK != 0 { throw Errno(EROFS) }
    }
}
