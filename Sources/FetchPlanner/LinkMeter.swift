import Synchronization

/// The link as measured on live requests: each finished fetch reports its size and duration,
/// and the estimate follows (exponentially weighted: recent fetches count most).
///
/// Small fetches (under ``smallFetch`` bytes) are mostly round trip and measure it; large ones
/// (over ``largeFetch``) measure the rate of one connection once a round trip is taken off;
/// bytes finished per second while several fetches overlap measure the link.
package final class LinkMeter: Sendable {
    /// Fetches up to this size measure the round trip.
    package static let smallFetch = 64 << 10
    /// Fetches from this size measure a connection's rate.
    package static let largeFetch = 1 << 20
    /// Weight of a new measurement.
    static let weight = 0.25

    private struct State {
        var estimate: LinkEstimate
        var measured = 0
        /// Bytes finished in the current one-second window, and when it started.
        var windowBytes: Double = 0
        var windowStart: Double = 0
    }

    private let state: Mutex<State>

    /// Creates a meter starting from a guess.
    /// - Parameter initial: the estimate until fetches are measured.
    package init(initial: LinkEstimate) {
        state = Mutex(State(estimate: initial))
    }

    /// The current estimate.
    package var estimate: LinkEstimate { state.withLock { $0.estimate } }

    /// How many fetches were measured.
    package var measuredFetches: Int { state.withLock { $0.measured } }

    /// Records one finished fetch.
    /// - Parameters:
    ///   - bytes: bytes it downloaded.
    ///   - seconds: from its request to its last byte.
    ///   - finishedAt: when it finished, in seconds of any monotonic clock (for the link rate).
    package func record(bytes: Int, seconds: Double, finishedAt: Double) {
        guard bytes > 0, seconds > 0, seconds.isFinite else { return }
        state.withLock { state in
            var estimate = state.estimate
            let w = Self.weight
            if bytes <= Self.smallFetch {
                estimate.roundTrip = (1 - w) * estimate.roundTrip + w * seconds
            } else if bytes >= Self.largeFetch {
                let transfer = max(seconds - estimate.roundTrip, seconds / 4)
                estimate.connectionRate = (1 - w) * estimate.connectionRate + w * (Double(bytes) / transfer)
            }
            if finishedAt - state.windowStart >= 1 {
                if state.windowBytes > 0 {
                    let rate = state.windowBytes / max(1, finishedAt - state.windowStart)
                    estimate.linkRate = max(estimate.linkRate * (1 - w) + w * rate, rate)
                }
                state.windowStart = finishedAt
                state.windowBytes = 0
            }
            state.windowBytes += Double(bytes)
            state.estimate = LinkEstimate(
                roundTrip: estimate.roundTrip, connectionRate: estimate.connectionRate, linkRate: estimate.linkRate)
            state.measured += 1
        }
    }
}
