/// Typed readers for one member's value, treating `null` as absent.
extension JSONParser {
    /// Reads a string, or nil for `null`.
    /// - Throws: `invalidValue` if the value is of another kind.
    mutating func optionalString(field: String) throws(DuplicatiFormatError) -> String? {
        switch try peekKind() {
        case .null: _ = consumeNull(); return nil
        case .string: return try readString()
        default: throw .invalidValue("\(field): expected a string")
        }
    }

    /// Reads an integer, or nil for `null`.
    /// - Throws: `invalidValue` if the value is of another kind or out of range.
    mutating func optionalInt64(field: String) throws(DuplicatiFormatError) -> Int64? {
        switch try peekKind() {
        case .null: _ = consumeNull(); return nil
        case .number: return try readInt64(field: field)
        default: throw .invalidValue("\(field): expected an integer")
        }
    }

    /// Reads an array of strings; `null` gives an empty array.
    /// - Throws: `invalidValue` if the value or an element is of another kind.
    mutating func stringArray(field: String) throws(DuplicatiFormatError) -> [String] {
        switch try peekKind() {
        case .null: _ = consumeNull(); return []
        case .array: break
        default: throw .invalidValue("\(field): expected an array")
        }
        var result: [String] = []
        var array = try beginArray()
        while try nextElement(&array) {
            guard try peekKind() == .string else { throw .invalidValue("\(field): expected strings") }
            result.append(try readString())
        }
        return result
    }
}
