internal import PPMd

/// Decodes zip method 98 entries through our own ``PPMdDecoder`` (no system library has PPMd):
/// a little-endian property word (order, model memory, restore method; format §4.1), then
/// the model's range-coded output and its end mark.
///
/// The decoder pulls bytes a symbol at a time, so input is kept here until a symbol's worth
/// (``PPMdDecoder/symbolMargin``) is buffered, or the entry's whole compressed data is in.
/// After the declared size the end mark must follow, and nothing after it.
final class PPMdStreamDecoder: StreamDecoder {
    private let name: String
    private let uncompressedSize: Int64
    private let compressedSize: Int64
    private var decoder: PPMdDecoder?
    /// Compressed bytes received but not yet decoded.
    private var pending: [UInt8] = []
    private var start = 0
    private var received: Int64 = 0
    private var produced: Int64 = 0
    private var ended = false

    /// - Parameters:
    ///   - name: the entry name, for errors.
    ///   - uncompressedSize: the decoded length the central directory declares.
    ///   - compressedSize: the compressed length it declares (where the input ends).
    init(name: String, uncompressedSize: Int64, compressedSize: Int64) {
        self.name = name
        self.uncompressedSize = uncompressedSize
        self.compressedSize = compressedSize
    }

    func decode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool
    ) throws(ZipError) -> DecodeStep {
        guard !ended else { return DecodeStep(consumed: 0, produced: 0, ended: true) }
        // Everything given is kept: the entry decoder hands each byte once.
        if !input.isEmpty {
            if start > 0 && start >= pending.count / 2 {
                pending.removeFirst(start)
                start = 0
            }
            pending.append(contentsOf: input)
            received += Int64(input.count)
        }
        let complete = finishing || received >= compressedSize
        do {
            guard let decoder = try model(complete: complete) else {
                return DecodeStep(consumed: input.count, produced: 0, ended: false)
            }
            var written = 0
            try pending.withUnsafeBytes { buffer in
                let rest = UnsafeRawBufferPointer(rebasing: buffer[start...])
                if produced < uncompressedSize {
                    let room = Int(min(Int64(output.count), uncompressedSize - produced))
                    let (used, count) = try decoder.decode(
                        rest, isLast: complete, into: UnsafeMutableRawBufferPointer(rebasing: output[0..<room]))
                    start += used
                    written = count
                    produced += Int64(count)
                } else if complete {
                    start += try decoder.finish(rest)
                    ended = true
                }
            }
            if ended && start != pending.count {
                throw ZipError.inflateFailed("\(name): data after the end of the PPMd stream")
            }
            return DecodeStep(consumed: input.count, produced: written, ended: ended)
        } catch let error as PPMdError {
            throw .inflateFailed("\(name): \(error)")
        } catch let error as ZipError {
            throw error
        } catch {
            throw .inflateFailed("\(name): \(error)")
        }
    }

    /// The decoder, made once the property word is in; nil while it is not.
    private func model(complete: Bool) throws -> PPMdDecoder? {
        if let decoder { return decoder }
        guard pending.count - start >= 2 else {
            if complete { throw PPMdError.truncated }
            return nil
        }
        let word = UInt16(pending[start]) | UInt16(pending[start + 1]) << 8
        start += 2
        let made = try PPMdDecoder(parameters: try PPMdParameters(propertyWord: word))
        decoder = made
        return made
    }
}
