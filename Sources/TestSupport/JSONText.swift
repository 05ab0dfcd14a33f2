/// Compact JSON text written the way Newtonsoft.Json writes it: keys in insertion order, no
/// whitespace, non-ASCII raw, and only `"`, `\`, control characters and U+0085/U+2028/U+2029
/// escaped.
struct JSONText {
    /// The UTF-8 byte-order mark that .NET's `Encoding.UTF8` writes first.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private var members: [String] = []

    /// Adds a string member.
    mutating func add(_ key: String, _ value: String) {
        members.append(Self.quote(key) + ":" + Self.quote(value))
    }

    /// Adds an integer member.
    mutating func add(_ key: String, _ value: Int) {
        members.append(Self.quote(key) + ":" + String(value))
    }

    /// Adds a boolean member.
    mutating func add(_ key: String, _ value: Bool) {
        members.append(Self.quote(key) + ":" + (value ? "true" : "false"))
    }

    /// Adds an array-of-strings member.
    mutating func add(_ key: String, _ values: [String]) {
        members.append(Self.quote(key) + ":[" + values.map(Self.quote).joined(separator: ",") + "]")
    }

    /// Adds a member whose value is already JSON text.
    mutating func addRaw(_ key: String, _ json: String) {
        members.append(Self.quote(key) + ":" + json)
    }

    /// The object's text.
    var text: String { "{" + members.joined(separator: ",") + "}" }

    /// A JSON string literal for `value`.
    static func quote(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x85 || scalar.value == 0x2028
                || scalar.value == 0x2029:
                out += "\\u" + hex4(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// UTF-8 bytes of `text`, optionally preceded by the BOM.
    static func bytes(_ text: String, bom: Bool) -> [UInt8] {
        (bom ? byteOrderMark : []) + Array(text.utf8)
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
