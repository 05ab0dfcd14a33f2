import HTTP
import Testing

@Suite struct RetryPolicyTests {
    @Test func delaysDoubleUpToTheCeiling() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: 1, maxDelay: 5, maxTotalTime: 1000)
        let pauses = (1...5).map { policy.delay(afterAttempt: $0, elapsed: 0, jitter: 1) }
        #expect(pauses == [1, 2, 4, 5, 5])
    }

    @Test func jitterSpreadsOverTheUpperHalf() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: 2, maxDelay: 100, maxTotalTime: 1000)
        #expect(policy.delay(afterAttempt: 1, elapsed: 0, jitter: 0) == 1)
        #expect(policy.delay(afterAttempt: 1, elapsed: 0, jitter: 0.5) == 1.5)
        #expect(policy.delay(afterAttempt: 1, elapsed: 0, jitter: 7) == 2)
    }

    @Test func givesUpAfterTheLastAttempt() {
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: 0.1, maxDelay: 1, maxTotalTime: 100)
        #expect(policy.delay(afterAttempt: 2, elapsed: 0, jitter: 1) != nil)
        #expect(policy.delay(afterAttempt: 3, elapsed: 0, jitter: 1) == nil)
        #expect(RetryPolicy.never.delay(afterAttempt: 1, elapsed: 0, jitter: 1) == nil)
    }

    @Test func givesUpWhenThePauseWouldExceedTheTimeBudget() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: 4, maxDelay: 4, maxTotalTime: 10)
        #expect(policy.delay(afterAttempt: 1, elapsed: 5, jitter: 1) == 4)
        #expect(policy.delay(afterAttempt: 1, elapsed: 7, jitter: 1) == nil)
    }

    @Test func retryAfterLengthensThePause() {
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: 0.1, maxDelay: 1, maxTotalTime: 30)
        #expect(policy.delay(afterAttempt: 1, elapsed: 0, retryAfter: 3, jitter: 1) == 3)
        #expect(policy.delay(afterAttempt: 1, elapsed: 0, retryAfter: 60, jitter: 1) == nil)
    }

    @Test func parsesRetryAfterSecondsOnly() {
        #expect(RetryPolicy.retryAfterSeconds("2") == 2)
        #expect(RetryPolicy.retryAfterSeconds(" 10 ") == 10)
        #expect(RetryPolicy.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(RetryPolicy.retryAfterSeconds("-1") == nil)
        #expect(RetryPolicy.retryAfterSeconds(nil) == nil)
    }
}
