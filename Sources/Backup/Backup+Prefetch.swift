import ByteSource
import Catalog
import DuplicatiFormat
import Foundation
import Zip

extension Backup {
    /// Records closer than this are read together (the gap is downloaded and thrown away).
    static let coalescingGap: Int64 = 64 << 10
    /// The most one coalesced read covers.
    static let coalescingLimit: Int64 = 8 << 20

    /// Fetches blocks into the memory cache with as few reads as possible: grouped by volume,
    /// neighbouring zip records read in one request, volumes read in parallel. Every block is
    /// checked against its hash before it is kept. Failures are left for the normal read path,
    /// which retries other copies and reports errors.
    /// - Parameters:
    ///   - hashes: the blocks wanted soon.
    ///   - parallelism: how many volumes are read at once.
    package func prefetch(_ hashes: [String], parallelism: Int = 4) {
        var seen = Set<String>()
        var groups: [String: [String]] = [:]
        for hash in hashes where seen.insert(hash).inserted && !blockCache.contains(hash) {
            guard let location = try? catalog.locations(of: hash).first else { continue }
            groups[location.volumeName, default: []].append(hash)
        }
        guard !groups.isEmpty else { return }
        // Plan the reads of every volume (opening each volume's directory once), then run all
        // reads in parallel: a large file's blocks spread over runs that download and decode at once.
        var planned: [Run] = []
        for (volume, wanted) in groups {
            planned += plan(wanted, in: volume)
        }
        let runs = planned
        let lanes = max(1, min(parallelism, runs.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: runs.count, by: lanes) {
                fetch(runs[index])
            }
        }
    }

    /// One coalesced read: neighbouring records of one volume.
    struct Run: Sendable {
        let archive: ZipArchive
        let source: any ByteSource
        let range: Range<Int64>
        let records: [(hash: String, entry: ZipEntry)]
    }

    private func plan(_ hashes: [String], in volume: String) -> [Run] {
        guard let archive = try? volumes.archive(volume), let source = try? volumes.plaintext(volume) else { return [] }
        var records: [(hash: String, entry: ZipEntry, extent: Range<Int64>)] = []
        for hash in hashes {
            guard let entry = archive.entry(named: BlockHashName.entryName(base64: hash)) else { continue }
            records.append((hash, entry, archive.extent(of: entry)))
        }
        records.sort { $0.extent.lowerBound < $1.extent.lowerBound }
        var runs: [Run] = []
        var start = 0
        while start < records.count {
            var end = start + 1
            while end < records.count,
                  records[end].extent.lowerBound - records[end - 1].extent.upperBound <= Self.coalescingGap,
                  records[end].extent.upperBound - records[start].extent.lowerBound <= Self.coalescingLimit {
                end += 1
            }
            runs.append(Run(
                archive: archive, source: source,
                range: records[start].extent.lowerBound..<records[end - 1].extent.upperBound,
                records: records[start..<end].map { ($0.hash, $0.entry) }))
            start = end
        }
        return runs
    }

    private func fetch(_ run: Run) {
        guard let bytes = try? run.source.read(at: run.range.lowerBound, count: Int(run.range.count)) else { return }
        for record in run.records {
            guard let data = try? run.archive.decodeRecord(bytes, at: run.range.lowerBound, entry: record.entry, limit: format.blocksize),
                  Indexer.base64(format.blockHash.digest(data)) == record.hash
            else { continue }
            blockCache.insert(record.hash, data)
        }
    }

    /// The single block holding an entry's metadata, when its metadata is one block and not
    /// decoded in the index yet.
    package func pendingMetadataBlock(of entry: EntryRecord) -> String? {
        guard let hash = entry.metahash, entry.metablocklists.isEmpty,
              (try? catalog.metadata(hash: hash)) == nil else { return nil }
        if let single = entry.metablockhash { return single }
        return format.blockHash == format.fileHash ? hash : nil
    }

    /// Reads and keeps the metadata of many entries (a folder's children) with coalesced reads.
    package func prefetchMetadata(of entries: [EntryRecord]) {
        let blocks = entries.compactMap(pendingMetadataBlock(of:))
        guard !blocks.isEmpty else { return }
        prefetch(blocks)
        for entry in entries where entry.metahash != nil {
            _ = try? metadata(of: entry)
        }
    }
}
