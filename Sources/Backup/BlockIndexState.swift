import Foundation
import Synchronization

/// Whether one phase of indexing (file lists, block locations) is complete; reads that miss a
/// block location wait on it.
final class BlockIndexState: Sendable {
    private let done = Mutex(false)
    private let signal = DispatchSemaphore(value: 0)

    /// Marks the index complete and wakes every waiter.
    func finish() {
        done.withLock { $0 = true }
        signal.signal()
    }

    var isComplete: Bool { done.withLock { $0 } }

    /// Waits until complete or `timeout` seconds pass. - Returns: whether complete.
    func wait(timeout: Double) -> Bool {
        if isComplete { return true }
        let result = signal.wait(timeout: .now() + timeout)
        if result == .success { signal.signal() }
        return isComplete
    }
}
