/// One extended attribute of a file, folder or symlink, as a Linux or macOS backup stores it in
/// the metadata blob: key `unix-ext:<name>`, value the base64 of the attribute's bytes.
package struct ExtendedAttribute: Sendable, Hashable {
    /// The attribute's name with its namespace, e.g. `user.comment`.
    package let name: String
    /// The attribute's value (may be empty).
    package let value: [UInt8]

    /// The key prefix of extended attributes in a metadata blob.
    package static let keyPrefix = "unix-ext:"
    /// The longest name accepted, in UTF-8 bytes (Linux `XATTR_NAME_MAX`).
    package static let maximumNameBytes = 255
    /// The largest value accepted (Linux `XATTR_SIZE_MAX`).
    package static let maximumValueBytes = 65_536
    /// The most bytes all names of one entry may take in a `listxattr` answer, each followed by
    /// a NUL (Linux `XATTR_LIST_MAX`).
    package static let maximumListBytes = 65_536

    /// Creates an attribute.
    /// - Parameters:
    ///   - name: the name with its namespace.
    ///   - value: the value.
    package init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// Decodes one metadata key and value, when they describe a usable extended attribute.
    /// - Parameters:
    ///   - key: the metadata key; must start with `unix-ext:`.
    ///   - text: the base64 value.
    /// - Returns: nil when the key is no `unix-ext:` key, the name is empty, longer than
    ///   ``maximumNameBytes`` or contains a NUL, or the value is not padded standard base64 of
    ///   at most ``maximumValueBytes`` bytes.
    package static func decode(key: String, text: String) -> ExtendedAttribute? {
        guard key.hasPrefix(keyPrefix) else { return nil }
        let name = String(key.dropFirst(keyPrefix.count))
        let nameBytes = name.utf8.count
        guard nameBytes > 0, nameBytes <= maximumNameBytes, !name.utf8.contains(0) else { return nil }
        // 4 base64 characters per 3 bytes: anything longer cannot decode to an allowed value.
        guard text.utf8.count <= (maximumValueBytes + 2) / 3 * 4, let value = Base64.decode(text),
              value.count <= maximumValueBytes
        else { return nil }
        return ExtendedAttribute(name: name, value: value)
    }
}
