import Catalog
import Foundation

extension Backup {
    /// The extended attributes of an entry (Linux/macOS backups store them as `unix-ext:`
    /// metadata keys), in the order the backup stored them: from the index when its metadata
    /// was decoded before, else fetched, decoded and kept in the index.
    /// - Returns: empty when the entry has no metadata or the metadata has no attributes.
    /// - Throws: ``BackupError`` when the blob cannot be read or decoded.
    package func extendedAttributes(of entry: EntryRecord) throws -> [ExtendedAttributeRecord] {
        guard let hash = entry.metahash else { return [] }
        if let cached = try catalog.extendedAttributes(hash: hash) { return cached }
        guard let decoded = try decodedMetadata(of: entry) else { return [] }
        // Only a cache, as for `metadata(of:)`.
        try? catalog.storeMetadata(hash: hash, decoded.record, extendedAttributes: decoded.extendedAttributes)
        return decoded.extendedAttributes
    }

    /// One extended attribute of an entry, reading its metadata as ``extendedAttributes(of:)``
    /// does when the index lacks it.
    /// - Parameters:
    ///   - name: the attribute's name (byte-exact).
    ///   - entry: the entry.
    /// - Returns: the value, or nil when the entry has no such attribute.
    /// - Throws: ``BackupError`` when the blob cannot be read or decoded.
    package func extendedAttribute(named name: String, of entry: EntryRecord) throws -> [UInt8]? {
        guard let hash = entry.metahash else { return nil }
        if let known = try catalog.metadata(hash: hash) {
            guard known.extendedAttributeCount > 0 else { return nil }
            return try catalog.extendedAttribute(named: name, hash: hash)
        }
        let key = Array(name.utf8)
        return try extendedAttributes(of: entry).first { Array($0.name.utf8) == key }?.value
    }
}
