/// Decodes one entry's data while holding it to the central directory: never more output than
/// the declared size (a zip bomb stops at that size with an error), the compressed stream
/// (deflate, BZip2, LZMA, ZStandard or PPMd) must end exactly where the compressed data ends, and
/// length and CRC must match at the end.
///
/// The caller provides the output buffer. Output is handed to `flush` whenever the buffer is
/// full and at the end; `read` passes a buffer of the whole declared size, so it never flushes
/// before the end and inflates straight into the result.
///
/// When the first `consume` brings the entry's entire compressed data and the buffer holds the
/// entire declared size (always for `read` and `decode`, and for `stream` of an entry smaller
/// than its chunk), a deflate entry is decoded in one call by `WholeInflater` (libdeflate);
/// otherwise, or when libdeflate refuses the data, zlib's `Inflater` streams it. Both hold the
/// output to the declared size. The other methods always stream, through their
/// ``StreamDecoder``.
struct EntryDecoder {
    private let entry: ZipEntry
    private let output: UnsafeMutableRawBufferPointer
    private let isDeflate: Bool
    /// The method's streaming decoder, made on first use: a deflate entry that takes the
    /// whole-buffer path never needs one. Nil for stored entries.
    private var stream: (any StreamDecoder)?
    /// Whether `consume` has been called (the whole-buffer path is only for the first call).
    private var started = false
    private var filled = 0
    private var produced: Int64 = 0
    private var crc: UInt32 = 0
    private var ended = false

    /// - Parameters:
    ///   - entry: the entry; its method must be one ``ZipMethod`` reads.
    ///   - output: where decoded bytes collect between flushes; may be empty only when the
    ///     declared size is 0.
    init(entry: ZipEntry, output: UnsafeMutableRawBufferPointer) throws {
        try ZipArchive.checkReadable(entry)
        self.entry = entry
        self.output = output
        self.isDeflate = entry.method == ZipRecord.methodDeflate
        // An empty entry written as deflate with no compressed bytes at all is empty, not truncated.
        if entry.method == ZipRecord.methodDeflate, entry.compressedSize == 0, entry.uncompressedSize == 0 {
            ended = true
        }
    }

    /// Decodes the next piece of compressed data.
    /// - Parameters:
    ///   - input: compressed bytes following those already given.
    ///   - flush: receives decoded bytes when the output buffer is full.
    mutating func consume(_ input: UnsafeRawBufferPointer, flush: (UnsafeRawBufferPointer) throws -> Void) throws {
        let first = !started
        started = true
        if entry.method == ZipRecord.methodStored { return try copy(input, flush: flush) }
        if isDeflate, first, !ended, !input.isEmpty, entry.uncompressedSize > 0,
            Int64(input.count) == entry.compressedSize, entry.uncompressedSize <= Int64(output.count)
        {
            // The whole record is here and fits: one libdeflate call into the buffer.
            let count = Int(entry.uncompressedSize)
            if WholeInflater.inflate(input, into: UnsafeMutableRawBufferPointer(rebasing: output[0..<count])) {
                filled = count
                produced = entry.uncompressedSize
                ended = true
                return
            }
            // libdeflate refused it. zlib decodes it again from the start (nothing was counted
            // yet), so the error, or the result should zlib accept it, is the streaming path's.
        }
        try decode(input, with: try streamDecoder(), finishing: false, flush: flush)
    }

    /// Ends decoding: drains the decoder, flushes what is left and checks stream end, length and CRC.
    mutating func finish(flush: (UnsafeRawBufferPointer) throws -> Void) throws {
        if entry.method != ZipRecord.methodStored {
            if !ended {
                try decode(UnsafeRawBufferPointer(start: nil, count: 0), with: try streamDecoder(), finishing: true, flush: flush)
            }
            guard ended else {
                throw ZipError.inflateFailed("\(entry.name): \(ZipMethod.name(entry.method)) stream is truncated")
            }
        }
        try flushOutput(flush)
        guard produced == entry.uncompressedSize else { throw ZipError.sizeMismatch(entry.name) }
        guard crc == entry.crc32 else { throw ZipError.crcMismatch(entry.name) }
    }

    /// The method's stream decoder, made the first time streaming needs it.
    private mutating func streamDecoder() throws -> any StreamDecoder {
        if let stream { return stream }
        let made: any StreamDecoder
        switch entry.method {
        case ZipRecord.methodDeflate: made = try Inflater(name: entry.name)
        case ZipRecord.methodBZip2: made = try BZip2Decoder(name: entry.name)
        case ZipRecord.methodLZMA:
            made = LZMADecoder(
                name: entry.name, uncompressedSize: entry.uncompressedSize,
                endMarker: entry.flags & ZipRecord.lzmaEndMarkerFlag != 0)
        case ZipRecord.methodZstandard: made = try ZstdDecoder(name: entry.name)
        case ZipRecord.methodPPMd:
            made = PPMdStreamDecoder(
                name: entry.name, uncompressedSize: entry.uncompressedSize, compressedSize: entry.compressedSize)
        default: throw ZipError.unsupportedMethod(entry.method)
        }
        stream = made
        return made
    }

    private mutating func decode(
        _ input: UnsafeRawBufferPointer, with decoder: any StreamDecoder, finishing: Bool,
        flush: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var position = 0
        while true {
            if ended {
                guard position == input.count else {
                    throw ZipError.inflateFailed("\(entry.name): data after the end of the \(ZipMethod.name(entry.method)) stream")
                }
                return
            }
            let rest = UnsafeRawBufferPointer(rebasing: input[position...])
            let step: DecodeStep
            let allowed = entry.uncompressedSize - produced
            if allowed == 0 {
                // The declared size is reached: the stream may still have to read its end marker,
                // but any further byte means the entry is longer than declared.
                var probe: UInt8 = 0
                step = try withUnsafeMutableBytes(of: &probe) { try decoder.decode(rest, into: $0, finishing: finishing) }
                guard step.produced == 0 else { throw ZipError.sizeMismatch(entry.name) }
            } else {
                if filled == output.count { try flushOutput(flush) }
                let room = Int(min(Int64(output.count - filled), allowed))
                let target = UnsafeMutableRawBufferPointer(rebasing: output[filled..<(filled + room)])
                step = try decoder.decode(rest, into: target, finishing: finishing)
                filled += step.produced
                produced += Int64(step.produced)
            }
            position += step.consumed
            if step.ended {
                ended = true
            } else if step.consumed == 0 && step.produced == 0 {
                // No progress with room to write: the decoder needs more input.
                guard position == input.count else {
                    throw ZipError.inflateFailed("\(entry.name): \(ZipMethod.name(entry.method)) decoding made no progress")
                }
                return
            }
        }
    }

    private mutating func copy(_ input: UnsafeRawBufferPointer, flush: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard Int64(input.count) <= entry.uncompressedSize - produced else { throw ZipError.sizeMismatch(entry.name) }
        var position = 0
        while position < input.count {
            if filled == output.count { try flushOutput(flush) }
            let count = min(output.count - filled, input.count - position)
            UnsafeMutableRawBufferPointer(rebasing: output[filled..<(filled + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: input[position..<(position + count)]))
            filled += count
            position += count
            produced += Int64(count)
        }
    }

    private mutating func flushOutput(_ flush: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard filled > 0 else { return }
        let chunk = UnsafeRawBufferPointer(rebasing: output[0..<filled])
        crc = CRC32.checksum(chunk, initial: crc)
        filled = 0
        try flush(chunk)
    }
}
