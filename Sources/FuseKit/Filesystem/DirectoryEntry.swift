/// One name in a directory listing, with the attributes `readdirplus` hands to the kernel.
package struct DirectoryEntry: Sendable, Hashable {
    /// The entry's name as raw bytes, passed to the kernel exactly (no normalization).
    /// Must be non-empty and contain neither `/` nor NUL; FuseKit skips (and logs) entries that do.
    package var name: [UInt8]
    /// The entry's attributes; `inode` and the type bits of `mode` are used by plain `readdir` too.
    package var attributes: FileAttributes

    /// Creates an entry.
    /// - Parameters:
    ///   - name: The name's bytes.
    ///   - attributes: The entry's attributes.
    package init(name: [UInt8], attributes: FileAttributes) {
        self.name = name
        self.attributes = attributes
    }
}
