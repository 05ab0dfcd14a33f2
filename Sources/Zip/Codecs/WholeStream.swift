/// Decompresses a whole tar volume (format §4.3): one gzip member (`.tgz`) or one zstd frame
/// (`.tzstd`), with nothing after it. Tar volumes cannot be read by range.
package enum WholeStream {
    /// The stream formats of tar volumes.
    package enum Format: Sendable {
        /// RFC 1952 gzip (.NET `GZipStream`).
        case gzip
        /// One zstd frame (ZstdSharp's streaming encoder).
        case zstd
    }

    /// Decompresses a whole stream.
    /// - Parameters:
    ///   - compressed: the stream's bytes, all of them.
    ///   - format: gzip or zstd.
    ///   - limit: the most decompressed bytes accepted.
    ///   - name: the volume's name, for errors.
    /// - Returns: the decompressed bytes.
    /// - Throws: `ZipError.inflateFailed` for corrupt, truncated or trailing data;
    ///   `.entryTooLarge` past `limit`.
    package static func decompress(
        _ compressed: [UInt8], format: Format, limit: Int, name: String
    ) throws -> [UInt8] {
        let decoder: any StreamDecoder
        switch format {
        case .gzip: decoder = try Inflater(name: name, gzip: true)
        case .zstd: decoder = try ZstdDecoder(name: name)
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position = 0
        var ended = false
        try compressed.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            while !ended {
                let rest = UnsafeRawBufferPointer(rebasing: input[position...])
                let step = try chunk.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                    try decoder.decode(rest, into: out, finishing: true)
                }
                position += step.consumed
                guard output.count + step.produced <= limit else {
                    throw ZipError.entryTooLarge(name: name, size: Int64(output.count + step.produced), limit: limit)
                }
                output += chunk[0..<step.produced]
                ended = step.ended
                if !ended && step.consumed == 0 && step.produced == 0 {
                    throw ZipError.inflateFailed("\(name): the \(format) stream is truncated")
                }
            }
        }
        guard position == compressed.count else {
            throw ZipError.inflateFailed("\(name): \(compressed.count - position) bytes after the end of the \(format) stream")
        }
        return output
    }
}
