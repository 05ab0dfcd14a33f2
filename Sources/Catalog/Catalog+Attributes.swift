/// An entry together with its decoded metadata, when the index already holds it: everything
/// `ls -l` needs, read in one query.
package struct EntryWithMetadata: Sendable, Hashable {
    package let entry: EntryRecord
    /// The decoded metadata; nil when the entry has none (`entry.metahash == nil`) or when it
    /// has not been fetched and decoded yet (see ``metadataPending``).
    package let metadata: MetadataRecord?

    /// Creates the pair.
    /// - Parameters:
    ///   - entry: the entry.
    ///   - metadata: its decoded metadata, if at hand.
    package init(entry: EntryRecord, metadata: MetadataRecord?) {
        self.entry = entry
        self.metadata = metadata
    }

    /// The entry has metadata in the backup that the index has not decoded yet (it must be
    /// fetched before the entry's attributes are known).
    package var metadataPending: Bool { entry.metahash != nil && metadata == nil }
}

extension Catalog {
    /// The columns of an entry with its path and its metadata (`e`, `p`, `m`), in the order
    /// ``entryWithMetadata(_:_:version:position:parent:)`` reads them; position and parent
    /// position follow at 27 and 28 where a query selects them.
    static let joinedColumns = """
        e.id, p.parent, p.name, e.kind, e.size, e.hash, e.blocklists, e.blockhash, e.metahash, e.metasize,
        e.metablocklists, e.metablockhash, e.spelling, e.listed, e.listtime, e.path,
        m.hash, m.mode, m.uid, m.gid, m.mtime, m.mtimensec, m.owner, m.grp, m.target, m.xattrs, m.winattrs
        """

    static let joinedFrom = "FROM entries e JOIN paths p ON p.id = e.path LEFT JOIN metadata m ON m.hash = e.metahash"

    /// SQL for the slot of version `?1` (computed once per statement: it is not correlated).
    static let slot = "(SELECT slot FROM versions WHERE id = ?1)"

    /// SQL for where the run holding position `after` of version `?1`'s list starts (0 when none
    /// does): pages that go on after a position start their search of the runs there, and of
    /// the run's entries at that position (`e.id > r.entry + max(after - r.pos, -1)`), instead
    /// of at the list's start, which made walking a list of n entries cost n²/page.
    static func runStart(at after: String) -> String {
        "ifnull((SELECT m2.pos FROM members m2 WHERE m2.slot = \(slot) AND m2.pos <= \(after) ORDER BY m2.pos DESC LIMIT 1), 0)"
    }

    /// SQL for the position that version `?1` gives entry `entry` (an SQL expression), or NULL
    /// when the version does not hold it: the run that starts at or before it, if it reaches it.
    static func position(of entry: String, alias r: String) -> String {
        """
        (SELECT CASE WHEN \(entry) < \(r).entry + ifnull(\(r).count, 1) THEN \(r).pos + (\(entry) - \(r).entry) END
         FROM member_entries \(r) WHERE \(r).slot = \(slot) AND \(r).entry <= \(entry) ORDER BY \(r).entry DESC LIMIT 1)
        """
    }

    /// SQL for the position of the entry that version `?1` holds at path `path`, or NULL.
    static func position(atPath path: String) -> String {
        "(SELECT \(position(of: "pe.id", alias: "pr")) AS pp FROM entries pe WHERE pe.path = \(path) AND pp IS NOT NULL LIMIT 1)"
    }

