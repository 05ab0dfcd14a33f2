import Backup
import Catalog
import Foundation
import FuseKit

/// Fetching ahead of a reader that opens a folder's files one after another (see ``FolderSweep``).
extension BackupFilesystem {
    /// The most folders whose sweeps are remembered (the least recently used is forgotten).
    static let rememberedSweeps = 64

    /// Notes that `entry` is being opened; when that continues a sweep of its folder, starts
    /// fetching the next files' blocks (and any metadata not decoded yet) in the background.
    func sweep(opening entry: EntryRecord, version: Version) {
        let folder = InodeLayout.inode(versionKey: version.key, entryID: entry.parent)
        let progress = handles.withLock { state -> FolderSweep.Progress in
            state.sweepTick += 1
            let tick = state.sweepTick
            guard var sweep = state.sweeps[folder] else {
                if state.sweeps.count >= Self.rememberedSweeps,
                   let oldest = state.sweeps.min(by: { $0.value.used < $1.value.used })?.key {
                    state.sweeps[oldest] = nil
                }
                state.sweeps[folder] = FolderSweep(opened: entry.name, tick: tick)
                return .none
            }
            sweep.used = tick
            let progress = sweep.open(entry.name)
            state.sweeps[folder] = sweep
            return progress
        }
        switch progress {
        case .none:
            return
        case .startsIfNext(let previous):
            guard nextFile(after: previous, version: version, parent: entry.parent) == entry.name else { return }
            handles.withLock { state in
                if state.sweeps[folder]?.lastOpened == entry.name { state.sweeps[folder]?.start() }
            }
        case .continues:
            break
        }
        planAhead(folder, version: version, parent: entry.parent)
    }

    /// The name of the first file after `name` in a folder (skipping folders and symlinks).
    private func nextFile(after name: String, version: Version, parent: Int64) -> String? {
        let page = try? backup.catalog.children(version: version.record.id, parent: parent, after: name, limit: 16)
        return page?.first { $0.kind == .file }?.name
    }

    /// Plans the next batch of a sweep when it runs low, and fetches it in the background.
    private func planAhead(_ folder: InodeNumber, version: Version, parent: Int64) {
        guard let sweep = handles.withLock({ $0.sweeps[folder] }), sweep.wantsMore, let start = sweep.plannedThrough else { return }
        let room = sweep.room
        // Folders and symlinks may sit between the files: look at twice as many children.
        let limit = max(16, room.files * 2)
        guard let page = try? backup.catalog.childrenWithMetadata(version: version.record.id, parent: parent, after: start, limit: limit)
        else { return }
        var planned: [(item: EntryWithMetadata, bytes: Int64)] = []
        var bytes: Int64 = 0
        var through: String?
        var considered = 0
        for child in page {
            if planned.count >= room.files || bytes >= room.bytes { break }
            considered += 1
            through = child.entry.name
            guard child.entry.kind == .file else { continue }
            // A large file counts (and is fetched) only up to what the window has room for;
            // its own read-ahead takes over once it is read.
            let share = min(max(0, child.entry.size), room.bytes - bytes)
            planned.append((child, share))
            bytes += share
        }
        let exhausted = page.count < limit && considered == page.count
        let accepted = handles.withLock { state -> Bool in
            guard var current = state.sweeps[folder], current.plannedThrough == start else { return false }
            current.add(planned.map { FolderSweep.Planned(name: $0.item.entry.name, size: $0.bytes) }, through: through, exhausted: exhausted)
            state.sweeps[folder] = current
            return true
        }
        guard accepted, !planned.isEmpty else { return }
        let backup = backup
        let blocksize = Int64(max(1, backup.format.blocksize))
        // Single-block files need nothing from storage to know their block: those blocks are
        // registered as being fetched at once, before the reader can ask for them.
        var known: [String] = []
        var later: [(item: EntryWithMetadata, bytes: Int64)] = []
        for (item, share) in planned where share > 0 {
            if item.entry.blocklists.isEmpty, let hashes = try? backup.blockHashes(of: item.entry) {
                known += hashes
            } else {
                later.append((item, share))
            }
        }
        let pending = planned.map(\.item).filter(\.metadataPending)
        let batch = SweepBatch()
        let group = backgroundFetches
        group.enter()
        batch.group.enter()
        handles.withLock { state in
            for hash in known where !backup.blockCache.contains(hash) { state.fetchingAhead[hash] = batch }
        }
        let multiBlock = later
        let singles = known
        Self.readAheadQueue.async {
            var hashes = singles
            for (item, share) in multiBlock {
                guard let all = try? backup.blockHashes(of: item.entry) else { continue }
                hashes += all.prefix(Int((share + blocksize - 1) / blocksize))
            }
            backup.prefetch(hashes)
            self.handles.withLock { state in
                for hash in singles where state.fetchingAhead[hash] === batch { state.fetchingAhead[hash] = nil }
            }
            batch.group.leave()
            if !pending.isEmpty { backup.fetchMetadata(of: pending) }
            group.leave()
        }
    }

    /// Before a read: when a block it needs is being fetched ahead, waits for that fetch (until
    /// the request's deadline) rather than fetching the same block again.
    func waitForFetchAhead(_ file: OpenFile, offset: Int64, size: Int, until deadline: DispatchTime) {
        let blocksize = Int64(max(1, backup.format.blocksize))
        guard size > 0, offset >= 0, !file.hashes.isEmpty else { return }
        let first = Int(min(offset / blocksize, Int64(file.hashes.count - 1)))
        let last = Int(min((offset + Int64(size) - 1) / blocksize, Int64(file.hashes.count - 1)))
        let batches: [SweepBatch] = handles.withLock { state in
            guard !state.fetchingAhead.isEmpty else { return [] }
            var found: [SweepBatch] = []
            for index in first...last {
                if let batch = state.fetchingAhead[file.hashes[index]], !found.contains(where: { $0 === batch }) { found.append(batch) }
            }
            return found
        }
        for batch in batches { _ = batch.group.wait(timeout: deadline) }
    }

    /// Waits until the fetches started in the background for sweeps have finished (for tests
    /// and measurements).
    /// - Parameter timeout: seconds to wait at most.
    /// - Returns: false if some were still running.
    package func waitForBackgroundFetches(timeout: Double) -> Bool {
        backgroundFetches.wait(timeout: .now() + timeout) == .success
    }
}

/// One batch of blocks fetched ahead of a sweep; reads that need one of them wait for it.
final class SweepBatch: Sendable {
    /// Entered while the batch is being fetched.
    let group = DispatchGroup()
}
