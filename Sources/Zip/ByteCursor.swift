/// Bounds-checked little-endian reads over a buffer. Every read past the end throws the
/// error the cursor was made with, so hostile lengths can never index out of range.
struct ByteCursor {
    /// The bytes being read.
    let buffer: UnsafeRawBufferPointer
    /// The offset of the next read.
    private(set) var position: Int
    /// What to throw when a read would pass the end.
    let endError: ZipError

    /// - Parameters:
    ///   - buffer: the bytes to read.
    ///   - position: where to start.
    ///   - endError: thrown when a read passes the end.
    init(_ buffer: UnsafeRawBufferPointer, at position: Int = 0, endError: ZipError) {
        self.buffer = buffer
        self.position = position
        self.endError = endError
    }

    /// Bytes left after `position`.
    var remaining: Int { buffer.count - position }

    /// Reads `count` bytes.
    mutating func bytes(_ count: Int) throws(ZipError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw endError }
        let slice = UnsafeRawBufferPointer(rebasing: buffer[position..<(position + count)])
        position += count
        return slice
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int) throws(ZipError) {
        guard count >= 0, count <= remaining else { throw endError }
        position += count
    }

    mutating func u8() throws(ZipError) -> UInt8 {
        guard remaining >= 1 else { throw endError }
        defer { position += 1 }
        return buffer[position]
    }

    mutating func u16() throws(ZipError) -> UInt16 {
        guard remaining >= 2 else { throw endError }
        defer { position += 2 }
        return UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt16.self))
    }

    mutating func u32() throws(ZipError) -> UInt32 {
        guard remaining >= 4 else { throw endError }
        defer { position += 4 }
        return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func u64() throws(ZipError) -> UInt64 {
        guard remaining >= 8 else { throw endError }
        defer { position += 8 }
        return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }
}
