/// Sizes as users write them: `512`, `64K`, `256M`, `2G`, `1T` (binary units; `B`/`iB` suffixes ok).
enum Sizes {
    static func parse(_ text: String, what: String) throws -> Int {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
            digits.removeLast(suffix.count)
        }
        var multiplier = 1
        if let last = digits.last, let shift = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] {
            multiplier = 1 << shift
            digits.removeLast()
        }
        guard let value = Double(digits), value >= 0, value * Double(multiplier) < Double(Int.max / 2) else {
            throw UsageError(message: "\(what): '\(text)' is not a size (examples: 512M, 2G)")
        }
        return Int(value * Double(multiplier))
    }
}

import Foundation
