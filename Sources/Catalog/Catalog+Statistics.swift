/// How big the index's trees are: what the many-version layout stores once and what per version.
package struct IndexStatistics: Sendable, Hashable {
    /// Distinct (parent, name) pairs.
    package let paths: Int64
    /// Distinct entries (a path with one content), however many versions hold each.
    package let entries: Int64
    /// Runs of membership rows over all versions.
    package let memberRuns: Int64
    /// (version, entry) pairs those runs stand for.
    package let memberships: Int64
}

extension Catalog {
    /// Counts of the tables that hold the versions' trees.
    /// - Throws: ``SQLiteError``.
    package func statistics() throws -> IndexStatistics {
        try withState { state in
            func count(_ sql: String) throws -> Int64 { try state.statement(sql).first { $0.int(0) } ?? 0 }
            return IndexStatistics(
                paths: try count("SELECT COUNT(*) FROM paths WHERE id != 0"), entries: try count("SELECT COUNT(*) FROM entries"),
                memberRuns: try count("SELECT COUNT(*) FROM members"),
                memberships: try count("SELECT COALESCE(SUM(ifnull(count, 1)), 0) FROM members"))
        }
    }

    /// The ids of the distinct entries a version holds, in list order (for tests and checks).
    /// - Throws: ``SQLiteError``.
    package func memberEntries(version: Int64) throws -> [Int64] {
        try withState { state in
            var result: [Int64] = []
            try state.statement("SELECT entry, ifnull(count, 1) FROM members WHERE slot = \(Self.slot) ORDER BY pos").forEach([.integer(version)]) { row in
                result += (row.int(0)..<(row.int(0) + row.int(1)))
            }
            return result
        }
    }
}
