import Synchronization

/// A rate limiter for bytes on their way out: each reservation books the next free slot on a
/// virtual timeline at the rate given, so everyone sharing the bucket together gets at most
/// that rate. Thread-safe.
///
/// Unused time is credited back for at most ``burst``, so a sleep that overran does not lose
/// throughput, yet an idle bucket does not save up a large burst.
final class TokenBucket: Sendable {
    /// How far behind now the timeline may lag: the largest burst an idle bucket allows.
    static let burst = Duration.milliseconds(10)

    private let nextFree = Mutex<ContinuousClock.Instant?>(nil)

    /// Books `bytes` at `rate` bytes per second.
    /// - Returns: When the last of those bytes has passed, i.e. when they may be sent.
    func reserve(_ bytes: Int, rate: Int) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        let length = Duration.nanoseconds(Int64(Double(bytes) * 1e9 / Double(max(rate, 1))))
        return nextFree.withLock { next in
            let earliest = now - Self.burst
            let start = max(next ?? earliest, earliest)
            let end = start + length
            next = end
            return end
        }
    }
}
