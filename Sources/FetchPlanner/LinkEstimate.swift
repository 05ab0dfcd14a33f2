/// What a fetch costs on the link to the storage: a round trip before the first byte of every
/// request, then bytes at the rate one connection reaches, all requests together at most at
/// the link's rate.
package struct LinkEstimate: Sendable, Equatable {
    /// Seconds from sending a request to the first byte of its answer.
    package var roundTrip: Double
    /// Bytes per second one request (one connection) reaches.
    package var connectionRate: Double
    /// Bytes per second all requests together reach.
    package var linkRate: Double

    /// Creates an estimate.
    /// - Parameters:
    ///   - roundTrip: seconds to the first byte (at least 10 µs).
    ///   - connectionRate: bytes per second of one request (at least 1 KiB/s).
    ///   - linkRate: bytes per second of the link (at least `connectionRate`).
    package init(roundTrip: Double, connectionRate: Double, linkRate: Double) {
        self.roundTrip = max(0.000_01, roundTrip.isFinite ? roundTrip : 0.05)
        self.connectionRate = max(1024, connectionRate.isFinite ? connectionRate : 1_048_576)
        self.linkRate = max(self.connectionRate, linkRate.isFinite ? linkRate : self.connectionRate)
    }

    /// A local folder (or a synced drive): requests cost almost nothing, bytes come at disk speed.
    package static let local = LinkEstimate(roundTrip: 0.000_2, connectionRate: 1_000_000_000, linkRate: 2_000_000_000)

    /// A remote store before anything was measured: tens of milliseconds away, a link of some
    /// tens of MB/s (what a pCloud user typically has).
    package static let remote = LinkEstimate(roundTrip: 0.05, connectionRate: 10_000_000, linkRate: 20_000_000)

    /// Bytes one connection could have carried during one round trip: a gap between two wanted
    /// ranges smaller than this costs less to download than a request of its own.
    package var bytesPerRoundTrip: Double { roundTrip * connectionRate }

    /// Requests to keep in flight: enough connections to fill the link, doubled so that each
    /// request's round trip overlaps another's transfer.
    /// - Parameter most: the upper bound (connections the storage allows).
    /// - Returns: 2 ... `most`.
    package func lanes(most: Int) -> Int {
        let filling = (linkRate / connectionRate).rounded(.up)
        return max(2, min(most, Int(min(filling, 64)) * 2))
    }
}
