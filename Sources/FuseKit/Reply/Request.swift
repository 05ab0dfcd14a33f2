internal import CFuse

/// One kernel request (`fuse_req_t`) waiting for its single reply.
///
/// `@unchecked Sendable`: libfuse allows replying to a request from any thread
/// (fuse_lowlevel.h, "fuse_reply_*" may be called from a different thread than the callback).
struct Request: @unchecked Sendable {
    /// The libfuse request; valid until one `fuse_reply_*` consumed it.
    let raw: fuse_req_t
}
