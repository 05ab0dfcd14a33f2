/// Compresses bytes to one gzip member as .NET's `GZipStream` writes it (a 10-byte header with
/// no name or time, raw DEFLATE, CRC-32 and length): a `.tgz` volume's outer layer. For
/// fixtures and tests.
package enum GzipEncoder {
    /// - Parameters:
    ///   - input: all the uncompressed bytes.
    ///   - level: the deflate level, 0 to 9 (Duplicati's default "Optimal" is zlib's 6).
    /// - Returns: the gzip member.
    package static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        let crc = input.withUnsafeBytes { CRC32.checksum($0) }
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]  // deflate, no flags, no mtime, unknown OS
        out += Deflater.deflate(input, level: level)
        for value in [crc, UInt32(truncatingIfNeeded: input.count)] {
            out += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
        }
        return out
    }
}
