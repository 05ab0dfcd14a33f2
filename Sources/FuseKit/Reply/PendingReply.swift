#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization

/// The answer a request is owed, sent exactly once from whichever thread gets there first: the
/// filesystem (``succeed(_:)``, ``fail(_:)``, ``answer(_:)``), at once or later from a thread of
/// its own, or FuseKit when the request's deadline passes (`EIO`).
///
/// This is FuseKit's one time rule: every request that may wait for storage gets the session's
/// request timeout, counted from when it arrived. A filesystem never blocks a libfuse worker
/// waiting for slow work: it answers what it has at hand on the calling thread and hands the
/// rest to a thread of its own, which answers when done (libfuse allows `fuse_reply_*` from
/// any thread). A late answer is dropped, and tells its caller so (``delivered(_:)`` returns false)
/// so that it can undo what the answer would have handed over (an open handle).
package final class PendingReply<Value: Sendable>: Sendable {
    /// When FuseKit answers `EIO` if nobody answered before.
    package let deadline: DispatchTime
    private let deliver: @Sendable (Result<Value, Errno>) -> Void
    private let answered = Atomic<Bool>(false)

    /// Creates a pending reply (FuseKit makes one per request; tests may make their own).
    /// - Parameters:
    ///   - timeout: Seconds from now to the deadline.
    ///   - deliver: Sends the one answer; called at most once.
    package init(timeout: Double, deliver: @escaping @Sendable (Result<Value, Errno>) -> Void) {
        self.deliver = deliver
        deadline = .now() + timeout
    }

    /// Whether an answer (the filesystem's or the deadline's) went out.
    package var isAnswered: Bool { answered.load(ordering: .acquiring) }

    /// Seconds left before the deadline (0 when it passed).
    package var remaining: Double {
        let now = DispatchTime.now().uptimeNanoseconds
        let end = deadline.uptimeNanoseconds
        return end > now ? Double(end - now) / 1e9 : 0
    }

    /// Answers with a value (dropped when the deadline answered first).
    /// - Parameter value: The answer.
    package func succeed(_ value: Value) {
        _ = delivered(value)
    }

    /// Answers with a value, telling whether it went out.
    /// - Parameter value: The answer.
    /// - Returns: false when the request was already answered (the deadline passed): the value
    ///   was not delivered, and whatever it hands over (an open handle) must be undone.
    package func delivered(_ value: Value) -> Bool {
        guard claim() else { return false }
        deliver(.success(value))
        return true
    }

    /// Answers with an error (dropped when the request was already answered).
    /// - Parameter error: The error (`ENOENT`, `EIO`, ...).
    package func fail(_ error: Errno) {
        guard claim() else { return }
        deliver(.failure(error))
    }

    /// Answers with what `body` returns, or the error it throws.
    /// - Parameter body: Computes the answer.
    package func answer(_ body: () throws(Errno) -> Value) {
        do throws(Errno) {
            succeed(try body())
        } catch {
            fail(error)
        }
    }

    /// Answers `EIO` unless somebody answered before (FuseKit calls this at the deadline).
    /// - Returns: whether this call answered.
    @discardableResult
    package func expire() -> Bool {
        guard claim() else { return false }
        deliver(.failure(Errno(EIO)))
        return true
    }

    private func claim() -> Bool {
        !answered.exchange(true, ordering: .acquiringAndReleasing)
    }
}
