internal import CZstd

/// Compresses bytes to one zstd frame the way Duplicati's writers do (ZstdSharp's streaming
/// encoder in SharpCompress and the tzstd container): no content size in the frame header, no
/// checksum. For fixtures and tests.
package enum ZstdEncoder {
    /// Compresses a whole buffer into one frame (`ZSTD_compressStream2` with `ZSTD_e_end`).
    /// - Parameters:
    ///   - input: all the uncompressed bytes.
    ///   - level: 1 to 22 (Duplicati: 21 for compressible zip entries, 1 for the others, 10 for tzstd).
    /// - Returns: the frame.
    package static func compress(_ input: [UInt8], level: Int32) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { preconditionFailure("ZSTD_createCCtx failed") }
        defer { ZSTD_freeCCtx(context) }
        check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level), "compressionLevel")
        check(ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0), "contentSizeFlag")
        check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0), "checksumFlag")
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(Int(ZSTD_CStreamOutSize()), 1 << 16))
        input.withUnsafeBytes { source in
            var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while true {
                let (remaining, produced) = chunk.withUnsafeMutableBytes { out -> (Int, Int) in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let remaining = ZSTD_compressStream2(context, &outBuffer, &inBuffer, ZSTD_e_end)
                    check(remaining, "compressStream2")
                    return (remaining, outBuffer.pos)
                }
                result += chunk[0..<produced]
                if remaining == 0 { return }
            }
        }
        return result
    }

    /// A libzstd error here is a bug in this encoder's use of it (valid parameters, enough memory).
    private static func check(_ code: Int, _ what: String) {
        precondition(ZSTD_isError(code) == 0, "ZSTD \(what): \(String(cString: ZSTD_getErrorName(code)))")
    }
}
