internal import CBZip2

/// Owns one libbz2 decompression stream: zip method 12 entries (a complete `.bz2` stream each,
/// written by SharpCompress when `--zip-compression-method=BZip2`).
final class BZip2Decoder: StreamDecoder {
    private let name: String
    // bz_stream's state points back at the stream: it must not move.
    private let stream: UnsafeMutablePointer<bz_stream>

    /// Wraps `BZ2_bzDecompressInit` (not small, not verbose).
    /// - Throws: `ZipError.inflateFailed` if libbz2 cannot set up its state.
    init(name: String) throws(ZipError) {
        self.name = name
        stream = .allocate(capacity: 1)
        stream.initialize(to: bz_stream())
        let code = BZ2_bzDecompressInit(stream, 0, 0)
        guard code == BZ_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .inflateFailed("\(name): BZ2_bzDecompressInit returned \(code)")
        }
    }

    deinit {
        BZ2_bzDecompressEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Wraps `BZ2_bzDecompress`. A bzip2 stream ends by itself (end-of-stream marker and CRC).
    func decode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool
    ) throws(ZipError) -> DecodeStep {
        let inCount = min(input.count, Int(UInt32.max))
        let outCount = min(output.count, Int(UInt32.max))
        // next_in is char * in C; BZ2_bzDecompress never writes through it.
        stream.pointee.next_in = inCount > 0 ? UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self)) : nil
        stream.pointee.avail_in = UInt32(inCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_out = UInt32(outCount)
        let code = BZ2_bzDecompress(stream)
        let step = DecodeStep(
            consumed: inCount - Int(stream.pointee.avail_in), produced: outCount - Int(stream.pointee.avail_out),
            ended: code == BZ_STREAM_END)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch code {
        case BZ_OK, BZ_STREAM_END:
            return step
        case BZ_DATA_ERROR, BZ_DATA_ERROR_MAGIC:
            throw .inflateFailed("\(name): bzip2 data is corrupt (\(code == BZ_DATA_ERROR_MAGIC ? "no BZh signature" : "CRC or structure"))")
        default:
            throw .inflateFailed("\(name): BZ2_bzDecompress returned \(code)")
        }
    }
}
