import Foundation
import HTTP
import Logging

/// Runs an operation again after transient ``PCloudError``s, pausing as a ``RetryPolicy`` says.
struct RetryLoop: Sendable {
    let policy: RetryPolicy
    let logger: Logger
    /// Pauses the calling thread (injectable for tests).
    let sleep: @Sendable (Double) -> Void
    /// A number in `0...1` for jitter.
    let jitter: @Sendable () -> Double

    init(
        policy: RetryPolicy, logger: Logger,
        sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.policy = policy
        self.logger = logger
        self.sleep = sleep
        self.jitter = jitter
    }

    /// Runs `body` until it succeeds, fails for good, or the policy gives up.
    /// - Parameters:
    ///   - operation: a short name for logs (no secrets).
    ///   - body: the attempt; receives the attempt number, 1 first.
    /// - Throws: the permanent error, or ``PCloudError/exhausted(attempts:last:)``.
    func run<T>(_ operation: String, _ body: (Int) throws(PCloudError) -> T) throws(PCloudError) -> T {
        let start = Date()
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try body(attempt)
            } catch {
                guard error.isTransient else { throw error }
                let elapsed = Date().timeIntervalSince(start)
                guard
                    let pause = policy.delay(
                        afterAttempt: attempt, elapsed: elapsed, retryAfter: error.retryAfter, jitter: jitter())
                else {
                    throw attempt > 1 ? .exhausted(attempts: attempt, last: error) : error
                }
                logger.info(
                    "pCloud \(operation) failed, retrying",
                    metadata: ["attempt": "\(attempt)", "pause": "\(pause)", "error": "\(error)"])
                sleep(pause)
            }
        }
    }
}
