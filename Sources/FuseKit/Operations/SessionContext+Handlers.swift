#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CFuse

/// The work behind each trampoline: call the filesystem with values already copied out of C
/// memory, and turn its answer or ``Errno`` into a ``Reply``. No `fuse_reply_*` here.
extension SessionContext {
    /// `lookup`.
    func lookup(parent: InodeNumber, name: [UInt8]) -> Reply {
        do throws(Errno) {
            return .entry(try filesystem.lookup(parent: parent, name: name))
        } catch {
            return .error(error.code)
        }
    }

    /// `getattr`.
    func getattr(inode: InodeNumber) -> Reply {
        do throws(Errno) {
            let (attributes, timeout) = try filesystem.getattr(inode: inode)
            return .attributes(attributes, timeout: timeout)
        } catch {
            return .error(error.code)
        }
    }

    /// `readlink`.
    func readlink(inode: InodeNumber) -> Reply {
        do throws(Errno) {
            return .readlink(try filesystem.readlink(inode: inode))
        } catch {
            return .error(error.code)
        }
    }

    /// `open`: refuses anything but read-only access before the filesystem sees it.
    func open(inode: InodeNumber, flags: Int32) -> Reply {
        if flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0 {
            return .error(EROFS)
        }
        do throws(Errno) {
            return .open(try filesystem.open(inode: inode, flags: flags))
        } catch {
            return .error(error.code)
        }
    }

    /// `read`: at most `size` bytes; fewer means end of file.
    func read(inode: InodeNumber, handle: UInt64, offset: Int64, size: Int) -> Reply {
        guard offset >= 0, size >= 0 else { return .error(EINVAL) }
        do throws(Errno) {
            let bytes = try filesystem.read(inode: inode, handle: handle, offset: offset, size: size)
            if bytes.count > size {
                logger.error(
                    "filesystem returned more bytes than asked; cutting off",
                    metadata: ["inode": "\(inode)", "asked": "\(size)", "got": "\(bytes.count)"])
                return .data(Array(bytes.prefix(size)))
            }
            return .data(bytes)
        } catch {
            return .error(error.code)
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
    func readdir(inode: InodeNumber, handle: UInt64, size: Int, offset: Int64, plus: Bool, request: Request) -> Reply {
        let entries: [(entry: DirectoryEntry, nextOffset: Int64)]
        do throws(Errno) {
            entries = try filesystem.readdir(
                inode: inode, handle: handle, offset: offset, plus: plus,
                limit: DirectoryListing.mostEntries(fitting: min(size, DirectoryListing.maximumSize), plus: plus))
        } catch {
            return .error(error.code)
        }
        let timeout = plus ? filesystem.readdirplusTimeout : 0
        var listing = DirectoryListing(capacity: size)
        for (entry, nextOffset) in entries {
            guard listing.add(entry, nextOffset: nextOffset, plus: plus, timeout: timeout, request: request) else { break }
            // The kernel takes a reference for every plus entry except . and ..; counted before
            // the reply goes out so a forget can never overtake it.
            if plus && !DirectoryListing.isDotOrDotDot(entry.name) {
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
    func getxattr(inode: InodeNumber, name: [UInt8], size: Int) -> Reply {
        do throws(Errno) {
            return Self.sized(try filesystem.getxattr(inode: inode, name: name, size: size), size: size)
        } catch {
            return .error(error.code)
        }
    }

    /// `listxattr`, applying the size protocol.
    func listxattr(inode: InodeNumber, size: Int) -> Reply {
        do throws(Errno) {
            return Self.sized(try filesystem.listxattr(inode: inode, size: size), size: size)
        } catch {
            return .error(error.code)
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
