internal import CLzma

/// Compresses bytes as SharpCompress stores a zip method 14 entry: the header `09 14 05 00`
/// (LZMA SDK 9.20, properties size 5), the properties (lc 3, lp 0, pb 2, 1 MiB dictionary:
/// `5D 00 00 10 00`), then raw LZMA1 without an end marker. For fixtures and tests.
package enum LZMAEncoder {
    /// LZMA_LZMA1EXT_ALLOW_EOPM, spelt out: the header defines it with UINT32_C, a macro Swift can't see.
    static let allowEndMarker: UInt32 = 0x01
    /// Compresses a whole buffer.
    /// - Parameters:
    ///   - input: all the uncompressed bytes.
    ///   - endMarker: also write the end-of-stream marker (zip general purpose bit 1), which
    ///     SharpCompress does not.
    /// - Returns: header and stream.
    package static func compress(_ input: [UInt8], endMarker: Bool = false) -> [UInt8] {
        var options = lzma_options_lzma()
        precondition(lzma_lzma_preset(&options, 6) == 0, "lzma_lzma_preset failed")
        options.dict_size = 1 << 20
        options.lc = 3
        options.lp = 0
        options.pb = 2
        options.ext_flags = endMarker ? Self.allowEndMarker : 0
        let stream = UnsafeMutablePointer<lzma_stream>.allocate(capacity: 1)
        stream.initialize(to: lzma_stream())
        defer {
            lzma_end(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // With valid options the only failure is out of memory, which a fixture cannot recover from.
        precondition(clzma_raw_lzma1ext_init(stream, &options, 1) == LZMA_OK, "lzma_raw_encoder failed")
        var result: [UInt8] = [0x09, 0x14, 0x05, 0x00, 0x5D, 0x00, 0x00, 0x10, 0x00]
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        input.withUnsafeBytes { source in
            stream.pointee.next_in = source.baseAddress?.assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_in = source.count
            while true {
                let (code, produced) = chunk.withUnsafeMutableBytes { out -> (lzma_ret, Int) in
                    stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    stream.pointee.avail_out = out.count
                    let code = lzma_code(stream, LZMA_FINISH)
                    return (code, out.count - stream.pointee.avail_out)
                }
                result += chunk[0..<produced]
                precondition(code == LZMA_OK || code == LZMA_STREAM_END, "lzma_code returned \(code.rawValue)")
                if code == LZMA_STREAM_END { return }
            }
        }
        return result
    }
}
