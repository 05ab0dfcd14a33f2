#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CFuse

/// The work behind each trampoline: call the filesystem with values already copied out of C
/// memory and answer the request, at once or (for requests that may wait for storage) through a
/// ``PendingReply`` with the session's deadline. No `fuse_reply_*` here.
extension SessionContext {
    /// `lookup`.
    func lookup(_ request: Request, parent: InodeNumber, name: [UInt8]) {
        pending(request, operation: "lookup", inode: parent, encode: { value, _ in .entry(value) }) { reply in
            filesystem.lookup(parent: parent, name: name, reply: reply)
        }
    }

    /// `getattr`.
    func getattr(_ request: Request, inode: InodeNumber) {
        pending(request, operation: "getattr", inode: inode, encode: { value, _ in .attributes(value.0, timeout: value.timeout) }) { reply in
            filesystem.getattr(inode: inode, reply: reply)
        }
    }

    /// `readlink`.
    func readlink(_ request: Request, inode: InodeNumber) {
        pending(request, operation: "readlink", inode: inode, encode: { value, _ in .readlink(value) }) { reply in
            filesystem.readlink(inode: inode, reply: reply)
        }
    }

    /// `open`: refuses anything but read-only access before the filesystem sees it.
    func open(_ request: Request, inode: InodeNumber, flags: Int32) {
        if flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0 {
            return respond(request, .error(EROFS))
        }
        pending(request, operation: "open", inode: inode, encode: { value, _ in .open(value) }) { reply in
            filesystem.open(inode: inode, flags: flags, reply: reply)
        }
    }

    /// `read`: at most `size` bytes; fewer means end of file.
    func read(_ request: Request, inode: InodeNumber, handle: UInt64, offset: Int64, size: Int) {
        guard offset >= 0, size >= 0 else { return respond(request, .error(EINVAL)) }
        let logger = logger
        pending(request, operation: "read", inode: inode, encode: { (bytes: [UInt8], _) -> Reply in
            if bytes.count > size {
                logger.error(
                    "filesystem returned more bytes than asked; cutting off",
                    metadata: ["inode": "\(inode)", "asked": "\(size)", "got": "\(bytes.count)"])
                return .data(Array(bytes.prefix(size)))
            }
            return .data(bytes)
        }) { reply in
            filesystem.read(inode: inode, handle: handle, offset: offset, size: size, reply: reply)
        }
    }

    /// `opendir`.
    func opendir(inode: InodeNumber) -> Reply {
        do throws(Errno) {
            return .open(OpenReply(handle: try filesystem.opendir(inode: inode), keepCache: false))
        } catch {
            return .error(error.code)
        }
    }

    /// `readdir` and `readdirplus`: as many entries as fit in `size` bytes.
    func readdir(_ request: Request, inode: InodeNumber, handle: UInt64, size: Int, offset: Int64, plus: Bool) {
        let limit = DirectoryListing.mostEntries(fitting: min(size, DirectoryListing.maximumSize), plus: plus)
        pending(request, operation: plus ? "readdirplus" : "readdir", inode: inode, encode: { [self] entries, request in
            pack(entries, inode: inode, size: size, plus: plus, request: request)
        }) { reply in
            filesystem.readdir(inode: inode, handle: handle, offset: offset, plus: plus, limit: limit, reply: reply)
        }
    }

    /// Packs a listing; runs only for the answer that is delivered, so the kernel references
    /// it counts are the ones the kernel really takes.
    private func pack(
        _ entries: [(entry: DirectoryEntry, nextOffset: Int64)], inode: InodeNumber, size: Int, plus: Bool, request: Request
    ) -> Reply {
        let timeout = plus ? filesystem.readdirplusTimeout : 0
        var listing = DirectoryListing(capacity: size)
        for (entry, nextOffset) in entries {
            guard listing.add(entry, nextOffset: nextOffset, plus: plus, timeout: timeout, request: request) else { break }
            // The kernel takes a reference for every plus entry with a node except . and ..;
            // counted before the reply goes out so a forget can never overtake it.
            if plus && entry.attributesKnown && !DirectoryListing.isDotOrDotDot(entry.name) {
                filesystem.lookupCounted(inode: entry.attributes.inode)
            }
        }
        if listing.rejectedNames > 0 {
            logger.error(
                "skipped directory entries whose names contain '/' or NUL or are empty",
                metadata: ["inode": "\(inode)", "count": "\(listing.rejectedNames)"])
        }
        return .buffer(listing.packed)
    }

    /// `statfs`.
    func statfs() -> Reply {
        .statfs(filesystem.statfs())
    }

    /// `getxattr`, applying the size protocol: 0 asks for the length, too small is `ERANGE`.
    func getxattr(_ request: Request, inode: InodeNumber, name: [UInt8], size: Int) {
        pending(request, operation: "getxattr", inode: inode, encode: { value, _ in Self.sized(value, size: size) }) { reply in
            filesystem.getxattr(inode: inode, name: name, size: size, reply: reply)
        }
    }

    /// `listxattr`, applying the size protocol.
    func listxattr(_ request: Request, inode: InodeNumber, size: Int) {
        pending(request, operation: "listxattr", inode: inode, encode: { value, _ in Self.sized(value, size: size) }) { reply in
            filesystem.listxattr(inode: inode, size: size, reply: reply)
        }
    }

    /// `access`.
    func access(inode: InodeNumber, mask: Int32) -> Reply {
        do throws(Errno) {
            try filesystem.access(inode: inode, mask: mask)
            return .error(0)
        } catch {
            return .error(error.code)
        }
    }

    /// The xattr size protocol of getxattr(2)/listxattr(2).
    static func sized(_ value: [UInt8], size: Int) -> Reply {
        if size == 0 { return .xattrSize(value.count) }
        if value.count > size { return .error(ERANGE) }
        return .buffer(value)
    }
}
