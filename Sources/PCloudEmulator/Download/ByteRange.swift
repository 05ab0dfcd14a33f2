/// A single `Range: bytes=…` request resolved against a file size.
enum ByteRange: Equatable {
    /// The whole file (no usable `Range` header).
    case whole
    /// Bytes `lower...upper` (inclusive, already clamped to the file).
    case partial(lower: Int64, upper: Int64)
    /// The range cannot be satisfied (416).
    case unsatisfiable

    /// Resolves a `Range` header against `size`.
    ///
    /// Supports `a-b`, `a-` and suffix `-n`; an end past EOF is clamped. A malformed header or a
    /// multi-range request is ignored (whole file), as HTTP allows.
    init(header: String?, size: Int64) {
        guard let header else { self = .whole; return }
        let trimmed = header.trimmingCharactersASCII()
        guard trimmed.lowercased().hasPrefix("bytes=") else { self = .whole; return }
        let spec = trimmed.dropFirst("bytes=".count).trimmingCharactersASCII()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash].trimmingCharactersASCII()
        let second = spec[spec.index(after: dash)...].trimmingCharactersASCII()
        if first.isEmpty {
            guard let suffix = Int64(second), suffix >= 0 else { self = .whole; return }
            if suffix == 0 || size == 0 { self = .unsatisfiable; return }
            self = .partial(lower: max(0, size - suffix), upper: size - 1)
            return
        }
        guard let lower = Int64(first), lower >= 0 else { self = .whole; return }
        var upper = size - 1
        if !second.isEmpty {
            guard let end = Int64(second), end >= lower else { self = .whole; return }
            upper = min(end, size - 1)
        }
        if lower >= size { self = .unsatisfiable; return }
        self = .partial(lower: lower, upper: upper)
    }
}

extension StringProtocol {
    func trimmingCharactersASCII() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
