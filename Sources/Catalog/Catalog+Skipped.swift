extension Catalog {
    /// The entries of a version's file list left out of its tree, at or below a place.
    ///
    /// Streams the rows: a list with a million broken entries costs one pass, and only
    /// `examples` of them are kept.
    /// - Parameters:
    ///   - version: the version.
    ///   - components: where to look (`["data", "x"]`); `[]` or nil for the whole version,
    ///     which also counts entries whose place is unknown.
    ///   - examples: how many to return at most (in list order).
    /// - Returns: how many there are, and the first few.
    package func skippedEntries(
        version: Int64, under components: [String]? = nil, examples: Int = 5
    ) throws -> (count: Int, examples: [SkippedEntry]) {
        try withState { state in
            var count = 0
            var found: [SkippedEntry] = []
            let prefix = components.flatMap { $0.isEmpty ? nil : Array(("/" + $0.joined(separator: "/")).utf8) }
            try state.statement("SELECT path, location, reason FROM skipped WHERE version=? ORDER BY seq")
                .forEach([.integer(version)]) { row in
                    let location = row.optionalText(1)
                    if let prefix {
                        // Bytes, not String: NFC and NFD twins are different places.
                        guard let location, Self.isAt(Array(location.utf8), orBelow: prefix) else { return }
                    }
                    count += 1
                    if found.count < examples {
                        found.append(SkippedEntry(path: row.text(0), location: location, reason: row.text(2)))
                    }
                }
            return (count, found)
        }
    }

    private static func isAt(_ location: [UInt8], orBelow prefix: [UInt8]) -> Bool {
        guard location.starts(with: prefix) else { return false }
        return location.count == prefix.count || location[prefix.count] == UInt8(ascii: "/")
    }
}
