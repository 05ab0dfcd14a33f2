/// The answer to a successful `open` (fields of `struct fuse_file_info` sent by `fuse_reply_open`).
package struct OpenReply: Sendable, Hashable {
    /// An opaque handle the filesystem chooses; FuseKit passes it back to `read` and `release`.
    package var handle: UInt64
    /// Keep the kernel page cache from earlier opens (`keep_cache`): right for immutable content.
    package var keepCache: Bool
    /// Bypass the page cache (`direct_io`); reads then go to the filesystem every time.
    package var directIO: Bool

    /// Creates an open reply.
    /// - Parameters:
    ///   - handle: The filesystem's handle for this open file.
    ///   - keepCache: Whether cached pages stay valid across opens.
    ///   - directIO: Whether to bypass the page cache.
    package init(handle: UInt64, keepCache: Bool = true, directIO: Bool = false) {
        self.handle = handle
        self.keepCache = keepCache
        self.directIO = directIO
    }
}
