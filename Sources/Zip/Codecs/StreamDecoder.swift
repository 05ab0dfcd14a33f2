/// What one call to a streaming decoder did.
struct DecodeStep {
    /// Input bytes consumed.
    var consumed: Int
    /// Output bytes written.
    var produced: Int
    /// Whether the compressed stream has ended (no further byte belongs to it).
    var ended: Bool
}

/// A streaming decoder of one entry's compressed data: zlib's inflate, libzstd, libbz2 or
/// liblzma behind it. Made per decode, so concurrent reads never share one.
protocol StreamDecoder: AnyObject {
    /// Decodes as much of `input` into `output` as fits.
    /// - Parameters:
    ///   - input: compressed bytes following those already given; may be empty (then only
    ///     pending output is drained).
    ///   - output: where decoded bytes go; never empty.
    ///   - finishing: no more input will come after this.
    /// - Returns: how much was consumed and produced, and whether the stream ended.
    /// - Throws: `ZipError.inflateFailed` ("name: detail") for corrupt data.
    func decode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool
    ) throws(ZipError) -> DecodeStep
}
