/// A source that answers each read with several smaller reads of the one beneath, cut at
/// different places than a plain read would be.
///
/// Used to read the same bytes twice in a way that no fault tied to a position in one response
/// (a byte damaged in the middle of every body of a given range, say) can repeat identically:
/// two reads that then agree are evidence the bytes are the stored ones.
package struct SlicedReads: ByteSource {
    package let inner: any ByteSource
    /// How many reads each read becomes (1: passed through unchanged).
    package let pieces: Int

    /// - Parameters:
    ///   - inner: the source to read.
    ///   - pieces: reads per read, at least 1.
    package init(_ inner: any ByteSource, pieces: Int) {
        self.inner = inner
        self.pieces = max(1, pieces)
    }

    package var size: Int64 { inner.size }

    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard pieces > 1, count >= 2 * pieces else { return try inner.read(at: offset, count: count) }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        let step = count / pieces
        var done = 0
        for piece in 0..<pieces {
            let length = piece == pieces - 1 ? count - done : step
            let part = try inner.read(at: offset + Int64(done), count: length)
            result += part
            done += part.count
            if part.count < length { break }  // the end of the source
        }
        return result
    }
}
