import ByteSource
import FetchPlanner
import Foundation

/// A store whose reads are timed: every read that reaches the wrapped store reports its size
/// and duration to a ``LinkMeter``, which the fetch planner plans with. Put it directly around
/// the remote store (inside any disk cache), so that only real downloads are measured.
package struct MeteredStore: BackendStore {
    let inner: any BackendStore
    /// Where the reads are reported.
    package let meter: LinkMeter

    /// Wraps a store.
    /// - Parameters:
    ///   - inner: the remote store.
    ///   - meter: receives every read's size and duration.
    package init(inner: any BackendStore, meter: LinkMeter) {
        self.inner = inner
        self.meter = meter
    }

    package var displayName: String { inner.displayName }
    package var identity: String { inner.identity }
    package func list() throws -> [RemoteFile] { try inner.list() }
    package func open(_ file: RemoteFile) throws -> any ByteSource { Metered(inner: try inner.open(file), meter: meter) }
    package func openUncached(_ file: RemoteFile) throws -> any ByteSource { Metered(inner: try inner.openUncached(file), meter: meter) }
    package func discardCachedData(of name: String) { inner.discardCachedData(of: name) }

    struct Metered: ByteSource {
        let inner: any ByteSource
        let meter: LinkMeter
        var size: Int64 { inner.size }

        func read(at offset: Int64, count: Int) throws -> [UInt8] {
            let started = DispatchTime.now().uptimeNanoseconds
            let bytes = try inner.read(at: offset, count: count)
            let finished = DispatchTime.now().uptimeNanoseconds
            meter.record(bytes: bytes.count, seconds: Double(finished - started) / 1e9, finishedAt: Double(finished) / 1e9)
            return bytes
        }
    }
}
