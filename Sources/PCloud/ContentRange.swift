import Foundation

/// A parsed `Content-Range: bytes first-last/total` header.
package struct ContentRange: Sendable, Equatable {
    /// The first byte's offset.
    package let first: Int64
    /// The last byte's offset (inclusive).
    package let last: Int64
    /// The full size, or `nil` for `*`.
    package let total: Int64?

    /// Parses the header value.
    /// - Parameter value: for instance `bytes 0-99/1234`.
    /// - Returns: the range, or `nil` when the value is malformed or unsatisfied (`bytes */1234`).
    package init?(_ value: String) {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst("bytes ".count).trimmingCharacters(in: .whitespaces)
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        let bounds = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]),
            first >= 0, last >= first
        else { return nil }
        if halves[1] == "*" {
            total = nil
        } else {
            guard let size = Int64(halves[1]), size > last else { return nil }
            total = size
        }
        self.first = first
        self.last = last
    }
}
