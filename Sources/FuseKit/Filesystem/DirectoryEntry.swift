/// One name in a directory listing, with the attributes `readdirplus` hands to the kernel.
package struct DirectoryEntry: Sendable, Hashable {
    /// The entry's name as raw bytes, passed to the kernel exactly (no normalization).
    /// Must be non-empty and contain neither `/` nor NUL; FuseKit skips (and logs) entries that do.
    package var name: [UInt8]
    /// The entry's attributes; `inode` and the type bits of `mode` are used by plain `readdir` too.
    package var attributes: FileAttributes
    /// Whether ``attributes`` are complete. A `readdirplus` entry without them is sent as a
    /// name only (node id 0, which the kernel takes as "no attributes here, not ENOENT"): the
    /// kernel looks the name up when it needs more, so nothing unknown is ever cached.
    package var attributesKnown: Bool

    /// Creates an entry.
    /// - Parameters:
    ///   - name: The name's bytes.
    ///   - attributes: The entry's attributes (for a name only: its inode and type bits).
    ///   - attributesKnown: false to send a `readdirplus` entry as a name only.
    package init(name: [UInt8], attributes: FileAttributes, attributesKnown: Bool = true) {
        self.name = name
        self.attributes = attributes
        self.attributesKnown = attributesKnown
    }
}
