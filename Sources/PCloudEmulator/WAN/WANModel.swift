import Synchronization

/// The emulator's wide-area link: the current ``WANSettings`` (changeable at run time) and the
/// token bucket all connections share. Thread-safe.
package final class WANModel: Sendable {
    private let current: Mutex<WANSettings>
    private let link = TokenBucket()

    init(_ settings: WANSettings) {
        current = Mutex(settings)
    }

    /// The settings in force; setting them takes effect for the next body chunk and the next request.
    package var settings: WANSettings {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// The pacing of one response body on the connection owning `connectionBucket`.
    func pacer(connection connectionBucket: TokenBucket) -> WANPacer {
        WANPacer(model: self, connection: connectionBucket)
    }

    fileprivate func reserveOnLink(_ bytes: Int, rate: Int) -> ContinuousClock.Instant {
        link.reserve(bytes, rate: rate)
    }
}

/// Shapes one response body to the connection's and the link's rates.
struct WANPacer: Sendable {
    let model: WANModel
    let connection: TokenBucket

    /// How many bytes to hand over at once: about 20 ms at the slower rate, 16–256 KiB, or
    /// everything when no rate is set. Fewer, larger pieces keep the sleeps few: on a busy
    /// cooperative pool every wake-up can come late.
    func chunkSize(for length: Int) -> Int {
        let settings = model.settings
        guard let slowest = [settings.connectionRate, settings.linkRate].compactMap({ $0 }).min() else { return length }
        return min(max(slowest / 50, 16_384), 262_144)
    }

    /// Waits until `bytes` more body bytes fit through the connection and the link.
    func pace(_ bytes: Int) async throws {
        let settings = model.settings
        var until: ContinuousClock.Instant?
        if let rate = settings.connectionRate { until = connection.reserve(bytes, rate: rate) }
        if let rate = settings.linkRate {
            let end = model.reserveOnLink(bytes, rate: rate)
            until = max(until ?? end, end)
        }
        guard let until, until > .now else { return }
        try await Task.sleep(until: until, clock: .continuous)
    }
}
