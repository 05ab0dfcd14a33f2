/// An entry's place in its version's tree, without its content: what a search needs.
package struct EntryName: Sendable, Hashable {
    /// The entry's id in its version (as ``EntryRecord/id``: its position in the file list).
    package let id: Int64
    /// The path id of the folder holding it (0: the version's root); see ``path``.
    package let parent: Int64
    /// The entry's own path id: the same in every version holding this path, so a scan can
    /// build paths from the folders it has seen (keyed by this) without asking for each.
    package let path: Int64
    package let name: String
    package let kind: EntryKindCode
}

/// Searches over a whole version, for `dupfs find`. Both read only the index, never storage.
/// Paths are stored once per (parent, name) and shared by all versions, so both work on path
/// ids and check membership in the version per candidate.
extension Catalog {
    /// Every entry of a version with exactly this name (byte-exact), the root excepted, in no
    /// promised order.
    /// - Parameters:
    ///   - version: the version's ``VersionRecord/id``.
    ///   - name: the name.
    /// - Throws: ``SQLiteError``.
    package func entries(version: Int64, named name: String) throws -> [EntryName] {
        try withState { state in
            var found: [EntryName] = []
            // The distinct entries ever stored at a path of that name; the version holds at most
            // one of each path's entries.
            try state.statement("""
                SELECT pos, parent, path, kind FROM (
                    SELECT \(Self.position(of: "e.id", alias: "r")) AS pos, p.parent AS parent, p.id AS path, e.kind AS kind
                    FROM paths p JOIN entries e ON e.path = p.id WHERE p.name = ?2 AND p.id != 0)
                WHERE pos IS NOT NULL AND pos != 0
                """).forEach([.integer(version), .text(name)]) { row in
                found.append(EntryName(
                    id: row.int(0), parent: row.int(1), path: row.int(2), name: name,
                    kind: EntryKindCode(rawValue: row.int(3)) ?? .file))
            }
            return found
        }
    }

    /// One page of all entries of a version (the root excepted) in file-list order, for a scan
    /// of the whole tree that holds only a page at a time. Every folder comes before the entries
    /// inside it (this page or an earlier one), so a caller can build paths from the folders it
    /// has seen, keyed by ``EntryName/path``.
    /// - Parameters:
    ///   - version: the version's ``VersionRecord/id``.
    ///   - after: nil for the first page, else the ``EntryName/id`` of the last entry of the
    ///     page before.
    ///   - limit: at most this many.
    /// - Returns: the page; shorter than `limit` only at the end.
    /// - Throws: ``SQLiteError``.
    package func entryNames(version: Int64, after: Int64?, limit: Int) throws -> [EntryName] {
        try withState { state in
            var result: [EntryName] = []
            result.reserveCapacity(min(limit, 65_536))
            try state.statement("""
                SELECT r.pos + (e.id - r.entry) AS pos, p.parent, p.id, p.name, e.kind
                FROM members r JOIN entries e ON e.id > r.entry + max(?2 - r.pos, -1) AND e.id < r.entry + ifnull(r.count, 1)
                JOIN paths p ON p.id = e.path
                WHERE r.slot = \(Self.slot) AND r.pos >= \(Self.runStart(at: "?2")) AND r.pos + ifnull(r.count, 1) > ?2
                ORDER BY r.pos, e.id LIMIT ?3
                """).forEach([.integer(version), .integer(after ?? 0), .integer(Int64(limit))]) { row in
                result.append(EntryName(
                    id: row.int(0), parent: row.int(1), path: row.int(2), name: row.text(3),
                    kind: EntryKindCode(rawValue: row.int(4)) ?? .file))
            }
            return result
        }
    }

    /// The names from the root down to a path (its own name last; none for the root).
    /// - Throws: ``SQLiteError``.
    package func components(ofPath path: Int64) throws -> [String] {
        try withState { state in try state.components(ofPath: path) }
    }
}
