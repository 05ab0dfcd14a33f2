/// Turning one buffered `filelist.json` object into an entry.
extension FilelistEntry {
    /// Parses one complete object.
    ///
    /// Keys may come in any order; unknown keys are skipped whatever their value. The `type`
    /// is matched ignoring case, as `Enum.TryParse(…, true, …)` does. An object whose type is
    /// unknown or `AlternateStream` is skipped, and so are wrongly typed field values inside
    /// it, just as Duplicati skips such an object without reading it; its syntax must still be
    /// valid.
    /// - Parameter bytes: the object's bytes, `{` to `}`.
    /// - Returns: the entry, or nil for a skipped object.
    /// - Throws: `malformedJSON` for bad syntax; for a known type, `missingField` (`path`; for
    ///   files also `hash` and `size`) and `invalidValue` (wrong value type, a negative size or
    ///   one over ``FilelistEntry/maximumSize``).
    static func parse(object bytes: [UInt8]) throws(DuplicatiFormatError) -> FilelistEntry? {
        var parser = JSONParser(bytes)
        var fields = Fields()
        var object = try parser.beginObject()
        while let key = try parser.nextKey(&object) {
            try fields.read(key, from: &parser)
        }
        try parser.expectEnd()
        return try fields.entry()
    }

    /// The `path` of an object that ``parse(object:)`` refused, as far as it can be read: a lone
    /// surrogate escape or invalid UTF-8 in it reads as U+FFFD. Only for saying where the lost
    /// entry was; nil when the object has no string `path` or its syntax is broken.
    /// - Parameter bytes: the object's bytes, `{` to `}`.
    static func salvagePath(object bytes: [UInt8]) -> String? {
        var parser = JSONParser(bytes)
        parser.repairsText = true
        var path: String?
        do throws(DuplicatiFormatError) {
            var object = try parser.beginObject()
            while let key = try parser.nextKey(&object) {
                if key == "path", try parser.peekKind() == .string {
                    path = try parser.readString()
                } else {
                    try parser.skipValue()
                }
            }
        } catch {
            return path
        }
        return path
    }

    /// The members of one object as read, before its type is known.
    private struct Fields {
        var type: String?
        var path: String?
        var hash: String?
        var size: Int64?
        var time: String?
        var metahash: String?
        var metasize: Int64?
        var metablocklists: [String] = []
        var metablockhash: String?
        var blocklists: [String] = []
        var blockhash: String?
        var blocksize: Int64?
        /// The first wrongly typed value; reported only if the type turns out to be known.
        var deferredError: DuplicatiFormatError?

        mutating func read(_ key: String, from parser: inout JSONParser) throws(DuplicatiFormatError) {
            switch key {
            case "type": type = try string(key, &parser)
            case "path": path = try string(key, &parser)
            case "hash": hash = try string(key, &parser)
            case "size": size = try integer(key, &parser)
            case "time": time = try string(key, &parser)
            case "metahash": metahash = try string(key, &parser)
            case "metasize": metasize = try integer(key, &parser)
            case "metablocklists": metablocklists = try strings(key, &parser)
            case "metablockhash": metablockhash = try string(key, &parser)
            case "blocklists": blocklists = try strings(key, &parser)
            case "blockhash": blockhash = try string(key, &parser)
            case "blocksize": blocksize = try integer(key, &parser)
            default: try parser.skipValue()
            }
        }

        func entry() throws(DuplicatiFormatError) -> FilelistEntry? {
            guard let type else {
                throw deferredError ?? .missingField("type")
            }
            let kind: EntryKind
            switch type.lowercased() {
            case "file": kind = .file
            case "folder": kind = .folder
            case "symlink": kind = .symlink
            default: return nil  // includes "alternatestream": see EntryKind
            }
            if let deferredError { throw deferredError }
            guard let path else { throw .missingField("path") }
            for (name, value) in [("metasize", metasize), ("size", size), ("blocksize", blocksize)] {
                guard let value else { continue }
                if value < 0 { throw .invalidValue("\(name) \(value)") }
                if value > FilelistEntry.maximumSize { throw .invalidValue("\(name) \(value) is over 1 EiB") }
            }
            var entry = FilelistEntry(
                kind: kind, path: path, metahash: metahash, metasize: metasize,
                metablocklists: metablocklists, metablockhash: metablockhash)
            if kind == .file {
                guard let hash else { throw .missingField("hash") }
                guard let size else { throw .missingField("size") }
                entry.hash = hash
                entry.size = size
                entry.time = time
                entry.blocklists = blocklists
                entry.blockhash = blockhash
                entry.blocksize = blocksize
            }
            return entry
        }

        private mutating func string(
            _ key: String, _ parser: inout JSONParser
        ) throws(DuplicatiFormatError) -> String? {
            switch try parser.peekKind() {
            case .string: return try parser.readString()
            case .null: _ = parser.consumeNull(); return nil
            default:
                try parser.skipValue()
                note(.invalidValue("\(key): expected a string"))
                return nil
            }
        }

        private mutating func integer(
            _ key: String, _ parser: inout JSONParser
        ) throws(DuplicatiFormatError) -> Int64? {
            switch try parser.peekKind() {
            case .number:
                do throws(DuplicatiFormatError) {
                    return try parser.readInt64(field: key)
                } catch .invalidValue(let message) {
                    // readInt64 leaves the parser after the whole number.
                    note(.invalidValue(message))
                    return nil
                }
            case .null: _ = parser.consumeNull(); return nil
            default:
                try parser.skipValue()
                note(.invalidValue("\(key): expected an integer"))
                return nil
            }
        }

        private mutating func strings(
            _ key: String, _ parser: inout JSONParser
        ) throws(DuplicatiFormatError) -> [String] {
            switch try parser.peekKind() {
            case .array: break
            case .null: _ = parser.consumeNull(); return []
            default:
                try parser.skipValue()
                note(.invalidValue("\(key): expected an array"))
                return []
            }
            var result: [String] = []
            var array = try parser.beginArray()
            while try parser.nextElement(&array) {
                if try parser.peekKind() == .string {
                    result.append(try parser.readString())
                } else {
                    try parser.skipValue()
                    note(.invalidValue("\(key): expected strings"))
                }
            }
            return result
        }

        private mutating func note(_ error: DuplicatiFormatError) {
            if deferredError == nil { deferredError = error }
        }
    }
}
