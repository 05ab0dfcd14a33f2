internal import CLzma

/// Owns one liblzma raw LZMA1 decoder: zip method 14 entries. The data starts with a 9-byte
/// header (LZMA SDK version, 2; properties size 5, 2; lc/lp/pb byte and dictionary size, 5),
/// then raw LZMA. SharpCompress writes no end marker (general purpose bit 1 clear), so the
/// decoder is told the central directory's uncompressed size and stops there (format §4.1).
final class LZMADecoder: StreamDecoder {
    private let name: String
    private let uncompressedSize: Int64
    private let endMarker: Bool
    /// The zip LZMA header, collected until complete (it may arrive split over calls).
    private var header: [UInt8] = []
    /// The liblzma stream, made once the header's properties are known.
    private var stream: UnsafeMutablePointer<lzma_stream>?

    static let headerSize = 9
    /// LZMA_LZMA1EXT_ALLOW_EOPM, spelt out: the header defines it with UINT32_C, a macro Swift can't see.
    static let allowEndMarker: UInt32 = 0x01

    /// - Parameters:
    ///   - name: the entry name, for errors.
    ///   - uncompressedSize: the decoded length the central directory declares.
    ///   - endMarker: general purpose bit 1: the stream ends with an end marker too.
    init(name: String, uncompressedSize: Int64, endMarker: Bool) {
        self.name = name
        self.uncompressedSize = uncompressedSize
        self.endMarker = endMarker
    }

    deinit {
        if let stream {
            lzma_end(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    /// Wraps `lzma_code` (`LZMA_RUN`, or `LZMA_FINISH` when `finishing`).
    func decode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool
    ) throws(ZipError) -> DecodeStep {
        var consumed = 0
        if stream == nil {
            let wanted = min(Self.headerSize - header.count, input.count)
            header += input.prefix(wanted)
            consumed = wanted
            guard header.count == Self.headerSize else {
                return DecodeStep(consumed: consumed, produced: 0, ended: false)
            }
            stream = try start()
        }
        guard let stream else { return DecodeStep(consumed: consumed, produced: 0, ended: false) }
        let rest = UnsafeRawBufferPointer(rebasing: input[consumed...])
        stream.pointee.next_in = rest.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_in = rest.count
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = output.count
        let code = lzma_code(stream, finishing ? LZMA_FINISH : LZMA_RUN)
        let step = DecodeStep(
            consumed: consumed + rest.count - stream.pointee.avail_in,
            produced: output.count - stream.pointee.avail_out, ended: code == LZMA_STREAM_END)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch code {
        case LZMA_OK, LZMA_STREAM_END, LZMA_BUF_ERROR:
            // LZMA_BUF_ERROR only means no progress was possible; the caller decides what that means.
            return step
        case LZMA_DATA_ERROR:
            throw .inflateFailed("\(name): LZMA data is corrupt")
        default:
            throw .inflateFailed("\(name): lzma_code returned \(code.rawValue)")
        }
    }

    /// Checks the zip LZMA header and starts a raw LZMA1 decoder with its properties.
    private func start() throws(ZipError) -> UnsafeMutablePointer<lzma_stream> {
        let propertiesSize = Int(header[2]) | Int(header[3]) << 8
        guard propertiesSize == 5 else {
            throw .inflateFailed("\(name): LZMA properties size \(propertiesSize), not 5")
        }
        var properties = header[4]
        guard properties < 9 * 5 * 5 else { throw .inflateFailed("\(name): LZMA properties byte \(properties) out of range") }
        var options = lzma_options_lzma()
        options.lc = UInt32(properties % 9)
        properties /= 9
        options.lp = UInt32(properties % 5)
        options.pb = UInt32(properties / 5)
        options.dict_size = max(UInt32(header[5]) | UInt32(header[6]) << 8 | UInt32(header[7]) << 16 | UInt32(header[8]) << 24, 4096)
        options.ext_flags = endMarker ? Self.allowEndMarker : 0
        options.ext_size_low = UInt32(truncatingIfNeeded: uncompressedSize)
        options.ext_size_high = UInt32(truncatingIfNeeded: uncompressedSize >> 32)

        let stream = UnsafeMutablePointer<lzma_stream>.allocate(capacity: 1)
        stream.initialize(to: lzma_stream())  // all zero: LZMA_STREAM_INIT
        let code = clzma_raw_lzma1ext_init(stream, &options, 0)
        guard code == LZMA_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .inflateFailed("\(name): lzma_raw_decoder returned \(code.rawValue)")
        }
        return stream
    }
}
