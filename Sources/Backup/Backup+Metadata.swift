import Catalog
import DuplicatiFormat
import Foundation

extension Backup {
    /// Largest metadata blob we read (Duplicati replaces larger ones by `{}`).
    static let metadataLimit = 64 << 20

    /// The decoded metadata of an entry: from the index when it was read before, else fetched,
    /// hash-checked, decoded and kept in the index.
    /// - Returns: nil when the entry has no metadata.
    /// - Throws: ``BackupError`` when the blob cannot be read or decoded.
    package func metadata(of entry: EntryRecord) throws -> MetadataRecord? {
        guard let hash = entry.metahash else { return nil }
        if let cached = try catalog.metadata(hash: hash) { return cached }
        guard let decoded = try decodedMetadata(of: entry) else { return nil }
        // Only a cache: if the index is busy (a background writer), the next lookup decodes again.
        try? catalog.storeMetadata(hash: hash, decoded.record, extendedAttributes: decoded.extendedAttributes)
        return decoded.record
    }

    /// Fetches, hash-checks and decodes an entry's metadata blob, without looking in or
    /// storing to the index.
    /// - Returns: the decoded attributes and extended attributes; nil when the entry has no
    ///   metadata.
    /// - Throws: ``BackupError`` when the blob cannot be read or decoded.
    func decodedMetadata(of entry: EntryRecord) throws
        -> (record: MetadataRecord, extendedAttributes: [ExtendedAttributeRecord])?
    {
        guard let hash = entry.metahash else { return nil }
        let blob = try wholeContent(
            size: entry.metasize ?? 0, hash: hash, blocklists: entry.metablocklists, blockhash: entry.metablockhash,
            path: entry.storedPath + " (metadata)", limit: Self.metadataLimit)
        let meta: EntryMetadata
        do {
            meta = try EntryMetadata.parse(blob)
        } catch {
            throw BackupError.inconsistent("\(entry.storedPath): metadata is malformed (\(error))")
        }
        let attributes = meta.extendedAttributes.map { ExtendedAttributeRecord(name: $0.name, value: $0.value) }
        // A backup made on Windows holds no POSIX mode: its file attributes say what Windows
        // enforces (ReadOnly), and their raw value is kept for `ls --json`.
        let fromWindows = meta.permissions == nil
        let windowsMode = fromWindows
            ? meta.windowsAttributes?.permissions(folder: entry.kind == .folder, symlink: entry.kind == .symlink) : nil
        let record = MetadataRecord(
            mode: meta.permissions ?? windowsMode, uid: meta.uid, gid: meta.gid,
            mtimeSeconds: meta.lastWriteTime?.unixSeconds, mtimeNanoseconds: meta.lastWriteTime?.nanoseconds,
            ownerName: meta.ownerName, groupName: meta.groupName, symlinkTarget: meta.symlinkTarget,
            extendedAttributeCount: attributes.count,
            windowsAttributes: fromWindows ? meta.values["CoreAttributes"] : nil)
        return (record, attributes)
    }
}
