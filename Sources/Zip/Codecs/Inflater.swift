internal import CZlib

/// Owns one zlib raw-inflate stream (`inflateInit2` with windowBits -15: zip's method 8 has no
/// zlib header). Made per decode call, so concurrent reads never share one.
final class Inflater: StreamDecoder {
    private let name: String

    // z_stream holds pointers into itself (the state points back at the stream): it must not move.
    private let stream: UnsafeMutablePointer<z_stream>

    /// Wraps `inflateInit2(stream, -15)` through `czlib_inflate_init_raw`, or with `gzip`
    /// `inflateInit2(stream, 31)` through `czlib_inflate_init_gzip` (one gzip member, its CRC
    /// and length checked by zlib).
    /// - Throws: `ZipError.inflateFailed` if zlib cannot allocate its state.
    init(name: String, gzip: Bool = false) throws(ZipError) {
        self.name = name
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let code = gzip ? czlib_inflate_init_gzip(stream) : czlib_inflate_init_raw(stream)
        guard code == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .inflateFailed("\(name): inflateInit2 returned \(code)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Wraps `inflate(Z_NO_FLUSH)` (deflate streams end by themselves: `finishing` changes nothing).
    /// - Throws: `ZipError.inflateFailed` with zlib's message for corrupt data.
    func decode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool
    ) throws(ZipError) -> DecodeStep {
        // avail_in and avail_out are 32-bit; callers loop, so a partial call is fine.
        let inCount = min(input.count, Int(UInt32.max))
        let outCount = min(output.count, Int(UInt32.max))
        guard outCount > 0, let outBase = output.baseAddress else {
            throw .inflateFailed("\(name): no room for output")
        }
        if inCount > 0, let inBase = input.baseAddress {
            // zlib is built without z_const, so next_in is mutable in C; inflate never writes it.
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: Bytef.self))
        } else {
            stream.pointee.next_in = nil
        }
        stream.pointee.avail_in = UInt32(inCount)
        stream.pointee.next_out = outBase.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(outCount)

        let code = CZlib.inflate(stream, Z_NO_FLUSH)
        let step = DecodeStep(
            consumed: inCount - Int(stream.pointee.avail_in),
            produced: outCount - Int(stream.pointee.avail_out),
            ended: code == Z_STREAM_END)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch code {
        case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
            // Z_BUF_ERROR only means no progress was possible; the caller decides what that means.
            return step
        case Z_NEED_DICT:
            throw .inflateFailed("\(name): deflate stream needs a preset dictionary")
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(code)"
            throw .inflateFailed("\(name): \(message)")
        }
    }
}
