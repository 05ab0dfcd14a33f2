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

    /// When the records wanted from one volume cover at least this share of its bytes, the
    /// whole volume is downloaded in one request (and its HMAC checked) instead of ranges.
    static let wholeVolumeShare = 0.75
    /// Whole volumes held in memory at once, across all prefetches.
    static let wholeVolumeSlots = DispatchSemaphore(value: 2)

    /// Fetches blocks into the memory cache with as few reads as possible: grouped by volume,
    /// neighbouring zip records read in one request (found where the index placed them, or
    /// else in the volume's directory), a volume most of which is wanted downloaded whole,
    /// volumes read in parallel. Every block is checked against its hash before it is kept.
    /// Failures are left for the normal read path, which retries other copies and reports errors.
    /// - Parameters:
    ///   - hashes: the blocks wanted soon.
    ///   - parallelism: how many volumes are read at once.
    package func prefetch(_ hashes: [String], parallelism: Int = 4) {
        var seen = Set<String>()
        var groups: [VolumeKey: [String]] = [:]
        for hash in hashes where seen.insert(hash).inserted && !blockCache.contains(hash) {
            guard let location = try? catalog.locations(of: hash).first else { continue }
            groups[VolumeKey(id: location.volumeID, name: location.volumeName), default: []].append(hash)
        }
        guard !groups.isEmpty else { return }
        // Plan the reads of every volume (from the index's placements, or opening the volume's
        // directory once), then run them in parallel: a large file's blocks spread over runs
        // that download and decode at once.
        var planned: [Work] = []
        for (volume, wanted) in groups {
            planned += plan(wanted, in: volume)
        }
        let work = planned
        let lanes = max(1, min(parallelism, work.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: work.count, by: lanes) {
                switch work[index] {
                case .run(let run): fetch(run)
                case .whole(let whole): fetch(whole)
                }
            }
        }
    }

    /// A volume by index id and name.
    struct VolumeKey: Hashable, Sendable {
        let id: Int64
        let name: String
    }

    /// A block record to read: its entry and the file range holding local header and data.
    struct Record: Sendable {
        let hash: String
        let entry: ZipEntry
        let extent: Range<Int64>
    }

    /// One coalesced read: neighbouring records of one volume.
    struct Run: Sendable {
        let volume: VolumeKey
        let range: Range<Int64>
        let records: [Record]
    }

    /// Records of one volume read from the whole volume, downloaded in one request; `fallback`
    /// reads them by range when the download fails its HMAC.
    struct WholeVolume: Sendable {
        let volume: VolumeKey
        let records: [Record]
        let fallback: [Run]
    }

    enum Work: Sendable {
        case run(Run)
        case whole(WholeVolume)
    }

    private func plan(_ hashes: [String], in volume: VolumeKey) -> [Work] {
        var records: [Record] = []
        var unplaced: [String] = []
        for hash in hashes {
            if let placement = try? catalog.placement(of: hash, volumeID: volume.id),
               let extent = placement.recordRead(blocksize: format.blocksize) {
                records.append(Record(hash: hash, entry: placement.entry, extent: extent))
            } else {
                unplaced.append(hash)
            }
        }
        if !unplaced.isEmpty, let archive = try? volumes.archive(volume.name) {
            rememberPlacements(of: archive, volumeID: volume.id)
            for hash in unplaced {
                guard let entry = archive.entry(named: BlockHashName.entryName(base64: hash)) else { continue }
                records.append(Record(hash: hash, entry: entry, extent: archive.extent(of: entry)))
            }
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
                volume: volume, range: records[start].extent.lowerBound..<records[end - 1].extent.upperBound,
                records: Array(records[start..<end])))
            start = end
        }
        let wanted = records.reduce(Int64(0)) { $0 + Int64($1.extent.count) }
        if let file = volumes.file(named: volume.name), file.size <= VolumeSet.wholeDownloadLimit,
           Double(wanted) >= Self.wholeVolumeShare * Double(file.size) {
            return [.whole(WholeVolume(volume: volume, records: records, fallback: runs))]
        }
        return runs.map { .run($0) }
    }

    private func fetch(_ run: Run) {
        guard let source = try? volumes.plaintext(run.volume.name),
              let bytes = try? source.read(at: run.range.lowerBound, count: Int(run.range.count))
        else { return }
        for record in run.records {
            guard let data = try? record.entry.decodeStandalone(bytes, at: run.range.lowerBound, limit: format.blocksize),
                  Indexer.base64(format.blockHash.digest(data)) == record.hash
            else { continue }
            blockCache.insert(record.hash, data)
        }
    }

    /// Downloads the whole volume in one request, checks its HMAC before using any of it, then
    /// decodes and checks each record. On a failed check the download is thrown away (from the
    /// disk cache too) and the records are read by range instead.
    private func fetch(_ whole: WholeVolume) {
        Self.wholeVolumeSlots.wait()
        let held: Bool = {
            defer { Self.wholeVolumeSlots.signal() }
            let name = whole.volume.name
            do {
                let source = try volumes.plaintext(name, whole: true)
                try volumes.verifyAuthentication(name, source: source)
                for record in whole.records {
                    guard let bytes = try? source.read(at: record.extent.lowerBound, count: Int(record.extent.count)),
                          let data = try? record.entry.decodeStandalone(bytes, at: record.extent.lowerBound, limit: format.blocksize),
                          Indexer.base64(format.blockHash.digest(data)) == record.hash
                    else { continue }
                    blockCache.insert(record.hash, data)
                }
                return true
            } catch let error as BackupError {
                if case .damagedVolume = error { store.discardCachedData(of: name) }
                logger.warning("\(error); reading its blocks by range instead")
                return false
            } catch {
                logger.warning("\(name): \(error); reading its blocks by range instead")
                return false
            }
        }()
        guard !held else { return }
        for run in whole.fallback { fetch(run) }
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
