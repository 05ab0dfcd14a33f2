/// A source that answers each read with differently shaped reads of the one beneath: begun
/// earlier (the extra bytes dropped) and cut into several requests.
///
/// Used to read the same bytes again in a way that no fault tied to a position in a response (a
/// byte damaged in the middle of every body of a given range, say) can repeat identically, even
/// when a cache beneath rounds requests to its chunks: two reads of different variants that agree
/// are evidence the bytes are the stored ones.
package struct VariedReads: ByteSource {
    package let inner: any ByteSource
    /// 0 passes reads through unchanged; variant `v` starts each read `v` × ``leadStep`` bytes
    /// earlier and cuts it into `v + 1` requests.
    package let variant: Int

    /// How much earlier each variant starts its reads: more than a cache chunk (4 KiB), so that
    /// the rounded requests differ too.
    package static let leadStep = 12_288

    /// - Parameters:
    ///   - inner: the source to read.
    ///   - variant: 0 for plain reads, higher for reads shaped ever more differently.
    package init(_ inner: any ByteSource, variant: Int) {
        self.inner = inner
        self.variant = max(0, variant)
    }

    package var size: Int64 { inner.size }

    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard variant > 0, offset >= 0, count > 0 else { return try inner.read(at: offset, count: count) }
        let lead = Int(min(offset, Int64(variant * Self.leadStep)))
        let start = offset - Int64(lead)
        let total = count + lead
        let pieces = variant + 1
        let step = max(1, total / pieces)
        var result: [UInt8] = []
        result.reserveCapacity(total)
        var done = 0
        for piece in 0..<pieces where done < total {
            let length = piece == pieces - 1 ? total - done : min(step, total - done)
            let part = try inner.read(at: start + Int64(done), count: length)
            result += part
            done += part.count
            if part.count < length { break }  // the end of the source
        }
        return Array(result.dropFirst(lead))
    }
}
