import Catalog
import Foundation
import Synchronization

/// The on-demand index catch-up's bookkeeping (one per opened backup).
struct IndexCatchUp: Sendable {
    /// A catch-up is running (others do not start a second one).
    var running = false
    /// When the last one ended (uptime ns; 0: never ran).
    var finishedAt: UInt64 = 0
    /// The last one left volumes unread for reasons that may pass (network, storage).
    var leftPending = false
    /// dblocks whose directory proved damaged, and when (uptime ns): not read again for
    /// ``Backup/damagedRetryInterval`` (the damage may have been done on the way).
    var damaged: [Int64: UInt64] = [:]
    /// dblocks whose directory was read again because of a doubted location, and when (uptime ns).
    var rechecked: [Int64: UInt64] = [:]
}

extension Backup {
    /// The shortest pause between two catch-ups that left volumes unread.
    static let catchUpInterval: UInt64 = 5_000_000_000
    /// How long a dblock whose directory proved damaged is left alone before it is read again.
    static let damagedRetryInterval: UInt64 = 5_000_000_000

    /// How long before a dblock's directory is read again for another doubted location.
    static let recheckInterval: UInt64 = 10_000_000_000

    /// Whether a dblock's directory may be read again now to check a doubted location (at most
    /// once per ``recheckInterval`` per dblock: a block that really is not there must not cost
    /// a directory read every time it is asked for). Claims the slot when it answers yes.
    func mayRecheckDirectory(of volumeID: Int64) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        return catchUp.withLock { state in
            if let last = state.rechecked[volumeID], now - last < Self.recheckInterval { return false }
            if state.rechecked.count > 10_000 { state.rechecked.removeAll() }
            state.rechecked[volumeID] = now
            return true
        }
    }

    /// When a block is in no known volume: reads what the index still lacks (index files and
    /// dblock directories that a fault kept from being read, then, the first time, the zip
    /// directory of every dblock whose directory is not in the index, which finds blocks that
    /// index files left out). Later calls do it again only while volumes are left unread, at
    /// most every ``catchUpInterval``, one at a time.
    /// - Returns: whether it read anything (so the caller looks again).
    /// - Throws: ``BackupError/wrongPassphrase``.
    func catchUpIndex() throws -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        let start = catchUp.withLock { state -> Bool in
            if state.running { return false }
            if state.finishedAt != 0 {
                let since = now - state.finishedAt
                let retryPending = state.leftPending && since >= Self.catchUpInterval
                let retryDamaged = !state.damaged.isEmpty && since >= Self.damagedRetryInterval
                guard retryPending || retryDamaged else { return false }
            }
            state.running = true
            return true
        }
        guard start else { return false }
        var pending = 0
        var damaged: [Int64] = []
        var readAgain: [Int64] = []
        defer {
            let left = pending
            let found = damaged
            let healed = readAgain
            catchUp.withLock { state in
                state.running = false
                let end = DispatchTime.now().uptimeNanoseconds
                state.finishedAt = end
                state.leftPending = left > 0
                for id in healed { state.damaged[id] = nil }
                for id in found { state.damaged[id] = end }
            }
        }
        let indexer = Indexer(catalog: catalog, volumes: volumes, logger: logger, progress: { _ in })
        pending = try indexer.readBlockIndex(format: format).pending
        let recentlyDamaged = catchUp.withLock { state in
            Set(state.damaged.filter { now - $0.value < Self.damagedRetryInterval }.keys)
        }
        // Volumes marked failed too: what failed its checks may have been damaged on the way.
        for volume in try catalog.volumesWithoutDirectory() where !recentlyDamaged.contains(volume.id) {
            do {
                try Indexer.readDirectory(volume, catalog: catalog, volumes: volumes)
                readAgain.append(volume.id)
                if volume.state == .failed { try? catalog.setVolumeState(volume.id, .pending) }
            } catch {
                switch Indexer.classify(error) {
                case .fatal: throw error
                case .transient:
                    pending += 1
                    logger.warning("directory of \(volume.name) could not be read (\(error)); will try again")
                case .damaged:
                    damaged.append(volume.id)
                    logger.error("\(volume.name): \(error)")
                }
            }
        }
        return true
    }
}
