/// The limits that make sure no request waits forever.
package struct HTTPTimeouts: Sendable, Equatable {
    /// Seconds allowed to resolve, connect and finish the TLS handshake (`CURLOPT_CONNECTTIMEOUT_MS`).
    package var connect: Double
    /// A transfer slower than ``stallBytesPerSecond`` for this many seconds is aborted
    /// (`CURLOPT_LOW_SPEED_TIME`).
    package var stall: Double
    /// The speed below which a transfer counts as stalled (`CURLOPT_LOW_SPEED_LIMIT`).
    package var stallBytesPerSecond: Int
    /// Seconds after which any request is aborted, whatever its speed (`CURLOPT_TIMEOUT_MS`).
    package var total: Double

    /// - Parameters:
    ///   - connect: connect timeout in seconds.
    ///   - stall: seconds of stalled transfer before giving up.
    ///   - stallBytesPerSecond: the speed that counts as stalled.
    ///   - total: overall cap in seconds.
    package init(connect: Double = 15, stall: Double = 30, stallBytesPerSecond: Int = 1, total: Double = 600) {
        self.connect = connect
        self.stall = stall
        self.stallBytesPerSecond = stallBytesPerSecond
        self.total = total
    }
}
