import TestSupport

/// Deterministic file contents: English-like text (deflates about 2–3x, like documents and
/// source code) or random bytes (like media), unique per seed so nothing deduplicates by accident.
struct ContentGenerator {
    private var random: SeededGenerator
    private let words: [[UInt8]]

    /// - Parameter seed: the same seed gives the same bytes.
    init(seed: String) {
        random = SeededGenerator(seed: seed)
        var vocabulary = SeededGenerator(seed: "vocabulary")
        let letters = Array("etaoinshrdlcumwfgypbvkjxqz".utf8)
        words = (0..<2048).map { _ in
            let length = 2 + Int(vocabulary.next() % 9)
            // Skewed letter choice, as in real text.
            return (0..<length).map { _ in letters[Int((vocabulary.next() % 26) * (vocabulary.next() % 26) / 25)] }
        }
    }

    /// Text of exactly `count` bytes: words, spaces, a line break every dozen words.
    mutating func text(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            var position = 0
            var wordsOnLine = 0
            while position < count {
                let bits = random.next()
                // Zipf-like: low indices are far more common.
                let index = Int(((bits & 0x7FF) * ((bits >> 11) & 0x7FF)) >> 11)  // Swift's >> binds tighter than *
                for byte in words[index] where position < count {
                    buffer[position] = byte
                    position += 1
                }
                guard position < count else { break }
                wordsOnLine += 1
                buffer[position] = wordsOnLine % 12 == 0 ? 0x0A : 0x20
                if (bits >> 40) % 97 == 0, position + 1 < count {
                    // A number now and then keeps the text from being too regular.
                    buffer[position] = 0x30 + UInt8((bits >> 50) % 10)
                }
                position += 1
            }
        }
        return out
    }

    /// `count` random bytes.
    mutating func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                let word = random.next()
                for shift in 0..<min(8, count - offset) {
                    raw[offset] = UInt8(truncatingIfNeeded: word >> UInt64(8 * shift))
                    offset += 1
                }
            }
        }
        return out
    }

    /// A number in `range`.
    mutating func number(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &random)
    }
}
