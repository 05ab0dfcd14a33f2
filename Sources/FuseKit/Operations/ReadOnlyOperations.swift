#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CFuse

/// Every write-type request, answered `EROFS` without asking the filesystem: the tree is
/// read-only by construction, whatever the mount options say.
enum ReadOnlyOperations {
    /// Points all write-type entries of `ops` at the `EROFS` trampolines.
    static func install(into ops: inout fuse_lowlevel_ops) {
        ops.setattr = { req, _, _, _, _ in refuse(req) }
        ops.mknod = { req, _, _, _, _ in refuse(req) }
        ops.mkdir = { req, _, _, _ in refuse(req) }
        ops.unlink = { req, _, _ in refuse(req) }
        ops.rmdir = { req, _, _ in refuse(req) }
        ops.symlink = { req, _, _, _ in refuse(req) }
        ops.rename = { req, _, _, _, _, _ in refuse(req) }
        ops.link = { req, _, _, _ in refuse(req) }
        ops.write = { req, _, _, _, _, _ in refuse(req) }
        ops.create = { req, _, _, _, _ in refuse(req) }
        ops.fallocate = { req, _, _, _, _, _ in refuse(req) }
        ops.setxattr = { req, _, _, _, _, _ in refuse(req) }
        ops.removexattr = { req, _, _ in refuse(req) }
        ops.copy_file_range = { req, _, _, _, _, _, _, _, _ in refuse(req) }
    }
}

/// Answers a write-type request with `EROFS`.
private func refuse(_ req: fuse_req_t?) {
    guard let (context, request) = SessionContext.of(req) else { return }
    context.respond(request, .error(EROFS))
}
