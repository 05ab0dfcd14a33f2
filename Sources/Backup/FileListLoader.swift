import Foundation
import Synchronization

/// Which versions' file lists are in the index, and the one read under way of each: a version
/// wanted by many requests at once is read once (the others wait for that read), and the
/// background reader steps aside while a request waits for a list.
final class FileListLoader: Sendable {
    private struct State {
        /// dlist volumes read (by this run or an earlier one).
        var read: Set<Int64>
        /// Reads under way; left when the read ends either way.
        var loading: [Int64: DispatchGroup] = [:]
        /// Requests waiting for a list (the background reader waits while any do).
        var urgent = 0
        /// Holds on the background reader (while the newest version's metadata is warmed).
        var held = 0
        /// Bumped after each list read, so that holders of version records know to reload them.
        var generation = 0
    }

    private let state: Mutex<State>
    /// Every dlist volume of the backup.
    let all: Set<Int64>

    /// - Parameters:
    ///   - all: every dlist volume.
    ///   - read: those whose lists the index already holds.
    init(all: Set<Int64>, read: Set<Int64>) {
        self.all = all
        state = Mutex(State(read: read))
    }

    /// Whether every list is in the index.
    var allRead: Bool { state.withLock { all.isSubset(of: $0.read) } }

    /// Bumped each time a list is read into the index.
    var generation: Int { state.withLock { $0.generation } }

    /// Whether a request is waiting for a list, or the background reader is held back.
    var hasUrgentWork: Bool { state.withLock { $0.urgent > 0 || $0.held > 0 } }

    /// Holds the background reader back (counted; each hold is released once).
    func hold() { state.withLock { $0.held += 1 } }

    /// Releases one ``hold()``.
    func release() { state.withLock { $0.held = max(0, $0.held - 1) } }

    /// Whether a dlist's list is in the index.
    func isRead(_ volumeID: Int64) -> Bool { state.withLock { $0.read.contains(volumeID) } }

    private enum Step {
        case done
        case wait(DispatchGroup)
        case load(DispatchGroup)
    }

    /// Returns once the dlist's list is in the index: at once when it is, after the read under
    /// way when there is one, else after reading it on this thread with `load`.
    /// - Parameters:
    ///   - volumeID: the dlist.
    ///   - urgent: a request waits for it (false: the background reader).
    ///   - load: reads the list into the index.
    /// - Throws: what `load` throws (the list stays unread and a later call tries again).
    func require(_ volumeID: Int64, urgent: Bool, load: () throws -> Void) throws {
        if urgent { state.withLock { $0.urgent += 1 } }
        defer { if urgent { state.withLock { $0.urgent -= 1 } } }
        while true {
            let step = state.withLock { state -> Step in
                if state.read.contains(volumeID) { return .done }
                if let running = state.loading[volumeID] { return .wait(running) }
                let group = DispatchGroup()
                group.enter()
                state.loading[volumeID] = group
                return .load(group)
            }
            switch step {
            case .done:
                return
            case .wait(let group):
                // Then read, or failed: a failed read is tried again by the next pass.
                group.wait()
            case .load(let group):
                defer {
                    state.withLock { _ = $0.loading.removeValue(forKey: volumeID) }
                    group.leave()
                }
                try load()
                state.withLock { state in
                    state.read.insert(volumeID)
                    state.generation += 1
                }
                return
            }
        }
    }
}
