internal import CBZip2

/// Compresses bytes to a complete `.bz2` stream, as SharpCompress stores a zip method 12
/// entry. For fixtures and tests.
package enum BZip2Encoder {
    /// Compresses a whole buffer (`BZ2_bzCompress` with `BZ_FINISH`).
    /// - Parameters:
    ///   - input: all the uncompressed bytes.
    ///   - blockSize: 1 to 9, in 100 kB units (`BZh9` is SharpCompress's).
    /// - Returns: the stream.
    package static func compress(_ input: [UInt8], blockSize: Int32 = 9) -> [UInt8] {
        let stream = UnsafeMutablePointer<bz_stream>.allocate(capacity: 1)
        stream.initialize(to: bz_stream())
        defer {
            BZ2_bzCompressEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // With valid parameters the only failure is out of memory, which a fixture cannot recover from.
        precondition(BZ2_bzCompressInit(stream, min(max(blockSize, 1), 9), 0, 0) == BZ_OK, "BZ2_bzCompressInit failed")
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        input.withUnsafeBytes { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: CChar.self))
            stream.pointee.avail_in = UInt32(source.count)
            while true {
                let (code, produced) = chunk.withUnsafeMutableBytes { out -> (Int32, Int) in
                    stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: CChar.self)
                    stream.pointee.avail_out = UInt32(out.count)
                    let code = BZ2_bzCompress(stream, BZ_FINISH)
                    return (code, out.count - Int(stream.pointee.avail_out))
                }
                result += chunk[0..<produced]
                precondition(code == BZ_FINISH_OK || code == BZ_STREAM_END, "BZ2_bzCompress returned \(code)")
                if code == BZ_STREAM_END { return }
            }
        }
        return result
    }
}
