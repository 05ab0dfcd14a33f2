internal import CZstd

/// Owns one libzstd decompression context: zip method 93 entries (one zstd frame, written by
/// SharpCompress from Duplicati 2.3.0.100 on) and `.tzstd` volumes.
final class ZstdDecoder: StreamDecoder {
    private let name: String
    private let context: OpaquePointer

    /// Wraps `ZSTD_createDCtx`.
    /// - Throws: `ZipError.inflateFailed` if libzstd cannot allocate its context.
    init(name: String) throws(ZipError) {
        guard let context = ZSTD_createDCtx() else { throw .inflateFailed("\(name): ZSTD_createDCtx failed") }
        self.name = name
        self.context = context
    }

    deinit {
        ZSTD_freeDCtx(context)
    }

    /// Wraps `ZSTD_decompressStream`. The stream ends with its first frame: Duplicati writes one
    /// frame per entry or volume, so a byte after it is an error.
    func decode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool
    ) throws(ZipError) -> DecodeStep {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
        if ZSTD_isError(result) != 0 {
            throw .inflateFailed("\(name): zstd: \(String(cString: ZSTD_getErrorName(result)))")
        }
        // 0: the frame is complete and flushed; anything else is a hint of how much input is next.
        return DecodeStep(consumed: inBuffer.pos, produced: outBuffer.pos, ended: result == 0)
    }
}
