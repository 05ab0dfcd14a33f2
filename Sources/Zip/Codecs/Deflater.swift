internal import CZlib

/// Compresses bytes to raw DEFLATE (RFC 1951, no zlib header), as zip method 8 stores them.
/// Owns one zlib stream made by `deflateInit2` with windowBits -15.
///
/// Feed input in any number of chunks; the last call passes `finish: true`. Used by
/// `ZipWriter`, and by tests that need very large streams without holding their input.
package final class Deflater {
    // z_stream holds pointers into itself: it must not move.
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    /// Starts a raw deflate stream (`deflateInit2` through `czlib_deflate_init_raw`).
    /// - Parameter level: 0 (stored blocks) to 9 (smallest); -1 is zlib's default (6).
    ///   Values outside -1...9 are clamped.
    package init(level: Int32 = 6) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let code = czlib_deflate_init_raw(stream, min(max(level, -1), 9))
        // With a valid level the only failure is out of memory, which nothing here can recover from.
        precondition(code == Z_OK, "deflateInit2 failed with \(code)")
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses more input (wraps `deflate`).
    /// - Parameters:
    ///   - input: the next uncompressed bytes.
    ///   - finish: true for the last chunk: ends the stream (`Z_FINISH`).
    /// - Returns: the compressed bytes produced by this call (may be empty until zlib has a block).
    package func compress(_ input: UnsafeRawBufferPointer, finish: Bool) -> [UInt8] {
        precondition(!finished, "Deflater used after finish")
        var result: [UInt8] = []
        var offset = 0
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let inCount = min(input.count - offset, Int(UInt32.max))
            if inCount > 0, let base = input.baseAddress {
                stream.pointee.next_in = UnsafeMutablePointer(
                    mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            } else {
                stream.pointee.next_in = nil
            }
            stream.pointee.avail_in = UInt32(inCount)
            let isLastSlice = input.count - offset == inCount
            let flush = finish && isLastSlice ? Z_FINISH : Z_NO_FLUSH
            let (code, produced) = chunk.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(out.count)
                let code = CZlib.deflate(stream, flush)
                return (code, out.count - Int(stream.pointee.avail_out))
            }
            offset += inCount - Int(stream.pointee.avail_in)
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
            result.append(contentsOf: chunk[0..<produced])
            // Z_STREAM_ERROR means a broken stream state: a bug here, never a data problem.
            precondition(code != Z_STREAM_ERROR, "deflate returned Z_STREAM_ERROR")
            if code == Z_STREAM_END {
                finished = true
                return result
            }
            if !finish && offset == input.count && produced < chunk.count {
                return result
            }
        }
    }

    /// Compresses more input held in an array.
    /// - Parameters:
    ///   - input: the next uncompressed bytes.
    ///   - finish: true for the last chunk.
    /// - Returns: the compressed bytes produced by this call.
    package func compress(_ input: [UInt8], finish: Bool) -> [UInt8] {
        input.withUnsafeBytes { compress($0, finish: finish) }
    }

    /// Compresses a whole buffer in one go.
    /// - Parameters:
    ///   - input: all the uncompressed bytes.
    ///   - level: 0 to 9, as for `init(level:)`.
    /// - Returns: one complete raw deflate stream.
    package static func deflate(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        Deflater(level: level).compress(input, finish: true)
    }
}
