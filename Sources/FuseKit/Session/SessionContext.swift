#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CFuse
import Dispatch
import Logging
import Synchronization

/// What every trampoline needs: the filesystem and the logger. libfuse hands it back as
/// `fuse_req_userdata`; ``FuseSession`` holds the one retain until after `fuse_session_destroy`.
final class SessionContext: Sendable {
    /// The filesystem answering requests.
    let filesystem: any LowLevelFilesystem
    /// Where FuseKit logs request failures and libfuse trouble.
    let logger: Logger
    /// Seconds a request may take from its arrival; then FuseKit answers `EIO` (see ``PendingReply``).
    let requestTimeout: Double
    /// Replies being sent, and whether the session is closing (then no more are sent: libfuse
    /// frees the session, which every request points to).
    private let replies = Mutex((sending: 0, closed: false))
    /// Requests answered `EIO` by their deadline.
    private let expired = Atomic<Int>(0)
    /// Where deadlines fire.
    private static let deadlines = DispatchQueue(label: "fusekit.deadlines")

    /// Creates a context.
    /// - Parameters:
    ///   - filesystem: The filesystem answering requests.
    ///   - logger: The session's logger.
    ///   - requestTimeout: Seconds any request may take from its arrival.
    init(filesystem: any LowLevelFilesystem, logger: Logger, requestTimeout: Double) {
        self.filesystem = filesystem
        self.logger = logger
        self.requestTimeout = requestTimeout
    }

    /// Hands a request to the filesystem with its deadline: `start` gets the pending reply and
    /// may answer it at once or later from any thread; if it is still unanswered when `start`
    /// returns, FuseKit answers `EIO` at the deadline unless the filesystem answers first.
    /// - Parameters:
    ///   - request: The request.
    ///   - operation: Its name, for the log when it runs out of time.
    ///   - inode: The node it is about, for the same log.
    ///   - encode: Turns the filesystem's value into the reply (run only for a delivered answer).
    ///   - start: Calls the filesystem.
    func pending<Value: Sendable>(
        _ request: Request, operation: String, inode: InodeNumber, encode: @escaping @Sendable (Value, Request) -> Reply,
        _ start: (PendingReply<Value>) -> Void
    ) {
        let reply = PendingReply<Value>(timeout: requestTimeout) { [self] result in
            switch result {
            case .success(let value): respond(request, encode(value, request))
            case .failure(let error): respond(request, .error(error.code))
            }
        }
        start(reply)
        guard !reply.isAnswered else { return }
        Self.deadlines.asyncAfter(deadline: reply.deadline) { [self] in
            if reply.expire() { noteExpired(operation: operation, inode: inode) }
        }
    }

    /// Counts and logs a request answered by its deadline.
    func noteExpired(operation: String, inode: InodeNumber) {
        let count = expired.add(1, ordering: .relaxed).newValue
        logger.warning(
            "\(operation) of inode \(inode) ran out of time (\(requestTimeout) s) and was answered EIO",
            metadata: ["expiredSoFar": "\(count)"])
    }

    /// Requests answered `EIO` by their deadline so far.
    var expiredCount: Int { expired.load(ordering: .relaxed) }

    /// Stops sending replies and waits until those being sent are out; called before the
    /// libfuse session is destroyed (a late answer would touch freed memory).
    func close() {
        replies.withLock { $0.closed = true }
        while replies.withLock({ $0.sending }) > 0 { usleep(1000) }
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
        let open = replies.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.sending += 1
            return true
        }
        guard open else { return }
        defer { replies.withLock { $0.sending -= 1 } }
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
