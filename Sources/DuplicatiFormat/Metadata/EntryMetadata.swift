/// A metadata blob (§9): a JSON object of string keys to string values, stored and hashed
/// like file content, with the well-known keys decoded.
///
/// Decoding of the well-known keys is lenient: a value that doesn't parse leaves its property
/// nil (or empty) rather than failing, since the blob still names a valid file.
package struct EntryMetadata: Sendable, Equatable {
    /// Every key and value as stored.
    package let values: [String: String]
    /// `CoreLastWritetime`.
    package var lastWriteTime: DotNetTicks?
    /// `CoreCreatetime`.
    package var creationTime: DotNetTicks?
    /// Permission bits from `unix:uid-gid-perm` (decimal), masked to 0o7777.
    package var permissions: UInt32?
    /// Owner id from `unix:uid-gid-perm`.
    package var uid: UInt32?
    /// Group id from `unix:uid-gid-perm`.
    package var gid: UInt32?
    /// `unix:owner-name`.
    package var ownerName: String?
    /// `unix:group-name`.
    package var groupName: String?
    /// `CoreSymlinkTarget`, exactly as read (may be relative to the link's folder).
    package var symlinkTarget: String?
    /// `CoreAttributes` split on `,` and trimmed, e.g. `["ReadOnly", "Archive"]`.
    package var attributes: [String]
    /// `CoreAttributes` decoded (nil when absent or not understood).
    package var windowsAttributes: WindowsAttributes?
    /// The `unix-ext:` keys decoded, in the blob's order (``init(values:)``: sorted by name).
    /// Keys whose value is not valid base64 or whose name or value exceeds the Linux limits are
    /// left out, as are names beyond ``ExtendedAttribute/maximumListBytes`` in total.
    package var extendedAttributes: [ExtendedAttribute]

    /// Decodes the well-known keys of a dictionary.
    /// - Parameter values: the blob's keys and values.
    package init(values: [String: String]) {
        self.init(values: values, keyOrder: values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    /// Decodes the well-known keys, taking extended attributes in `keyOrder`.
    private init(values: [String: String], keyOrder: [String]) {
        self.values = values
        extendedAttributes = Self.extendedAttributes(values, keyOrder: keyOrder)
        lastWriteTime = values["CoreLastWritetime"].flatMap(DotNetTicks.init(decimal:))
        creationTime = values["CoreCreatetime"].flatMap(DotNetTicks.init(decimal:))
        ownerName = values["unix:owner-name"]
        groupName = values["unix:group-name"]
        symlinkTarget = values["CoreSymlinkTarget"]
        attributes = (values["CoreAttributes"] ?? "")
            .split(separator: ",")
            .map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty }
        windowsAttributes = values["CoreAttributes"].flatMap(WindowsAttributes.init(text:))
        // "<uid>-<gid>-<perm>": all three or none, as `SystemIOLinux.SetMetadata` requires.
        if let triple = values["unix:uid-gid-perm"] {
            let parts = triple.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 3, let uid = Self.decimal(parts[0]), let gid = Self.decimal(parts[1]),
               let mode = Self.decimal(parts[2]) {
                self.uid = uid
                self.gid = gid
                permissions = mode & 0o7777
            }
        }
    }

    /// Parses a metadata blob. Numbers and booleans become their literal text and `null`
    /// values are left out, as a Newtonsoft `Dictionary<string,string>` would read them.
    /// - Parameter bytes: the blob; normally with a UTF-8 BOM. `{}` is valid.
    /// - Returns: the metadata.
    /// - Throws: `malformedJSON` unless it is one JSON object; `invalidValue` for a nested
    ///   array or object as a value.
    package static func parse(_ bytes: [UInt8]) throws(DuplicatiFormatError) -> EntryMetadata {
        var parser = JSONParser(bytes)
        var values: [String: String] = [:]
        var extendedKeys: [String] = []
        var object = try parser.beginObject()
        while let key = try parser.nextKey(&object) {
            if key.hasPrefix(ExtendedAttribute.keyPrefix) { extendedKeys.append(key) }
            switch try parser.peekKind() {
            case .string: values[key] = try parser.readString()
            case .number: values[key] = try parser.readNumberText()
            case .bool: values[key] = try parser.readBool() ? "True" : "False"
            case .null: _ = parser.consumeNull(); values[key] = nil
            case .object, .array: throw .invalidValue("metadata \(key.prefix(64)): not a string")
            }
        }
        try parser.expectEnd()
        return EntryMetadata(values: values, keyOrder: extendedKeys)
    }

    /// The usable `unix-ext:` attributes, each name once (a repeated key keeps its first place
    /// and its last value, as the dictionary does), within the `listxattr` size limit.
    private static func extendedAttributes(_ values: [String: String], keyOrder: [String]) -> [ExtendedAttribute] {
        var seen = Set<String>()
        var listBytes = 0
        var out: [ExtendedAttribute] = []
        for key in keyOrder where key.hasPrefix(ExtendedAttribute.keyPrefix) {
            guard seen.insert(key).inserted, let text = values[key],
                  let attribute = ExtendedAttribute.decode(key: key, text: text)
            else { continue }
            listBytes += attribute.name.utf8.count + 1
            guard listBytes <= ExtendedAttribute.maximumListBytes else { break }
            out.append(attribute)
        }
        return out
    }

    private static func decimal(_ text: Substring) -> UInt32? {
        guard !text.isEmpty, text.utf8.count <= 10,
              text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return UInt32(text)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var slice = self[...]
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
