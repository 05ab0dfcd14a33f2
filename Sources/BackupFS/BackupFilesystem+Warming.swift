import Backup
import Catalog
import Foundation

/// Warming: after a mount starts, the newest version's metadata is fetched in the background,
/// a page at a time at low priority, so a walk of it finds every entry's attributes at hand.
extension BackupFilesystem {
    /// Entries whose metadata one step of warming fetches.
    static let warmingPage = 256
    static let warmingQueue = DispatchQueue(label: "dupfs.warming", qos: .utility)
    /// Pages fetched at once, at most (fewer when the link estimate needs fewer connections).
    static let warmingPagesAtOnce = 3
    static let warmingPagesQueue = DispatchQueue(label: "dupfs.warming.pages", qos: .utility, attributes: .concurrent)

    /// Starts warming the newest version's metadata (once; a no-op while it runs).
    package func startWarming() {
        let starts = warming.withLock { running -> Bool in
            if running { return false }
            running = true
            return true
        }
        guard starts, let newest = versions.first else {
            if starts { warming.withLock { $0 = false } }
            return
        }
        let backup = backup
        let versionID = newest.record.id
        warmingRuns.enter()
        // The newest version's metadata before older versions' file lists.
        backup.holdBackgroundFileLists()
        Self.warmingQueue.async {
            defer {
                backup.releaseBackgroundFileLists()
                self.warmingRuns.leave()
            }
            // Pages go in order, several at once: one page's ranged read is one connection,
            // which alone does not fill a link of several connections' rate.
            // A mount lists its versions before their lists are read: the newest's first.
            guard (try? backup.requireFileList(of: newest.record)) != nil else {
                self.warming.withLock { $0 = false }
                return
            }
            let lanes = max(1, min(Self.warmingPagesAtOnce, backup.requestsAtOnce(most: Self.warmingPagesAtOnce)))
            let slots = DispatchSemaphore(value: lanes)
            let pages = DispatchGroup()
            var after: Int64 = -1
            var fetched = 0
            while self.warming.withLock({ $0 }),
                  let page = try? backup.catalog.entriesWithPendingMetadata(version: versionID, afterID: after, limit: Self.warmingPage),
                  let last = page.last {
                slots.wait()
                pages.enter()
                Self.warmingPagesQueue.async {
                    backup.fetchMetadata(of: page, parallelism: 2)
                    slots.signal()
                    pages.leave()
                }
                fetched += page.count
                after = last.entry.id
            }
            pages.wait()
            if fetched > 0 { self.logger.info("warmed the metadata of \(fetched) entries of the newest version") }
            self.warming.withLock { $0 = false }
        }
    }

    /// Stops warming after the page under way, and waits (at most `timeout` seconds) until it
    /// has stopped, so nothing of it runs while the process exits.
    /// - Parameter timeout: seconds to wait at most.
    package func stopWarming(timeout: Double = 10) {
        warming.withLock { $0 = false }
        _ = warmingRuns.wait(timeout: .now() + timeout)
    }
}
