internal import CZlib

/// The zip CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), computed by zlib's `crc32_z`.
package enum CRC32 {
    /// Continues a CRC-32 over more bytes.
    /// - Parameters:
    ///   - bytes: the bytes to add.
    ///   - initial: the CRC of the bytes before these; 0 to start.
    /// - Returns: the CRC of the earlier bytes followed by `bytes`.
    package static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return initial }
        let result = crc32_z(UInt(initial), base.assumingMemoryBound(to: Bytef.self), bytes.count)
        return UInt32(truncatingIfNeeded: result)
    }

    /// Continues a CRC-32 over the bytes of an array.
    /// - Parameters:
    ///   - bytes: the bytes to add.
    ///   - initial: the CRC of the bytes before these; 0 to start.
    /// - Returns: the CRC of the earlier bytes followed by `bytes`.
    package static func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, initial: initial) }
    }
}
