/// A dindex `vol/<dblock name>` entry (§8): the blocks one dblock holds.
///
/// `{"blocks":[{"hash":"<base64>","size":<int>},…],"volumehash":"<base64>","volumesize":<int>}`.
/// Members may come in any order; unknown members are skipped. A dindex is only a hint: the
/// caller must still tolerate it being stale or wrong.
package struct IndexVolumeList: Sendable {
    /// Every block in the dblock (blocklists included): base64 hash and byte size; may be empty.
    package let blocks: [(hash: String, size: Int64)]
    /// FileHash (base64) of the dblock as uploaded (encrypted bytes), when recorded.
    package let volumeHash: String?
    /// Byte size of the dblock as uploaded, when recorded.
    package let volumeSize: Int64?

    /// - Parameters:
    ///   - blocks: hash and size of each block.
    ///   - volumeHash: hash of the uploaded dblock.
    ///   - volumeSize: size of the uploaded dblock.
    package init(blocks: [(hash: String, size: Int64)], volumeHash: String?, volumeSize: Int64?) {
        self.blocks = blocks
        self.volumeHash = volumeHash
        self.volumeSize = volumeSize
    }

    /// Parses a `vol/` entry.
    /// - Parameter bytes: the entry's content (normally without BOM; one is allowed).
    /// - Returns: the list.
    /// - Throws: `malformedJSON`; `missingField` for `blocks` or a block's `hash`/`size`;
    ///   `invalidValue` for wrongly typed values or negative sizes.
    package static func parse(_ bytes: [UInt8]) throws(DuplicatiFormatError) -> IndexVolumeList {
        var parser = JSONParser(bytes)
        var blocks: [(hash: String, size: Int64)]?
        var volumeHash: String?
        var volumeSize: Int64?
        var object = try parser.beginObject()
        while let key = try parser.nextKey(&object) {
            switch key {
            case "blocks":
                blocks = try parseBlocks(&parser)
            case "volumehash":
                volumeHash = try parser.optionalString(field: "volumehash")
            case "volumesize":
                volumeSize = try parser.optionalInt64(field: "volumesize")
                if let volumeSize, volumeSize < 0 { throw .invalidValue("volumesize \(volumeSize)") }
            default:
                try parser.skipValue()
            }
        }
        try parser.expectEnd()
        guard let blocks else { throw .missingField("blocks") }
        return IndexVolumeList(blocks: blocks, volumeHash: volumeHash, volumeSize: volumeSize)
    }

    private static func parseBlocks(
        _ parser: inout JSONParser
    ) throws(DuplicatiFormatError) -> [(hash: String, size: Int64)] {
        guard try parser.peekKind() == .array else { throw .invalidValue("blocks: expected an array") }
        var blocks: [(hash: String, size: Int64)] = []
        var array = try parser.beginArray()
        while try parser.nextElement(&array) {
            guard try parser.peekKind() == .object else { throw .invalidValue("blocks: expected objects") }
            var hash: String?
            var size: Int64?
            var object = try parser.beginObject()
            while let key = try parser.nextKey(&object) {
                switch key {
                case "hash": hash = try parser.optionalString(field: "hash")
                case "size": size = try parser.optionalInt64(field: "size")
                default: try parser.skipValue()
                }
            }
            guard let hash else { throw .missingField("hash") }
            guard let size else { throw .missingField("size") }
            guard size >= 0 else { throw .invalidValue("size \(size)") }
            blocks.append((hash, size))
        }
        return blocks
    }
}
