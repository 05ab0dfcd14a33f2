/// A pull parser over one complete JSON document held in memory.
///
/// Callers walk the document with `beginObject`/`nextKey`, `beginArray`/`nextElement` and the
/// typed readers, and `skipValue` whatever they don't need, so a large `vol/` list or metadata
/// blob is never turned into a tree. Syntax follows RFC 8259 strictly; strings must be valid
/// UTF-8 and may not contain lone surrogate escapes (unless `repairsText`, used only to say
/// where a refused object was).
struct JSONParser {
    /// The kind of the next value, from its first byte.
    enum ValueKind: Equatable {
        case object, array, string, number, bool, null
    }

    /// Comma bookkeeping for one open object or array.
    struct Container {
        fileprivate var isFirst = true
    }

    /// How deep `skipValue` may nest before the input counts as hostile.
    static let maxDepth = 256

    private let bytes: [UInt8]
    private var position: Int
    /// Strings with a lone surrogate escape or invalid UTF-8 read with U+FFFD in their place
    /// instead of failing: only to say where a broken object was (never for values we keep).
    var repairsText = false

    /// - Parameter bytes: the document; a leading UTF-8 BOM is skipped.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
        } else {
            position = 0
        }
    }

    // MARK: Structure

    /// The kind of the next value, after whitespace.
    mutating func peekKind() throws(DuplicatiFormatError) -> ValueKind {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw error("unexpected byte 0x\(String(bytes[position], radix: 16))")
        }
    }

    /// Consumes `{`.
    mutating func beginObject() throws(DuplicatiFormatError) -> Container {
        try expect(UInt8(ascii: "{"), "expected an object")
        return Container()
    }

    /// Moves to the next member of an object.
    /// - Returns: the member's key (the parser then sits on its value), or nil after `}`.
    mutating func nextKey(_ container: inout Container) throws(DuplicatiFormatError) -> String? {
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return nil }
        if container.isFirst {
            container.isFirst = false
        } else {
            try expect(UInt8(ascii: ","), "expected ',' or '}'")
            skipWhitespace()
        }
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw error("expected a member name")
        }
        let key = try readString()
        try expect(UInt8(ascii: ":"), "expected ':'")
        return key
    }

    /// Consumes `[`.
    mutating func beginArray() throws(DuplicatiFormatError) -> Container {
        try expect(UInt8(ascii: "["), "expected an array")
        return Container()
    }

    /// Moves to the next element of an array.
    /// - Returns: true if the parser now sits on an element, false after `]`.
    mutating func nextElement(_ container: inout Container) throws(DuplicatiFormatError) -> Bool {
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return false }
        if container.isFirst {
            container.isFirst = false
        } else {
            try expect(UInt8(ascii: ","), "expected ',' or ']'")
        }
        return true
    }

    /// Checks that only whitespace remains.
    mutating func expectEnd() throws(DuplicatiFormatError) {
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected data after the document") }
    }

    // MARK: Values

    /// Reads a string value, decoding every escape.
    mutating func readString() throws(DuplicatiFormatError) -> String {
        skipWhitespace()
        try expect(UInt8(ascii: "\""), "expected a string")
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = try decodeUTF8(bytes[start..<position])
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in a string") }
            position += 1
        }
        guard position < bytes.count else { throw error("unterminated string") }
        var buffer = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try decodeUTF8(buffer[...])
            case UInt8(ascii: "\\"):
                try readEscape(into: &buffer)
            case 0..<0x20:
                throw error("control character in a string")
            default:
                buffer.append(byte)
            }
        }
        throw error("unterminated string")
    }

    /// Reads an integer number (no fraction, no exponent) that fits in `Int64`.
    /// - Throws: `invalidValue` for a non-integer or out-of-range number, `malformedJSON` for bad syntax.
    mutating func readInt64(field: String) throws(DuplicatiFormatError) -> Int64 {
        skipWhitespace()
        let start = position
        let negative = consume(UInt8(ascii: "-"))
        var value: Int64 = 0
        var digits = 0
        var overflow = false
        while position < bytes.count, let digit = Self.digit(bytes[position]) {
            if digits == 1, value == 0 { throw error("leading zero in a number") }
            if !overflow {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = negative
                    ? times10.subtractingReportingOverflow(Int64(digit))
                    : times10.addingReportingOverflow(Int64(digit))
                overflow = o1 || o2
                value = next
            }
            digits += 1
            position += 1
        }
        guard digits > 0 else {
            position = start
            throw error("expected a number")
        }
        if position < bytes.count,
           [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
            position = start
            try skipNumber()
            throw .invalidValue("\(field): expected an integer")
        }
        if overflow { throw .invalidValue("\(field): number out of range") }
        return value
    }

    /// Reads `true` or `false`.
    mutating func readBool() throws(DuplicatiFormatError) -> Bool {
        skipWhitespace()
        if consumeLiteral("true") { return true }
        if consumeLiteral("false") { return false }
        throw error("expected true or false")
    }

    /// Consumes `null` if it is next.
    /// - Returns: whether a `null` was consumed.
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        return consumeLiteral("null")
    }

    /// Reads a number's literal text, validating its syntax.
    mutating func readNumberText() throws(DuplicatiFormatError) -> String {
        skipWhitespace()
        let start = position
        try skipNumber()
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Skips one value of any kind, validating its syntax.
    mutating func skipValue() throws(DuplicatiFormatError) {
        try skipValue(depth: 0)
    }

    private mutating func skipValue(depth: Int) throws(DuplicatiFormatError) {
        guard depth < Self.maxDepth else { throw error("nesting too deep") }
        switch try peekKind() {
        case .object:
            var container = try beginObject()
            while try nextKey(&container) != nil {
                try skipValue(depth: depth + 1)
            }
        case .array:
            var container = try beginArray()
            while try nextElement(&container) {
                try skipValue(depth: depth + 1)
            }
        case .string:
            _ = try readString()
        case .number:
            try skipNumber()
        case .bool:
            _ = try readBool()
        case .null:
            guard consumeNull() else { throw error("expected null") }
        }
    }

    // MARK: Lexing

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(DuplicatiFormatError) {
        skipWhitespace()
        guard consume(byte) else {
            throw error(position < bytes.count ? message : "unexpected end of input")
        }
    }

    private mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { return false }
        let matches = literal.withUTF8Buffer { text in
            text.indices.allSatisfy { bytes[position + $0] == text[$0] }
        }
        guard matches else { return false }
        position += count
        return true
    }

    /// Validates `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func skipNumber() throws(DuplicatiFormatError) {
        _ = consume(UInt8(ascii: "-"))
        guard position < bytes.count, Self.digit(bytes[position]) != nil else {
            throw error("expected a number")
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        if consume(UInt8(ascii: ".")) {
            guard skipDigits() > 0 else { throw error("expected digits after '.'") }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard skipDigits() > 0 else { throw error("expected digits in an exponent") }
        }
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = position
        while position < bytes.count, Self.digit(bytes[position]) != nil { position += 1 }
        return position - start
    }

    /// Decodes the escape after a backslash, appending its UTF-8 bytes.
    private mutating func readEscape(into buffer: inout [UInt8]) throws(DuplicatiFormatError) {
        guard position < bytes.count else { throw error("unterminated string") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4()
            let scalarValue: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low surrogate.
                let afterHigh = position
                guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")) else {
                    position = afterHigh
                    try loneSurrogate(into: &buffer)
                    return
                }
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    position = afterHigh
                    try loneSurrogate(into: &buffer)
                    return
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                try loneSurrogate(into: &buffer)
                return
            default:
                scalarValue = UInt32(unit)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw error("invalid escape") }
            buffer.append(contentsOf: UTF8.encode(scalar).map { Array($0) } ?? [])
        default:
            throw error("invalid escape")
        }
    }

    /// A surrogate escape without its partner: an error, or U+FFFD when repairing text.
    private func loneSurrogate(into buffer: inout [UInt8]) throws(DuplicatiFormatError) {
        guard repairsText else { throw error("lone surrogate escape") }
        buffer += [0xEF, 0xBF, 0xBD]
    }

    private mutating func readHex4() throws(DuplicatiFormatError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw error("unterminated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt16(nibble)
            position += 1
        }
        return value
    }

    private func decodeUTF8(_ slice: ArraySlice<UInt8>) throws(DuplicatiFormatError) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else {
            if repairsText { return String(decoding: slice, as: UTF8.self) }
            throw error("invalid UTF-8 in a string")
        }
        return text
    }

    private static func digit(_ byte: UInt8) -> UInt8? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? byte - UInt8(ascii: "0") : nil
    }

    private func error(_ message: String) -> DuplicatiFormatError {
        .malformedJSON("\(message) at byte \(position)")
    }
}
