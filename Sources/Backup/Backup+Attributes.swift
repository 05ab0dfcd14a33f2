import Catalog
import Foundation

extension Backup {
    /// Fetches, decodes and keeps the metadata of many entries at once (a folder's children):
    /// the single-block blobs with coalesced reads, then all records stored in one transaction.
    /// Entries whose metadata is already decoded are skipped without a query. Failures are left
    /// for ``metadata(of:)``, which reports them when the entry is asked for.
    /// - Parameters:
    ///   - items: entries with what the index holds of their metadata.
    ///   - parallelism: how many volumes are read at once.
    package func fetchMetadata(of items: [EntryWithMetadata], parallelism: Int = 4) {
        var seen = Set<String>()
        let pending = items.filter { item in
            guard item.metadataPending, let hash = item.entry.metahash else { return false }
            return seen.insert(hash).inserted
        }
        guard !pending.isEmpty else { return }
        let blocks = pending.compactMap { item -> String? in
            guard item.entry.metablocklists.isEmpty else { return nil }
            if let single = item.entry.metablockhash { return single }
            return format.blockHash == format.fileHash ? item.entry.metahash : nil
        }
        prefetch(blocks, parallelism: parallelism)
        var decoded: [(hash: String, record: MetadataRecord, extendedAttributes: [ExtendedAttributeRecord])] = []
        for item in pending {
            guard let hash = item.entry.metahash, let found = try? decodedMetadata(of: item.entry) else { continue }
            decoded.append((hash, found.record, found.extendedAttributes))
        }
        // Only a cache: if the index is busy, the entries are decoded again when asked for.
        try? catalog.storeMetadata(decoded)
    }
}
