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
    /// The entry columns, qualified for a join with `metadata`; same order as `Catalog.entry(_:)` reads.
    static let joinedColumns = """
        e.version, e.id, e.parent, e.name, e.kind, e.size, e.hash, e.blocklists, e.blockhash, e.metahash, e.metasize,
        e.metablocklists, e.metablockhash, e.path, e.listed, e.listtime,
        m.hash, m.mode, m.uid, m.gid, m.mtime, m.mtimensec, m.owner, m.grp, m.target, m.xattrs, m.winattrs
        """

    static let joinedFrom = "FROM entries e LEFT JOIN metadata m ON m.hash = e.metahash"

    /// Reads one joined row: the entry, and its metadata when a metadata row matched.
    static func entryWithMetadata(_ row: Statement) -> EntryWithMetadata {
        let entry = Self.entry(row)
        guard !row.isNull(16) else { return EntryWithMetadata(entry: entry, metadata: nil) }
        return EntryWithMetadata(entry: entry, metadata: metadataRecord(row, from: 17))
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
            var result: [EntryWithMetadata] = []
            try state.statement("""
                SELECT \(Self.joinedColumns) \(Self.joinedFrom)
                WHERE e.version=? AND e.parent=? AND e.id != 0 AND e.name > ? ORDER BY e.name LIMIT ?
                """).forEach([.integer(version), .integer(parent), .text(after ?? ""), .integer(Int64(min(limit, Int(Int64.max))))]) { row in
                result.append(Self.entryWithMetadata(row))
            }
            return result
        }
    }

    /// The child of a folder with this exact name (byte-exact), with its decoded metadata when
    /// the index holds it.
    /// - Throws: ``SQLiteError``.
    package func childWithMetadata(version: Int64, parent: Int64, name: String) throws -> EntryWithMetadata? {
        try withState { state in
            try state.statement("SELECT \(Self.joinedColumns) \(Self.joinedFrom) WHERE e.version=? AND e.parent=? AND e.name=? AND e.id != 0")
                .first([.integer(version), .integer(parent), .text(name)], Self.entryWithMetadata)
        }
    }

    /// One entry by its id, with its decoded metadata when the index holds it.
    /// - Throws: ``SQLiteError``.
    package func entryWithMetadata(version: Int64, id: Int64) throws -> EntryWithMetadata? {
        try withState { state in
            try state.statement("SELECT \(Self.joinedColumns) \(Self.joinedFrom) WHERE e.version=? AND e.id=?")
                .first([.integer(version), .integer(id)], Self.entryWithMetadata)
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
                    .text(hash), int(record.mode), int(record.uid), int(record.gid), int(record.mtimeSeconds),
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
            try state.statement("""
                SELECT \(Self.joinedColumns) \(Self.joinedFrom)
                WHERE e.version=? AND e.id>? AND e.metahash IS NOT NULL AND m.hash IS NULL ORDER BY e.id LIMIT ?
                """).forEach([.integer(version), .integer(afterID), .integer(Int64(limit))]) { row in
                result.append(Self.entryWithMetadata(row))
            }
            return result
        }
    }
}
