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
    /// The WAN model's rate limits for this body's connection and the link.
    var pacer: WANPacer?
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

/// A body writer that counts bytes and applies the WAN model's rates, drip, truncation and byte flips.
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
        let drip = shape.dripBytesPerSecond.flatMap { $0 > 0 ? $0 : nil }
        var step = shape.pacer?.chunkSize(for: length) ?? length
        if let drip { step = min(step, max(1, drip / 20)) }
        var sent = 0
        while sent < length {
            let n = min(max(step, 1), length - sent)
            // The WAN rates hold each piece back until it has passed the modelled link; a drip
            // fault sends first and then waits, as it always has.
            try await shape.pacer?.pace(n)
            if n == length {
                try await inner.write(buffer)
            } else if let slice = buffer.getSlice(at: buffer.readerIndex + sent, length: n) {
                try await inner.write(slice)
            }
            counter.add(n)
            sent += n
            if let drip { try await Task.sleep(nanoseconds: UInt64(n) * 1_000_000_000 / UInt64(drip)) }
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
