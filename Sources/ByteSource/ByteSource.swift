/// A read-only, random-access sequence of bytes: a local file, a remote object read by range,
/// a decrypted view of an encrypted volume, or bytes in memory.
///
/// Layers compose through this protocol: a zip reader reads a decrypting source, which reads a
/// storage source. Implementations are thread-safe.
package protocol ByteSource: Sendable {
    /// The total number of bytes.
    var size: Int64 { get }

    /// Reads bytes starting at `offset`.
    /// - Parameters:
    ///   - offset: where to start; `0 ..< size`.
    ///   - count: how many bytes to read.
    /// - Returns: exactly `count` bytes, or fewer only when the range passes the end.
    /// - Throws: whatever the underlying storage or decoder throws.
    func read(at offset: Int64, count: Int) throws -> [UInt8]
}

/// Bytes held in memory.
package struct ByteArraySource: ByteSource {
    package let bytes: [UInt8]

    /// - Parameter bytes: the whole content.
    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    package var size: Int64 { Int64(bytes.count) }

    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size else { return [] }
        let start = Int(offset)
        let end = min(bytes.count, start + count)
        return Array(bytes[start..<end])
    }
}

extension ByteSource {
    /// Reads the whole content.
    /// - Returns: all `size` bytes.
    package func readAll() throws -> [UInt8] {
        try read(at: 0, count: Int(size))
    }
}
