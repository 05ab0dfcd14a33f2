import Foundation

/// How often and how patiently to retry a failed request: exponential backoff with jitter,
/// bounded both in attempts and in total time.
package struct RetryPolicy: Sendable, Equatable {
    /// The most attempts, the first included (1 means no retry).
    package var maxAttempts: Int
    /// The delay before the first retry, in seconds, before jitter.
    package var initialDelay: Double
    /// The ceiling of any single delay, in seconds (a server's `Retry-After` may exceed it, up to
    /// ``maxTotalTime``).
    package var maxDelay: Double
    /// Time budget in seconds for all attempts and delays together; no retry starts after it.
    package var maxTotalTime: Double

    /// - Parameters:
    ///   - maxAttempts: the most attempts, the first included.
    ///   - initialDelay: the first backoff in seconds.
    ///   - maxDelay: the largest backoff in seconds.
    ///   - maxTotalTime: the whole budget in seconds.
    package init(maxAttempts: Int = 6, initialDelay: Double = 0.25, maxDelay: Double = 8, maxTotalTime: Double = 120) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = max(0, initialDelay)
        self.maxDelay = max(0, maxDelay)
        self.maxTotalTime = max(0, maxTotalTime)
    }

    /// A policy that never retries.
    package static let never = RetryPolicy(maxAttempts: 1)

    /// The pause before the next attempt, or `nil` to give up.
    /// - Parameters:
    ///   - attempt: how many attempts failed so far (1 after the first failure).
    ///   - elapsed: seconds since the first attempt started.
    ///   - retryAfter: the server's `Retry-After` in seconds, if it sent one.
    ///   - jitter: a number in `0...1` (random in production) that spreads the delay over
    ///     `[half, full]` of the exponential value.
    /// - Returns: seconds to wait, or `nil` when attempts or time are used up.
    package func delay(afterAttempt attempt: Int, elapsed: Double, retryAfter: Double? = nil, jitter: Double) -> Double? {
        guard attempt >= 1, attempt < maxAttempts else { return nil }
        let exponent = Double(min(attempt - 1, 62))
        let base = min(maxDelay, initialDelay * pow2(exponent))
        let spread = min(1, max(0, jitter.isFinite ? jitter : 1))
        var pause = base * (0.5 + 0.5 * spread)
        if let retryAfter, retryAfter.isFinite, retryAfter > 0 { pause = max(pause, retryAfter) }
        guard elapsed + pause <= maxTotalTime else { return nil }
        return pause
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }

    /// Parses a `Retry-After` value given in seconds (the HTTP-date form is ignored).
    /// - Parameter value: the header value.
    /// - Returns: seconds, or `nil` when absent or not a plain number.
    package static func retryAfterSeconds(_ value: String?) -> Double? {
        guard let value, let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return Double(min(seconds, 86_400))
    }
}
