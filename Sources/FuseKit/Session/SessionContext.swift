internal import CFuse
import Logging

/// What every trampoline needs: the filesystem and the logger. libfuse hands it back as
/// `fuse_req_userdata`; ``FuseSession`` holds the one retain until after `fuse_session_destroy`.
final class SessionContext: Sendable {
    /// The filesystem answering requests.
    let filesystem: any LowLevelFilesystem
    /// Where FuseKit logs request failures and libfuse trouble.
    let logger: Logger

    /// Creates a context.
    /// - Parameters:
    ///   - filesystem: The filesystem answering requests.
    ///   - logger: The session's logger.
    init(filesystem: any LowLevelFilesystem, logger: Logger) {
        self.filesystem = filesystem
        self.logger = logger
    }

    /// Fetches the context of a request (`fuse_req_userdata`) without touching its retain count.
    /// - Parameter raw: The request libfuse passed to a callback.
    /// - Returns: The context and the request, or `nil` if libfuse passed no request.
    static func of(_ raw: fuse_req_t?) -> (SessionContext, Request)? {
        guard let raw, let userdata = fuse_req_userdata(raw) else { return nil }
        return (Unmanaged<SessionContext>.fromOpaque(userdata).takeUnretainedValue(), Request(raw: raw))
    }

    /// Sends the one reply a request gets; the only caller of `fuse_reply_*` in FuseKit.
    /// - Parameters:
    ///   - request: The request being answered; consumed.
    ///   - reply: The answer.
    func respond(_ request: Request, _ reply: Reply) {
        let raw = request.raw
        let result: Int32
        switch reply {
        case .entry(let entry):
            var parameters = fuse_entry_param(entry)
            result = fuse_reply_entry(raw, &parameters)
        case .attributes(let attributes, let timeout):
            var status = attributes.cStat
            result = fuse_reply_attr(raw, &status, timeout)
        case .data(let bytes), .buffer(let bytes):
            result = bytes.withUnsafeBytes { buffer in
                fuse_reply_buf(raw, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
            }
        case .readlink(let target):
            if target.contains(0) {
                logger.error("readlink target contains a NUL byte; answering EIO")
                result = fuse_reply_err(raw, EIO)
            } else {
                let terminated = target + [0]
                result = terminated.withUnsafeBytes { buffer in
                    fuse_reply_readlink(raw, buffer.baseAddress?.assumingMemoryBound(to: CChar.self))
                }
            }
        case .open(let open):
            result = cfuse_reply_open(raw, open.handle, open.keepCache ? 1 : 0, open.directIO ? 1 : 0)
        case .statfs(let statistics):
            var values = statistics.cStatvfs
            result = fuse_reply_statfs(raw, &values)
        case .xattrSize(let size):
            result = fuse_reply_xattr(raw, size)
        case .error(let code):
            result = fuse_reply_err(raw, code)
        case .none:
            fuse_reply_none(raw)
            return
        }
        // -ENOENT means the kernel gave up on the request (interrupted); nothing to undo.
        if result != 0 {
            logger.debug("fuse_reply_* failed", metadata: ["errno": "\(-result)"])
        }
    }
}

extension fuse_entry_param {
    /// The C form of an ``EntryReply``.
    init(_ entry: EntryReply) {
        self.init()
        ino = entry.attributes.inode
        generation = entry.generation
        attr = entry.attributes.cStat
        attr_timeout = entry.attributeTimeout
        entry_timeout = entry.entryTimeout
    }
}
