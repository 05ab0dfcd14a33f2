import Foundation

/// One folder's metadata being fetched in one go, page by page in name order; listings and
/// lookups in the folder wait for the part they need instead of fetching it again.
final class FolderFetch: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `condition`.
    private let condition = NSCondition()
    /// The last child name whose page is done (nil: none yet).
    private var through: [UInt8]?
    private var finished = false

    /// Records that the children up to `name` (in the index's byte order) are done.
    func advance(through name: String) {
        condition.lock()
        through = Array(name.utf8)
        condition.broadcast()
        condition.unlock()
    }

    /// Records that the whole folder is done.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the children up to `name` are done (the whole folder for nil) or the deadline.
    /// - Returns: whether they are done.
    @discardableResult
    func wait(through name: String?, until deadline: DispatchTime) -> Bool {
        let wanted = name.map { Array($0.utf8) }
        let seconds = Double(Int64(deadline.uptimeNanoseconds) - Int64(DispatchTime.now().uptimeNanoseconds)) / 1e9
        let limit = Date(timeIntervalSinceNow: max(0, seconds))
        condition.lock()
        defer { condition.unlock() }
        while !covers(wanted) {
            if !condition.wait(until: limit) { return covers(wanted) }
        }
        return true
    }

    private func covers(_ wanted: [UInt8]?) -> Bool {
        if finished { return true }
        guard let wanted, let through else { return false }
        return !through.lexicographicallyPrecedes(wanted)
    }
}
