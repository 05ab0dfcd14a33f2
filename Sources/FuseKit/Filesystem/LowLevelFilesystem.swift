#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A read-only filesystem served by ``FuseSession``, in the shape of libfuse's low-level API.
///
/// Methods are called on libfuse worker threads (pthreads, not Swift's cooperative pool), many
/// at once, so implementations must be thread-safe. Requests that may wait for storage
/// (`lookup`, `getattr`, `readlink`, `open`, `read`, `readdir`, `getxattr`, `listxattr`) come with
/// a ``PendingReply``: answer what is at hand on the calling thread, and hand slow work to a
/// thread of your own that answers when done; never block the libfuse worker on it. FuseKit
/// answers `EIO` when a request's deadline (the session's request timeout from its arrival)
/// passes first. The other methods answer by returning and must not wait for storage.
/// FuseKit answers every write-type request with `EROFS` itself, and `flush`/`fsync` with
/// success; the filesystem never sees them.
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
    ///   - reply: Answered with the found node and how long the kernel may cache it, or
    ///     `ENOENT` if absent, `ENOTDIR` if `parent` is no directory.
    func lookup(parent: InodeNumber, name: [UInt8], reply: PendingReply<EntryReply>)

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
    /// - Parameters:
    ///   - inode: The node.
    ///   - reply: Answered with its attributes and how many seconds the kernel may cache them.
    func getattr(inode: InodeNumber, reply: PendingReply<(FileAttributes, timeout: Double)>)

    /// Returns a symlink's target bytes (`readlink`).
    /// - Parameters:
    ///   - inode: The symlink.
    ///   - reply: Answered with the target, or `EINVAL` if it is no symlink.
    func readlink(inode: InodeNumber, reply: PendingReply<[UInt8]>)

    /// Opens a file for reading (`open`). FuseKit already refused write access with `EROFS`.
    /// - Parameters:
    ///   - inode: The file.
    ///   - flags: The `open(2)` flags (`O_RDONLY` plus e.g. `O_NONBLOCK`).
    ///   - reply: Answered with a handle and caching choices. When ``PendingReply/delivered(_:)``
    ///     returns false the kernel never got the handle: drop it.
    func open(inode: InodeNumber, flags: Int32, reply: PendingReply<OpenReply>)

    /// Reads up to `size` bytes at `offset` (`read`).
    /// - Parameters:
    ///   - inode: The file.
    ///   - handle: The handle from ``open(inode:flags:)``.
    ///   - offset: Byte offset, `>= 0`.
    ///   - size: Most bytes wanted.
    ///   - reply: Answered with exactly the bytes at `offset`; fewer than `size` only at end of
    ///     file (a short read is EOF to the kernel). Extra bytes are cut off.
    func read(inode: InodeNumber, handle: UInt64, offset: Int64, size: Int, reply: PendingReply<[UInt8]>)

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
    /// Entries after `offset` (an opaque cookie the filesystem defines; 0 = start); answer each
    /// entry with the cookie of the NEXT one. FuseKit keeps as many as fit in the kernel's
    /// buffer and the kernel resumes from the last kept entry's `nextOffset`, so a cookie must
    /// stay valid for the life of the handle. Include `.` and `..` if they should appear
    /// (the kernel does not add them). Answering more than `limit` entries is allowed (they
    /// are dropped), so a filesystem that does work per entry can stop at `limit`.
    /// - Parameters:
    ///   - inode: The directory.
    ///   - handle: The handle from ``opendir(inode:)``.
    ///   - offset: 0, or a `nextOffset` answered earlier.
    ///   - plus: Whether this is `readdirplus`: attributes must then be complete, or the entry
    ///     marked as a name only (``DirectoryEntry/attributesKnown``).
    ///   - limit: The most entries that can fit in the reply (at least 1).
    ///   - reply: Answered with the entries in order with the cookie of the entry after each;
    ///     empty at the end.
    func readdir(
        inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int,
        reply: PendingReply<[(entry: DirectoryEntry, nextOffset: Int64)]>)

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
    ///   - reply: Answered with the value, or an error: `ENODATA` if the attribute does not exist (the kernel asks again next time);
    ///   `ENOSYS` if the filesystem has no extended attributes at all: the kernel then remembers
    ///   that for the rest of the mount, never sends `getxattr` again and answers callers
    ///   `EOPNOTSUPP` itself (which also makes `ls -l` stop asking for ACLs and labels).
    func getxattr(inode: InodeNumber, name: [UInt8], size: Int, reply: PendingReply<[UInt8]>)

    /// Returns the NUL-separated list of attribute names (`listxattr`), each name followed by a
    /// NUL. Default: empty. FuseKit applies the size protocol as for ``getxattr(inode:name:size:)``.
    /// - Parameters:
    ///   - inode: The node.
    ///   - size: The caller's buffer size, for information.
    ///   - reply: Answered with the list, or `ENOSYS` to tell the kernel that no node has extended attributes (remembered
    ///   for the mount, as for ``getxattr(inode:name:size:)``).
    func listxattr(inode: InodeNumber, size: Int, reply: PendingReply<[UInt8]>)

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

    /// Nothing to close.
    package func releasedir(inode: InodeNumber, handle: UInt64) {}

    /// No extended attributes: always `ENODATA`.
    package func getxattr(inode: InodeNumber, name: [UInt8], size: Int, reply: PendingReply<[UInt8]>) {
        reply.fail(Errno(ENODATA))
    }

    /// No extended attributes: an empty list.
    package func listxattr(inode: InodeNumber, size: Int, reply: PendingReply<[UInt8]>) { reply.succeed([]) }

    /// Reading and searching are allowed; writing is `EROFS`.
    package func access(inode: InodeNumber, mask: Int32) throws(Errno) {
        if mask & W_OK != 0 { throw Errno(EROFS) }
    }
}
