/// How a file's content or a metadata blob was stored: what `filelist.json` needs to find it.
struct StoredStream {
    /// FileHash of all bytes.
    var hash: [UInt8]
    /// Length in bytes.
    var size: Int
    /// The block's BlockHash when the stream is exactly one block, else nil.
    var singleBlockHash: [UInt8]?
    /// Blocklist hashes in order when the stream has two or more blocks, else empty.
    var blocklistHashes: [[UInt8]]
}
