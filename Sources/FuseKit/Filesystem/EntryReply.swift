/// The answer to a successful `lookup` (`struct fuse_entry_param`).
package struct EntryReply: Sendable, Hashable {
    /// The found node's attributes; `attributes.inode` is the node id the kernel will use.
    package var attributes: FileAttributes
    /// Seconds the kernel may cache `attributes`.
    package var attributeTimeout: Double
    /// Seconds the kernel may cache the name → node binding.
    package var entryTimeout: Double
    /// Generation number; only matters if node ids are reused (never, for a stable read-only tree).
    package var generation: UInt64

    /// Creates an entry reply.
    /// - Parameters:
    ///   - attributes: The node's attributes.
    ///   - attributeTimeout: Attribute cache lifetime in seconds.
    ///   - entryTimeout: Name cache lifetime in seconds.
    ///   - generation: Generation number, usually 0.
    package init(attributes: FileAttributes, attributeTimeout: Double, entryTimeout: Double, generation: UInt64 = 0) {
        self.attributes = attributes
        self.attributeTimeout = attributeTimeout
        self.entryTimeout = entryTimeout
        self.generation = generation
    }
}
