/// The one answer to a request, computed by a handler and sent by ``SessionContext/respond(_:_:)``.
enum Reply {
    /// `fuse_reply_entry`: a lookup found a node.
    case entry(EntryReply)
    /// `fuse_reply_attr`: attributes with their cache lifetime in seconds.
    case attributes(FileAttributes, timeout: Double)
    /// `fuse_reply_buf` of file data; fewer bytes than asked means end of file.
    case data([UInt8])
    /// `fuse_reply_readlink`: a symlink target (must contain no NUL).
    case readlink([UInt8])
    /// `fuse_reply_open` for files and directories.
    case open(OpenReply)
    /// `fuse_reply_statfs`.
    case statfs(FilesystemStatistics)
    /// `fuse_reply_buf` of a packed directory listing or an xattr value/list.
    case buffer([UInt8])
    /// `fuse_reply_xattr`: the size an xattr value or list needs (answer to a size-0 probe).
    case xattrSize(Int)
    /// `fuse_reply_err`: a positive errno, or 0 for success of a request without data.
    case error(Int32)
    /// `fuse_reply_none`: forget and batch-forget take no reply.
    case none
}
