import Hummingbird
import NIOCore
import Synchronization

/// How fault rules reshape a response body on its way out.
struct BodyShape: Sendable {
    /// Throttle to this many bytes per second.
    var dripBytesPerSecond: Int?
    /// Send only this many bytes, then close the connection.
    var truncateAfter: Int64?
    /// XOR the byte at this body offset with 0xFF.
    var flipOffset: Int64?
    /// Names of the shaping faults, for the log.
    var faultNames: [String] = []
}

/// Counts body bytes written, readable after the writer has been consumed.
final class ByteCounter: Sendable {
    private let value = Atomic<Int64>(0)
    func add(_ n: Int) { value.add(Int64(n), ordering: .relaxed) }
    var count: Int64 { value.load(ordering: .relaxed) }
}

/// Thrown to abort a response mid-body; the server then closes the connection.
enum ConnectionAbort: Error {
    case truncated
    case dropped
}

/// A body writer that counts bytes and applies drip, truncation and byte flips.
struct ShapedBodyWriter: ResponseBodyWriter {
    var inner: any ResponseBodyWriter
    let shape: BodyShape
    let counter: ByteCounter
    var offset: Int64 = 0

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        var cut = false
        if let limit = shape.truncateAfter {
            let remaining = limit - offset
            if remaining <= 0 { throw await abortAfterFlush() }
            if Int64(buffer.readableBytes) > remaining {
                buffer = buffer.getSlice(at: buffer.readerIndex, length: Int(remaining)) ?? ByteBuffer()
                cut = true
            }
        }
        if let flip = shape.flipOffset, flip >= offset, flip < offset + Int64(buffer.readableBytes) {
            let index = buffer.readerIndex + Int(flip - offset)
            if let byte = buffer.getInteger(at: index, as: UInt8.self) {
                buffer.setInteger(byte ^ 0xFF, at: index)
            }
        }
        let length = buffer.readableBytes
        if let rate = shape.dripBytesPerSecond, rate > 0 {
            let step = max(1, rate / 20)
            var sent = 0
            while sent < length {
                let n = min(step, length - sent)
                if let slice = buffer.getSlice(at: buffer.readerIndex + sent, length: n) {
                    try await inner.write(slice)
                }
                counter.add(n)
                sent += n
                try await Task.sleep(nanoseconds: UInt64(n) * 1_000_000_000 / UInt64(rate))
            }
        } else if length > 0 {
            try await inner.write(buffer)
            counter.add(length)
        }
        offset += Int64(length)
        if cut { throw await abortAfterFlush() }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        let inner = self.inner
        try await inner.finish(trailingHeaders)
    }

    private func abortAfterFlush() async -> ConnectionAbort {
        // Give the bytes already handed to NIO a moment to reach the socket before the close.
        try? await Task.sleep(nanoseconds: 50_000_000)
        return .truncated
    }
}
