import ByteSource
import Catalog
import DuplicatiFormat
import FetchPlanner
import Foundation
import Zip

extension Backup {
    /// Whole volumes held in memory at once, across all prefetches.
    static let wholeVolumeSlots = DispatchSemaphore(value: 2)

    /// Fetches blocks into the memory cache with the requests the ``FetchPlanner`` plans on the
    /// measured link: records found where the index placed them (or else in the volume's
    /// directory), neighbours closer than a round trip's worth of bytes read in one request, a
    /// volume fetched whole when that costs less (its HMAC checked before any block of it is
    /// used), as many requests in flight as fill the link. Every block is checked against its
    /// hash before it is kept. Failures are left for the normal read path, which retries other
    /// copies and reports errors.
    /// - Parameters:
    ///   - hashes: the blocks wanted soon.
    ///   - parallelism: the most requests in flight.
    package func prefetch(_ hashes: [String], parallelism: Int = 4) {
        var seen = Set<String>()
        var groups: [VolumeKey: [String]] = [:]
        for hash in hashes where seen.insert(hash).inserted && !blockCache.contains(hash) {
            guard let location = try? catalog.locations(of: hash).first else { continue }
            groups[VolumeKey(id: location.volumeID, name: location.volumeName), default: []].append(hash)
        }
        guard !groups.isEmpty else { return }
        // Where each wanted record lies (from the index's placements, or opening the volume's
        // directory once), then one plan over all volumes.
        var records: [Record] = []
        var keys: [VolumeKey] = []
        var wanted: [FetchPlanner.Volume] = []
        for (volume, hashes) in groups {
            let found = placedRecords(hashes, in: volume)
            guard !found.isEmpty else { continue }
            let size = volumes.file(named: volume.name)?.size ?? (found.map(\.extent.upperBound).max() ?? 0)
            wanted.append(FetchPlanner.Volume(
                key: keys.count, size: size, wholeAllowed: size <= VolumeSet.wholeDownloadLimit,
                wanted: found.indices.map { (records.count + $0, found[$0].extent) }))
            keys.append(volume)
            records += found
        }
        let plan = FetchPlanner.plan(wanted, link: linkMeter.estimate, mostLanes: parallelism)
        let work: [Work] = plan.fetches.map { fetch in
            switch fetch {
            case .range(let volume, let range, let members):
                return .run(Run(volume: keys[volume], range: range, records: members.map { records[$0] }))
            case .whole(let volume, let members):
                let mine = members.map { records[$0] }
                let fallback = FetchPlanner.ranges(of: wanted[volume], link: linkMeter.estimate).compactMap { part -> Run? in
                    guard case .range(_, let range, let parts) = part else { return nil }
                    return Run(volume: keys[volume], range: range, records: parts.map { records[$0] })
                }
                return .whole(WholeVolume(volume: keys[volume], records: mine, fallback: fallback))
            }
        }
        let lanes = max(1, min(plan.lanes, work.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: work.count, by: lanes) {
                switch work[index] {
                case .run(let run): fetch(run)
                case .whole(let whole): fetch(whole)
                }
            }
        }
    }

    /// Requests worth keeping in flight on the measured link (enough to fill it), at most `most`.
    package func requestsAtOnce(most: Int) -> Int {
        linkMeter.estimate.lanes(most: most)
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

    /// Where the wanted blocks' records lie in a volume: from the index's placements, or else
    /// from the volume's directory (read once, its placements then kept in the index).
    private func placedRecords(_ hashes: [String], in volume: VolumeKey) -> [Record] {
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
        return records
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

    /// Downloads the whole volume (in parts at once when one connection cannot fill the link),
    /// checks its HMAC before using any of it, then decodes and checks each record. On a failed
    /// check the download is thrown away (from the disk cache too) and the records are read by
    /// range instead.
    private func fetch(_ whole: WholeVolume) {
        Self.wholeVolumeSlots.wait()
        let held: Bool = {
            defer { Self.wholeVolumeSlots.signal() }
            let name = whole.volume.name
            do {
                let size = volumes.file(named: name)?.size ?? 0
                let parts = FetchPlanner.parts(ofWhole: size, link: linkMeter.estimate)
                let source = try volumes.plaintext(name, whole: true, parts: parts)
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