    /// Reads one joined row: the entry, and its metadata when a metadata row matched.
    static func entryWithMetadata(
        _ row: Statement, _ state: inout State, version: Int64, position: Int64, parent: Int64
    ) throws -> EntryWithMetadata {
        let kind = EntryKindCode(rawValue: row.int(3)) ?? .file
        let listed = row.int(13) != 0
        let spelling = row.optionalText(12)
        var storedPath = ""
        if listed {
            if let spelling, spelling != "\\" {
                storedPath = spelling
            } else {
                let components = row.int(15) == 0 ? [] : try state.components(ofPath: row.int(1)) + [row.text(2)]
                storedPath = Spelling.storedPath(spelling, components: components, isFolder: kind == .folder, listed: true)
            }
        }
        let entry = EntryRecord(
            version: version, id: position, parent: parent, name: row.text(2), kind: kind, size: row.int(4),
            hash: StoredHash.read(row, 5), blocklists: StoredHash.readList(row, 6), blockhash: StoredHash.read(row, 7),
            metahash: StoredHash.read(row, 8), metasize: row.optionalInt(9), metablocklists: StoredHash.readList(row, 10),
            metablockhash: StoredHash.read(row, 11), storedPath: storedPath, listed: listed, listTime: row.optionalInt(14))
        guard !row.isNull(16) else { return EntryWithMetadata(entry: entry, metadata: nil) }
        return EntryWithMetadata(entry: entry, metadata: metadataRecord(row, from: 17))
    }

    /// The entry id at a position of a version.
    static func entryID(version: Int64, position: Int64, _ state: inout State) throws -> Int64? {
        let found = try state.statement("""
            SELECT entry + (?2 - pos), pos + ifnull(count, 1) > ?2 FROM members WHERE slot = \(slot) AND pos<=?2
            ORDER BY pos DESC LIMIT 1
            """).first([.integer(version), .integer(position)]) { ($0.int(0), $0.int(1) != 0) }
        guard let found, found.1 else { return nil }
        return found.0
    }

    /// The path id of the entry at a position of a version.
    static func pathID(version: Int64, position: Int64, _ state: inout State) throws -> Int64? {
        guard let entry = try entryID(version: version, position: position, &state) else { return nil }
        return try state.statement("SELECT path FROM entries WHERE id=?").first([.integer(entry)]) { $0.int(0) }
    }

    /// A page of a folder's children sorted by name, each with its decoded metadata when the
    /// index holds it (one query for the whole page: what `readdirplus` needs).
    /// - Parameters:
    ///   - version: the version.
    ///   - parent: the folder's entry id.
    ///   - after: return only names sorting after this one (for paging).
    ///   - limit: at most this many.
    /// - Throws: ``SQLiteError``.
    package func childrenWithMetadata(version: Int64, parent: Int64, after: String? = nil, limit: Int = Int.max) throws
        -> [EntryWithMetadata]
    {
        try withState { state in
            guard let folder = try Self.pathID(version: version, position: parent, &state) else { return [] }
            var rows: [EntryWithMetadata] = []
            let statement = try state.statement("""
                SELECT \(Self.joinedColumns), \(Self.position(of: "e.id", alias: "r")) AS pos \(Self.joinedFrom)
                WHERE p.parent=?2 AND p.name > ?3 AND pos IS NOT NULL ORDER BY p.name LIMIT ?4
                """)
            try statement.forEach([
                .integer(version), .integer(folder), .text(after ?? ""), .integer(Int64(min(limit, Int(Int64.max)))),
            ]) { row in
                rows.append(try Self.entryWithMetadata(row, &state, version: version, position: row.int(27), parent: parent))
            }
            return rows
        }
    }

    /// The child of a folder with this exact name (byte-exact), with its decoded metadata when
    /// the index holds it.
    /// - Throws: ``SQLiteError``.
    package func childWithMetadata(version: Int64, parent: Int64, name: String) throws -> EntryWithMetadata? {
        try withState { state in
            guard let folder = try Self.pathID(version: version, position: parent, &state) else { return nil }
            let statement = try state.statement("""
                SELECT \(Self.joinedColumns), \(Self.position(of: "e.id", alias: "r")) AS pos \(Self.joinedFrom)
                WHERE p.parent=?2 AND p.name=?3 AND pos IS NOT NULL LIMIT 1
                """)
            var found: EntryWithMetadata?
            try statement.forEach([.integer(version), .integer(folder), .text(name)]) { row in
                found = try Self.entryWithMetadata(row, &state, version: version, position: row.int(27), parent: parent)
            }
            return found
        }
    }

