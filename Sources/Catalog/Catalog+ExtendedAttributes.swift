/// The extended attributes of metadata blobs, kept beside their decoded metadata: the
/// `metadata` row counts them (so listings learn "none" from the join they already make), the
/// `xattrs` table holds names and values.
extension Catalog {
    /// Replaces the stored extended attributes of one metadata hash (inside the caller's
    /// transaction).
    static func replaceExtendedAttributes(_ state: inout State, hash: String, _ attributes: [ExtendedAttributeRecord]) throws {
        try state.statement("DELETE FROM xattrs WHERE hash=?").run([StoredHash.value(hash)])
        guard !attributes.isEmpty else { return }
        let insert = try state.statement("INSERT OR REPLACE INTO xattrs VALUES (?, ?, ?, ?)")
        for (position, attribute) in attributes.enumerated() {
            try insert.run([StoredHash.value(hash), .text(attribute.name), .integer(Int64(position)), .blob(attribute.value)])
        }
    }

    /// The extended attributes of a metadata blob, in the blob's order.
    /// - Parameter hash: the metadata hash.
    /// - Returns: nil when the index holds no decoded metadata for the hash (it must be fetched
    ///   first); empty when the blob has none.
    /// - Throws: ``SQLiteError``.
    package func extendedAttributes(hash: String) throws -> [ExtendedAttributeRecord]? {
        try withState { state in
            guard let count = try state.statement("SELECT xattrs FROM metadata WHERE hash=?").first([StoredHash.value(hash)], { $0.int(0) })
            else { return nil }
            guard count > 0 else { return [] }
            var result: [ExtendedAttributeRecord] = []
            try state.statement("SELECT name, value FROM xattrs WHERE hash=? ORDER BY position").forEach([StoredHash.value(hash)]) { row in
                result.append(ExtendedAttributeRecord(name: row.text(0), value: row.blob(1)))
            }
            return result
        }
    }

    /// One extended attribute's value.
    /// - Parameters:
    ///   - name: the attribute's name (compared byte for byte).
    ///   - hash: the metadata hash.
    /// - Returns: nil when the blob has no such attribute, or its metadata is not in the index
    ///   (callers check ``MetadataRecord/extendedAttributeCount`` first).
    /// - Throws: ``SQLiteError``.
    package func extendedAttribute(named name: String, hash: String) throws -> [UInt8]? {
        try withState { state in
            try state.statement("SELECT value FROM xattrs WHERE hash=? AND name=?").first([StoredHash.value(hash), .text(name)]) { $0.blob(0) }
        }
    }
}
