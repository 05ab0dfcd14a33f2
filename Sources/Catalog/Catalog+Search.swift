/// An entry's place in its version's tree, without its content: what a search needs.
package struct EntryName: Sendable, Hashable {
    /// The entry's id in its version (as ``EntryRecord/id``).
    package let id: Int64
    /// The id of the folder holding it (0: the version's root).
    package let parent: Int64
    package let name: String
    package let kind: EntryKindCode
}

/// Searches over a whole version, for `dupfs find`. Both read only the index, never storage;
/// a schema that keeps names apart from versions can answer them from its own tables.
extension Catalog {
    /// Every entry of a version with exactly this name (byte-exact), the root excepted, in no
    /// promised order.
    /// - Parameters:
    ///   - version: the version's ``VersionRecord/id``.
    ///   - name: the name.
    /// - Throws: ``SQLiteError``.
    package func entries(version: Int64, named name: String) throws -> [EntryName] {
        try withState { state in
            // Ids and parents alone come from the (version, parent, name) index, without reading
            // the wide entry rows; the few matches' kinds are looked up one by one.
            var found: [(id: Int64, parent: Int64)] = []
            try state.statement("SELECT id, parent FROM entries WHERE version=? AND name=? AND id != 0")
                .forEach([.integer(version), .text(name)]) { found.append(($0.int(0), $0.int(1))) }
            let kind = try state.statement("SELECT kind FROM entries WHERE version=? AND id=?")
            return try found.map { match in
                let code = try kind.first([.integer(version), .integer(match.id)]) { $0.int(0) }
                return EntryName(id: match.id, parent: match.parent, name: name, kind: code.flatMap(EntryKindCode.init) ?? .file)
            }
        }
    }

    /// One page of all entries of a version (the root excepted), for a scan of the whole tree
    /// that holds only a page at a time. Every folder comes before the entries inside it
    /// (this page or an earlier one), so a caller can build paths from the folders it has seen.
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
            try state.statement("SELECT id, parent, name, kind FROM entries WHERE version=? AND id > ? ORDER BY id LIMIT ?")
                .forEach([.integer(version), .integer(after ?? 0), .integer(Int64(limit))]) { result.append(Self.entryName($0)) }
            return result
        }
    }

    private static func entryName(_ row: Statement) -> EntryName {
        EntryName(id: row.int(0), parent: row.int(1), name: row.text(2), kind: EntryKindCode(rawValue: row.int(3)) ?? .file)
    }
}
