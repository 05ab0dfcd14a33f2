/// What `dupfs find` looks for: an exact name, or a glob over whole paths.
///
/// A pattern holding no `/` and none of `*`, `?`, `[` is a name, matched byte for byte
/// against entry names anywhere in the tree. Anything else is a case-sensitive glob matched
/// against the whole path (`/data/x/y.txt`):
/// - `*` matches any run of characters, `/` included (`/data/*.txt` finds `/data/a/b.txt`);
/// - `?` matches one character (one Unicode scalar), `/` included;
/// - `[abc]`, `[a-z0-9]` match one character of the set, `[!a-z]` or `[^a-z]` one not in it;
///   a `]` first in the set is a member; ranges compare Unicode scalar values;
/// - `\` makes the next character literal, inside sets too.
package enum PathPattern: Sendable, Equatable {
    /// Entries with exactly this name.
    case name(String)
    /// Paths the glob matches.
    case glob(Glob)

    /// Why a pattern cannot be used.
    package struct ParseError: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    /// Reads a pattern as `find` takes it.
    /// - Throws: ``ParseError`` for an empty pattern, an unclosed `[`, a trailing `\` or a
    ///   range running backwards.
    package init(_ text: String) throws(ParseError) {
        guard !text.isEmpty else { throw ParseError(description: "the pattern is empty") }
        if !text.utf8.contains(where: { $0 == 0x2F || $0 == 0x2A || $0 == 0x3F || $0 == 0x5B }) {
            self = .name(text)
        } else {
            self = .glob(try Glob(text))
        }
    }

    /// A compiled glob.
    package struct Glob: Sendable, Equatable {
        enum Token: Sendable, Equatable {
            case literal(UInt8)
            case anyCharacter
            case anyRun
            case set(negated: Bool, ranges: [ClosedRange<UInt32>])
        }

        let tokens: [Token]

        /// Compiles a glob.
        /// - Throws: ``ParseError``.
        package init(_ text: String) throws(ParseError) {
            let scalars = Array(text.unicodeScalars)
            var tokens: [Token] = []
            var i = 0
            func literal(_ scalar: Unicode.Scalar) {
                for byte in String(scalar).utf8 { tokens.append(.literal(byte)) }
            }
            while i < scalars.count {
                let c = scalars[i]
                i += 1
                switch c {
                case "*":
                    if tokens.last != .anyRun { tokens.append(.anyRun) }
                case "?":
                    tokens.append(.anyCharacter)
                case "\\":
                    guard i < scalars.count else { throw ParseError(description: "the pattern ends with a lone \\") }
                    literal(scalars[i])
                    i += 1
                case "[":
                    var negated = false
                    if i < scalars.count, scalars[i] == "!" || scalars[i] == "^" {
                        negated = true
                        i += 1
                    }
                    var ranges: [ClosedRange<UInt32>] = []
                    var first = true
                    var closed = false
                    while i < scalars.count {
                        var low = scalars[i]
                        i += 1
                        if low == "]" && !first {
                            closed = true
                            break
                        }
                        first = false
                        if low == "\\" {
                            guard i < scalars.count else { break }
                            low = scalars[i]
                            i += 1
                        }
                        var high = low
                        if i + 1 < scalars.count, scalars[i] == "-", scalars[i + 1] != "]" {
                            high = scalars[i + 1]
                            i += 2
                            if high == "\\" {
                                guard i < scalars.count else { break }
                                high = scalars[i]
                                i += 1
                            }
                            guard low.value <= high.value else {
                                throw ParseError(description: "the range [\(low)-\(high)] runs backwards")
                            }
                        }
                        ranges.append(low.value...high.value)
                    }
                    guard closed else { throw ParseError(description: "a [ in the pattern is not closed by ]") }
                    tokens.append(.set(negated: negated, ranges: ranges))
                default:
                    literal(c)
                }
            }
            self.tokens = tokens
        }

        /// Whether the glob matches the whole of `path`.
        package func matches(_ path: String) -> Bool {
            var path = path
            return path.withUTF8 { matches(bytes: $0) }
        }

        /// Whether the glob matches the whole of these UTF-8 bytes.
        package func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            var t = 0, p = 0
            // Where to go back to: the token after the last `*`, and where its run ends now.
            var starToken = -1, starEnd = 0
            while true {
                if t < tokens.count {
                    switch tokens[t] {
                    case .anyRun:
                        starToken = t + 1
                        starEnd = p
                        t += 1
                        continue
                    case .literal(let byte):
                        if p < bytes.count, bytes[p] == byte {
                            t += 1
                            p += 1
                            continue
                        }
                    case .anyCharacter:
                        if p < bytes.count {
                            p += Self.scalarLength(bytes, at: p)
                            t += 1
                            continue
                        }
                    case .set(let negated, let ranges):
                        if p < bytes.count {
                            let (value, length) = Self.scalar(bytes, at: p)
                            if ranges.contains(where: { $0.contains(value) }) != negated {
                                p += length
                                t += 1
                                continue
                            }
                        }
                    }
                } else if p == bytes.count {
                    return true
                }
                // Mismatch: let the last `*` take one more character, or fail.
                guard starToken >= 0, starEnd < bytes.count else { return false }
                starEnd += Self.scalarLength(bytes, at: starEnd)
                p = starEnd
                t = starToken
            }
        }

        /// The length of the UTF-8 sequence starting at `i` (1 for a stray byte).
        static func scalarLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
            let lead = bytes[i]
            let length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            var n = 1
            while n < length, i + n < bytes.count, bytes[i + n] & 0xC0 == 0x80 { n += 1 }
            return n
        }

        /// The scalar value starting at `i` and its length (a stray byte stands for itself).
        static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
            let length = scalarLength(bytes, at: i)
            guard length > 1 else { return (UInt32(bytes[i]), 1) }
            let masks: [UInt8] = [0, 0, 0x1F, 0x0F, 0x07]
            var value = UInt32(bytes[i] & masks[length])
            for k in 1..<length { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
            return (value, length)
        }
    }
}
