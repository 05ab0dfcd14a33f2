import Foundation
import Synchronization

/// The thread that indexes a mount's backup while it already serves: asked to stop, and waited
/// for, before the process exits. A process that exits while this thread still decrypts or
/// inflates crashes in exit-time cleanup (seen as SIGILL or SIGSEGV in the AES key derivation
/// after a failed mount).
final class BackgroundIndexing: Sendable {
    private let stopRequested = Mutex(false)
    /// Signalled once by ``stop(timeout:)``: wakes the pauses between retries.
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled once when the thread's work ends (at once when there was none).
    private let ended = DispatchSemaphore(value: 0)
    private let running = Mutex(false)

    /// Whether the work should end at its next check.
    var isStopping: Bool { stopRequested.withLock { $0 } }

    /// Runs `work` on a new thread named `name`.
    func start(name: String, _ work: @escaping @Sendable () -> Void) {
        running.withLock { $0 = true }
        let thread = Thread { [self] in
            work()
            running.withLock { $0 = false }
            ended.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits `seconds`, or less when asked to stop. - Returns: false when asked to stop.
    func pause(seconds: Double) -> Bool {
        if isStopping { return false }
        if wake.wait(timeout: .now() + seconds) == .success {
            wake.signal()
            return false
        }
        return !isStopping
    }

    /// Asks the work to stop (it does at its next volume) and waits for it to end.
    /// - Parameter timeout: seconds to wait at most (a volume being read ends with its own
    ///   storage time limit).
    /// - Returns: whether the thread has ended (or never ran).
    @discardableResult
    func stop(timeout: Double) -> Bool {
        let first = stopRequested.withLock { stopping -> Bool in
            defer { stopping = true }
            return !stopping
        }
        if first { wake.signal() }
        guard running.withLock({ $0 }) else { return true }
        guard ended.wait(timeout: .now() + timeout) == .success else { return false }
        ended.signal()
        return true
    }
}
