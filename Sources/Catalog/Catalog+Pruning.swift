extension Catalog {
    /// Deletes the entries of a version that no other version holds (before the version itself
    /// is dropped, when its dlist left the backup), so that an index whose oldest versions are
    /// pruned day after day does not keep every entry they ever held.
    ///
    /// Each entry is looked for in the other versions nearest in time first (entries usually
    /// live in a stretch of consecutive versions), so an entry still held costs a probe or two;
    /// only those held nowhere else are looked for in every version. Streams the version's runs.
    static func dropUnsharedEntries(of version: Int64, _ state: inout State) throws {
        guard let (slot, time) = try state.statement("SELECT slot, time FROM versions WHERE id=?")
            .first([.integer(version)], { ($0.optionalInt(0), $0.int(1)) }), let slot
        else { return }
        var others: [Int64] = []
        try state.statement("""
            SELECT slot FROM versions WHERE slot IS NOT NULL AND id != ? ORDER BY abs(time - ?), slot
            """).forEach([.integer(version), .integer(time)]) { others.append($0.int(0)) }
        var runs: [(entry: Int64, count: Int64)] = []
        var after: Int64 = -1
        let probe = try state.statement("""
            SELECT entry + ifnull(count, 1) > ?2 FROM member_entries WHERE slot = ?1 AND entry <= ?2 ORDER BY entry DESC LIMIT 1
            """)
        let page = try state.statement(
            "SELECT entry, ifnull(count, 1) FROM member_entries WHERE slot = ? AND entry > ? ORDER BY entry LIMIT 4096")
        let pathOf = try state.statement("SELECT path FROM entries WHERE id = ?")
        let delete = try state.statement("DELETE FROM entries WHERE id = ?")
        // A path no entry and no other path uses any more goes too (a folder's path stays while
        // a name below it does).
        let deletePath = try state.statement("""
            DELETE FROM paths WHERE id = ?1 AND id != 0 AND NOT EXISTS (SELECT 1 FROM entries WHERE path = ?1)
            AND NOT EXISTS (SELECT 1 FROM paths WHERE parent = ?1)
            """)
        repeat {
            runs.removeAll(keepingCapacity: true)
            try page.forEach([.integer(slot), .integer(after)]) { runs.append(($0.int(0), $0.int(1))) }
            for run in runs {
                for entry in run.entry..<(run.entry + run.count) {
                    var held = false
                    for other in others where !held {
                        held = try probe.first([.integer(other), .integer(entry)]) { $0.int(0) != 0 } ?? false
                    }
                    guard !held else { continue }
                    let path = try pathOf.first([.integer(entry)]) { $0.int(0) }
                    try delete.run([.integer(entry)])
                    if let path { try deletePath.run([.integer(path)]) }
                }
                after = run.entry
            }
        } while runs.count == 4096
    }
}