    /// One entry by its id, with its decoded metadata when the index holds it.
    /// - Throws: ``SQLiteError``.
    package func entryWithMetadata(version: Int64, id: Int64) throws -> EntryWithMetadata? {
        try withState { state in
            guard let entry = try Self.entryID(version: version, position: id, &state) else { return nil }
            let statement = try state.statement("""
                SELECT \(Self.joinedColumns), ?3, \(Self.position(atPath: "p.parent")) \(Self.joinedFrom) WHERE e.id=?2
                """)
            var found: EntryWithMetadata?
            try statement.forEach([.integer(version), .integer(entry), .integer(id)]) { row in
                found = try Self.entryWithMetadata(row, &state, version: version, position: id, parent: row.optionalInt(28) ?? 0)
            }
            return found
        }
    }
}

extension Catalog {
    /// Caches many decoded metadata records, each with its extended attributes, in one
    /// transaction (one write to the index instead of one per entry). What was stored for a
    /// hash before is replaced.
    /// - Parameter records: metadata hash, decoded record (its
    ///   ``MetadataRecord/extendedAttributeCount`` is ignored: the count of the list is stored)
    ///   and extended attributes of each.
    /// - Throws: ``SQLiteError``; then nothing is stored.
    package func storeMetadata(_ records: [(hash: String, record: MetadataRecord, extendedAttributes: [ExtendedAttributeRecord])]) throws {
        guard !records.isEmpty else { return }
        func int<T: BinaryInteger>(_ v: T?) -> SQLValue { v.map { .integer(Int64($0)) } ?? .null }
        func text(_ v: String?) -> SQLValue { v.map { .text($0) } ?? .null }
        try transaction { state in
            let insert = try state.statement("INSERT OR REPLACE INTO metadata VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for (hash, record, attributes) in records {
                try insert.run([
                    StoredHash.value(hash), int(record.mode), int(record.uid), int(record.gid), int(record.mtimeSeconds),
                    int(record.mtimeNanoseconds), text(record.ownerName), text(record.groupName), text(record.symlinkTarget),
                    .integer(Int64(attributes.count)), text(record.windowsAttributes),
                ])
                try Self.replaceExtendedAttributes(&state, hash: hash, attributes)
            }
        }
    }
}

extension Catalog {
    /// Entries of a version whose metadata the index has not decoded yet, in id order (the
    /// order of the file list, which is roughly the order their metadata blocks were written).
    /// - Parameters:
    ///   - version: the version.
    ///   - afterID: return only entries with a larger id (for paging).
    ///   - limit: at most this many.
    /// - Throws: ``SQLiteError``.
    package func entriesWithPendingMetadata(version: Int64, afterID: Int64, limit: Int) throws -> [EntryWithMetadata] {
        try withState { state in
            var result: [EntryWithMetadata] = []
            let statement = try state.statement("""
                SELECT \(Self.joinedColumns), r.pos + (e.id - r.entry) AS pos, \(Self.position(atPath: "p.parent"))
                FROM members r JOIN entries e ON e.id > r.entry + max(?2 - r.pos, -1) AND e.id < r.entry + ifnull(r.count, 1)
                JOIN paths p ON p.id = e.path LEFT JOIN metadata m ON m.hash = e.metahash
                WHERE r.slot = \(Self.slot) AND r.pos >= \(Self.runStart(at: "?2")) AND r.pos + ifnull(r.count, 1) > ?2 AND e.metahash IS NOT NULL AND m.hash IS NULL
                ORDER BY r.pos, e.id LIMIT ?3
                """)
            try statement.forEach([.integer(version), .integer(afterID), .integer(Int64(limit))]) { row in
                result.append(try Self.entryWithMetadata(
                    row, &state, version: version, position: row.int(27), parent: row.optionalInt(28) ?? 0))
            }
            return result
        }
    }
}
