import Catalog
import Foundation

/// Fetches the blocks of the files a restore will write next, ahead of it and across files: a
/// walk of its own over the same tree, in the same order as the restore's, hands the blocks of
/// the coming files to the fetch planner in batches, so neighbouring files' blocks come in one
/// request and a volume most of which is wanted is downloaded once, whole, while the restore
/// writes what came before. At most ``budget`` bytes are fetched and not yet written (they
/// wait in the memory cache).
final class RestoreLookahead: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `condition`.
    private let backup: Backup
    /// Bytes fetched ahead and not yet written.
    let budget: Int64
    /// Bytes handed to the planner at once.
    let batchBytes: Int64
    private let condition = NSCondition()
    private var ahead: Int64 = 0
    private var stopped = false
    /// Entries whose blocks a batch is fetching right now.
    private var fetching = Set<Int64>()
    private let done = DispatchGroup()

    /// Batches fetched at once: the next is planned while one downloads.
    static let batchesInFlight = 2

    /// Creates a lookahead; ``start(_:)`` sets it going.
    /// - Parameter backup: the backup restored from (its block cache holds what is fetched).
    init(backup: Backup) {
        self.backup = backup
        budget = Int64(max(1, backup.blockCache.capacityBytes / 2))
        // Half a budget's worth in flight: the other half holds batches fetched and waiting for
        // the writer, so the link keeps working while the writer catches up.
        batchBytes = max(Int64(backup.format.blocksize), budget / Int64(2 * Self.batchesInFlight))
    }

    /// Starts walking and fetching in the background.
    /// - Parameter roots: the entries restored, with their paths, in the restore's order.
    func start(_ roots: [(EntryRecord, [String])]) {
        done.enter()
        let thread = Thread { [self] in
            defer { done.leave() }
            var batch: [String] = []
            var members: [Int64] = []
            var bytes: Int64 = 0
            let lanes = DispatchGroup()
            let slots = DispatchSemaphore(value: Self.batchesInFlight)
            func flush() {
                guard !batch.isEmpty else { return }
                // Wait until the restore has written enough of what came before.
                condition.lock()
                while !stopped && ahead + bytes > budget && ahead > 0 { condition.wait() }
                let go = !stopped
                if go {
                    ahead += bytes
                    fetching.formUnion(members)
                }
                condition.unlock()
                guard go else { return }
                let (hashes, ids) = (batch, members)
                slots.wait()
                lanes.enter()
                DispatchQueue.global().async { [self] in
                    backup.prefetch(hashes)
                    condition.lock()
                    fetching.subtract(ids)
                    condition.broadcast()
                    condition.unlock()
                    slots.signal()
                    lanes.leave()
                }
                batch = []
                members = []
                bytes = 0
            }
            for (entry, path) in roots {
                try? backup.walk(entry, path: path) { item, _ in
                    if isStopped { return false }
                    guard item.kind == .file, item.size > 0, let hashes = try? backup.blockHashes(of: item) else { return true }
                    batch += hashes
                    members.append(item.id)
                    bytes += item.size
                    if bytes >= batchBytes { flush() }
                    return true
                }
            }
            flush()
            lanes.wait()
        }
        thread.name = "dupfs restore lookahead"
        thread.start()
    }

    private var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Before a file is written: waits while a batch is fetching its blocks (rather than
    /// fetching them a second time).
    /// - Parameter entry: the file.
    func waitIfFetching(_ entry: EntryRecord) {
        condition.lock()
        while !stopped && fetching.contains(entry.id) { condition.wait() }
        condition.unlock()
    }

    /// After the restore is done with a file (written, skipped or failed): its bytes no longer
    /// count as fetched ahead.
    /// - Parameter entry: the file.
    func consumed(_ entry: EntryRecord) {
        guard entry.kind == .file, entry.size > 0 else { return }
        condition.lock()
        ahead = max(0, ahead - entry.size)
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the walk and waits until the fetches under way are over.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        done.wait()
    }
}
