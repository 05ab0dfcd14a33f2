#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Turns termination signals (SIGINT, SIGTERM, SIGHUP) into a call on a dedicated thread that
/// waits for them with `sigwait`, instead of an async signal handler (in which Swift code may
/// not run).
///
/// For this to catch every such signal, call ``block(_:)`` first thing in `main`, before any
/// other thread exists: threads inherit the mask, so the signals then reach only `sigwait`.
package final class TerminationSignals: Sendable {
    /// SIGINT, SIGTERM and SIGHUP.
    package static let defaultSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private let signals: [Int32]
    private let thread: pthread_t
    private let cancelled = CancellationFlag()

    /// Blocks `signals` in the calling thread (and in the threads it creates later).
    /// - Parameter signals: The signals to block.
    package static func block(_ signals: [Int32] = defaultSignals) {
        var set = signalSet(signals)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts the waiting thread. It is born with `signals` blocked, so a signal aimed at it can
    /// never take the default action.
    /// - Parameters:
    ///   - signals: The signals to wait for.
    ///   - handler: Called on the waiting thread with each signal received (maybe more than once).
    /// - Throws: ``FuseKitError/threadCreationFailed(errno:)``.
    package init(signals: [Int32] = defaultSignals, handler: @escaping @Sendable (Int32) -> Void) throws {
        self.signals = signals
        let cancelled = self.cancelled
        var set = Self.signalSet(signals)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &set, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let waitingSet = set
        thread = try startThread {
            var set = waitingSet
            while true {
                var received: Int32 = 0
                guard sigwait(&set, &received) == 0 else { continue }
                if cancelled.isSet { return }
                handler(received)
            }
        }
    }

    /// The waiting thread's id, to aim a signal at it with `pthread_kill` (tests do).
    package var threadID: UInt { UInt(thread) }

    /// Stops and joins the waiting thread without calling the handler again.
    package func cancel() {
        guard cancelled.set(), let signal = signals.first else { return }
        pthread_kill(thread, signal)
        pthread_join(thread, nil)
    }

    private static func signalSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }
}

extension FuseSession {
    /// Calls ``exit()`` when SIGINT, SIGTERM or SIGHUP arrives (see ``TerminationSignals``).
    /// - Returns: The watcher; ``TerminationSignals/cancel()`` it after ``run(threads:)`` returned.
    /// - Throws: ``FuseKitError/threadCreationFailed(errno:)``.
    package func exitOnTerminationSignals() throws -> TerminationSignals {
        try TerminationSignals { [weak self] _ in self?.exit() }
    }
}

/// Set once by ``TerminationSignals/cancel()``, read by the waiting thread.
private final class CancellationFlag: Sendable {
    private let value = Mutex(false)

    /// Whether cancel() ran.
    var isSet: Bool { value.withLock { $0 } }

    /// Sets the flag.
    /// - Returns: Whether this call set it (false if it was set already).
    func set() -> Bool {
        value.withLock { value in
            defer { value = true }
            return !value
        }
    }
}

/// A box carrying a closure into `pthread_create`'s `void *` argument.
private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// Starts a joinable pthread (not part of Swift's cooperative pool) running `body`.
private func startThread(_ body: @escaping @Sendable () -> Void) throws(FuseKitError) -> pthread_t {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { argument in
        guard let argument else { return nil }
        let box = Unmanaged<ThreadBody>.fromOpaque(argument).takeRetainedValue()
        box.body()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        throw .threadCreationFailed(errno: result)
    }
    return thread
}
