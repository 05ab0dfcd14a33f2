#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CFuse

/// The `fuse_lowlevel_ops` table: read-type requests go to the filesystem, every write-type
/// request is answered `EROFS` here, `flush`/`fsync` succeed.
enum LowLevelOperations {
    /// A fresh table pointing at this file's trampolines.
    static func table() -> fuse_lowlevel_ops {
        var ops = fuse_lowlevel_ops()
        ops.`init` = initCallback
        ops.lookup = lookupCallback
        ops.forget = forgetCallback
        ops.forget_multi = forgetMultiCallback
        ops.getattr = getattrCallback
        ops.readlink = readlinkCallback
        ops.open = openCallback
        ops.read = readCallback
        ops.release = releaseCallback
        ops.flush = flushCallback
        ops.fsync = fsyncCallback
        ops.opendir = opendirCallback
        ops.readdir = readdirCallback
        ops.readdirplus = readdirplusCallback
        ops.releasedir = releasedirCallback
        ops.fsyncdir = fsyncCallback
        ops.statfs = statfsCallback
        ops.getxattr = getxattrCallback
        ops.listxattr = listxattrCallback
        ops.access = accessCallback
        ReadOnlyOperations.install(into: &ops)
        return ops
    }
}

/// Copies a C string's bytes (without the NUL); the pointer dies when the callback returns.
func copiedBytes(_ cString: UnsafePointer<CChar>?) -> [UInt8] {
    guard let cString else { return [] }
    return Array(UnsafeBufferPointer(start: cString, count: strlen(cString))).map { UInt8(bitPattern: $0) }
}

// conn is only valid during init: ask for what a read-only, immutable tree benefits from.
private func initCallback(_ userdata: UnsafeMutableRawPointer?, _ conn: UnsafeMutablePointer<fuse_conn_info>?) {
    guard let conn else { return }
    let wanted = UInt32(FUSE_CAP_READDIRPLUS) | UInt32(FUSE_CAP_READDIRPLUS_AUTO) | UInt32(FUSE_CAP_CACHE_SYMLINKS)
        | UInt32(FUSE_CAP_PARALLEL_DIROPS) | UInt32(FUSE_CAP_ASYNC_READ)
    conn.pointee.want |= conn.pointee.capable & wanted
    // Ours is never invalidated behind the kernel's back; don't drop cached pages on mtime checks.
    conn.pointee.want &= ~UInt32(FUSE_CAP_AUTO_INVAL_DATA)
    conn.pointee.time_gran = 1
    // Read-ahead requests are "background" ones, 12 at most in flight by default; the rest wait
    // in the kernel, unseen by our time limits, so a reader behind a few slow ones waited for
    // theirs and then its own (twice the limit). The workers, not the kernel, bound them.
    conn.pointee.max_background = max(conn.pointee.max_background, FuseSession.Threads.backgroundRequests)
    conn.pointee.congestion_threshold = max(conn.pointee.congestion_threshold, FuseSession.Threads.backgroundRequests * 3 / 4)
}

private func lookupCallback(_ req: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let name = copiedBytes(name)
    context.lookup(request, parent: parent, name: name)
}

private func forgetCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ count: UInt64) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.filesystem.forget(inode: inode, count: count)
    context.respond(request, .none)
}

private func forgetMultiCallback(_ req: fuse_req_t?, _ count: Int, _ forgets: UnsafeMutablePointer<fuse_forget_data>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    if let forgets, count > 0 {
        // Copy first: the array belongs to libfuse's receive buffer.
        let items = Array(UnsafeBufferPointer(start: forgets, count: count))
        for item in items {
            context.filesystem.forget(inode: item.ino, count: item.nlookup)
        }
    }
    context.respond(request, .none)
}

private func getattrCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.getattr(request, inode: inode)
}

private func readlinkCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.readlink(request, inode: inode)
}

private func openCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let flags = fi?.pointee.flags ?? O_RDONLY
    context.open(request, inode: inode, flags: flags)
}

private func readCallback(
    _ req: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?
) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let handle = cfuse_file_handle(fi)
    context.read(request, inode: inode, handle: handle, offset: Int64(offset), size: size)
}

private func releaseCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let handle = cfuse_file_handle(fi)
    context.filesystem.release(inode: inode, handle: handle)
    context.respond(request, .error(0))
}

// Nothing is ever dirty on a read-only filesystem: flush succeeds.
private func flushCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.respond(request, .error(0))
}

// Nothing is ever dirty on a read-only filesystem: fsync and fsyncdir succeed.
private func fsyncCallback(
    _ req: fuse_req_t?, _ inode: fuse_ino_t, _ datasync: Int32, _ fi: UnsafeMutablePointer<fuse_file_info>?
) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.respond(request, .error(0))
}

private func opendirCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.respond(request, context.opendir(inode: inode))
}

private func readdirCallback(
    _ req: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?
) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let handle = cfuse_file_handle(fi)
    context.readdir(request, inode: inode, handle: handle, size: size, offset: Int64(offset), plus: false)
}

private func readdirplusCallback(
    _ req: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int, _ offset: off_t, _ fi: UnsafeMutablePointer<fuse_file_info>?
) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let handle = cfuse_file_handle(fi)
    context.readdir(request, inode: inode, handle: handle, size: size, offset: Int64(offset), plus: true)
}

private func releasedirCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ fi: UnsafeMutablePointer<fuse_file_info>?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let handle = cfuse_file_handle(fi)
    context.filesystem.releasedir(inode: inode, handle: handle)
    context.respond(request, .error(0))
}

private func statfsCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.respond(request, context.statfs())
}

private func getxattrCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ size: Int) {
    guard let (context, request) = SessionContext.of(req) else { return }
    let name = copiedBytes(name)
    context.getxattr(request, inode: inode, name: name, size: size)
}

private func listxattrCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.listxattr(request, inode: inode, size: size)
}

private func accessCallback(_ req: fuse_req_t?, _ inode: fuse_ino_t, _ mask: Int32) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.respond(request, context.access(inode: inode, mask: mask))
}
