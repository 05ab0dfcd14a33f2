import ByteSource
import Dispatch
import Testing
import Zip

/// The two inflate paths: `read` and `decode` hand the whole record to libdeflate in one call;
/// `stream` with a chunk smaller than the entry goes through zlib piece by piece. They must give
/// the same bytes and refuse the same bad data.
@Suite("Whole-buffer inflate (libdeflate) beside streaming inflate (zlib)")
struct WholeInflaterTests {
    /// The outcome of one decode: bytes, or the kind of `ZipError` (messages differ between paths).
    enum Outcome: Equatable, CustomStringConvertible {
        case bytes([UInt8])
        case refused(String)

        init(_ body: () throws -> [UInt8]) {
            do {
                self = .bytes(try body())
            } catch let error as ZipError {
                self = .refused(Self.kind(error))
            } catch {
                self = .refused("not a ZipError: \(error)")
            }
        }

        static func kind(_ error: ZipError) -> String {
            switch error {
            case .notZip: "notZip"
            case .truncated: "truncated"
            case .malformed: "malformed"
            case .unsupportedMethod: "unsupportedMethod"
            case .encryptedEntry: "encryptedEntry"
            case .entryTooLarge: "entryTooLarge"
            case .crcMismatch: "crcMismatch"
            case .sizeMismatch: "sizeMismatch"
            case .inflateFailed: "inflateFailed"
            }
        }

        var description: String {
            switch self {
            case .bytes(let bytes): "\(bytes.count) bytes"
            case .refused(let kind): kind
            }
        }
    }

    /// One deflate entry holding arbitrary (possibly corrupt) compressed bytes.
    struct Record {
        let archive: ZipArchive
        let entry: ZipEntry
        let compressed: [UInt8]

        init(_ compressed: [UInt8], size: Int, crc: UInt32) throws {
            var writer = ZipWriter()
            writer.addRaw(name: Array("e".utf8), data: compressed, method: 8, crc32: crc, uncompressedSize: Int64(size))
            archive = try ZipArchive(source: ByteArraySource(writer.finish()))
            entry = archive.entries[0]
            self.compressed = compressed
        }

        /// Through `decode`: the whole record in one libdeflate call.
        var whole: Outcome {
            Outcome { try ZipArchive.decode(compressed, entry: entry, limit: 1 << 30) }
        }

        /// Through `read`: also the whole-buffer path.
        var read: Outcome {
            Outcome { try archive.read(entry, limit: 1 << 30) }
        }

        /// Through `stream` with a chunk smaller than the record: zlib.
        func streamed(chunk: Int) -> (outcome: Outcome, seen: [UInt8]) {
            var seen: [UInt8] = []
            let outcome = Outcome {
                try archive.stream(entry, chunkSize: chunk) { seen += $0 }
                return seen
            }
            return (outcome, seen)
        }
    }

    static func deflate(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        bytes.withUnsafeBytes { Deflater(level: level).compress($0, finish: true) }
    }

    static let sizes = [1, 1000, 100 << 10, 1 << 20]

    @Test("both paths give the original bytes for text-like data at every level", arguments: [0, 1, 6, 9] as [Int32])
    func roundTripText(level: Int32) throws {
        for size in Self.sizes {
            let plain = TestBytes.text(size, seed: UInt64(size))
            try Self.expectRoundTrip(plain, level: level)
        }
    }

    @Test("both paths give the original bytes for random (stored-block) data", arguments: [0, 6] as [Int32])
    func roundTripRandom(level: Int32) throws {
        for size in Self.sizes {
            try Self.expectRoundTrip(TestBytes.random(size, seed: UInt64(size) &+ 99), level: level)
        }
    }

    static func expectRoundTrip(_ plain: [UInt8], level: Int32) throws {
        let record = try Record(deflate(plain, level: level), size: plain.count, crc: CRC32.checksum(plain))
        #expect(record.whole == .bytes(plain), "decode, level \(level), \(plain.count) bytes")
        #expect(record.read == .bytes(plain), "read, level \(level), \(plain.count) bytes")
        // A chunk below the compressed size keeps stream on zlib.
        let chunk = max(1, min(4096, record.compressed.count - 1))
        #expect(record.streamed(chunk: chunk).outcome == .bytes(plain), "stream, level \(level), \(plain.count) bytes")
        // A chunk above both sizes lets stream take the whole-buffer path too.
        #expect(record.streamed(chunk: plain.count + record.compressed.count).outcome == .bytes(plain))
    }

    @Test("many threads decoding at once all get the right bytes")
    func concurrentDecodes() throws {
        let plain = TestBytes.text(1 << 20, seed: 3)
        let compressed = Self.deflate(plain)
        let record = try Record(compressed, size: plain.count, crc: CRC32.checksum(plain))
        final class Results: @unchecked Sendable {
            // Each iteration writes only its own slot.
            var good = [Bool](repeating: false, count: 64)
        }
        let results = Results()
        let entry = record.entry
        DispatchQueue.concurrentPerform(iterations: results.good.count) { index in
            results.good[index] = (try? ZipArchive.decode(compressed, entry: entry, limit: 1 << 21)) == plain
        }
        #expect(results.good.allSatisfy { $0 })
    }

    @Test("every truncation of the deflate stream is refused by both paths, alike")
    func everyTruncationRefused() throws {
        let plain = TestBytes.text(5000, seed: 11)
        let compressed = Self.deflate(plain)
        let crc = CRC32.checksum(plain)
        for length in 0..<compressed.count {
            let record = try Record(Array(compressed.prefix(length)), size: plain.count, crc: crc)
            let whole = record.whole
            #expect(whole == .refused("inflateFailed"), "truncated to \(length): \(whole)")
            #expect(record.read == whole, "truncated to \(length)")
            #expect(record.streamed(chunk: 3).outcome == whole, "truncated to \(length)")
        }
    }

    @Test("data after the end of the stream is refused by both paths", arguments: [[0], [0, 0, 0], [3, 0], [0xFF]] as [[UInt8]])
    func trailingDataRefused(trailer: [UInt8]) throws {
        let plain = TestBytes.text(3000, seed: 12)
        let record = try Record(Self.deflate(plain) + trailer, size: plain.count, crc: CRC32.checksum(plain))
        #expect(record.whole == .refused("inflateFailed"))
        #expect(record.read == .refused("inflateFailed"))
        #expect(record.streamed(chunk: 5).outcome == .refused("inflateFailed"))
    }

    @Test("a declared size other than the true size is refused by both paths with sizeMismatch")
    func wrongDeclaredSizeRefused() throws {
        for plain in [TestBytes.text(3000, seed: 13), TestBytes.random(3000, seed: 14)] {
            let compressed = Self.deflate(plain)
            let crc = CRC32.checksum(plain)
            for declared in [0, 1, 2999, 3001, 4096, 1 << 20] {
                let record = try Record(compressed, size: declared, crc: crc)
                #expect(record.whole == .refused("sizeMismatch"), "declared \(declared)")
                #expect(record.read == .refused("sizeMismatch"), "declared \(declared)")
                #expect(record.streamed(chunk: 7).outcome == .refused("sizeMismatch"), "declared \(declared)")
            }
        }
    }

    @Test("a wrong CRC is refused by both paths")
    func wrongCRCRefused() throws {
        let plain = TestBytes.text(3000, seed: 15)
        let record = try Record(Self.deflate(plain), size: plain.count, crc: CRC32.checksum(plain) ^ 1)
        #expect(record.whole == .refused("crcMismatch"))
        #expect(record.streamed(chunk: 7).outcome == .refused("crcMismatch"))
    }

    /// Flips bytes of valid streams. Both paths must agree on refusing; whenever zlib decodes a
    /// corrupted stream to the declared size (refusing only its CRC), the stream is retried with
    /// that CRC and both paths must then return the same bytes.
    @Test("corrupted streams: both paths refuse alike, and decode alike when zlib can", arguments: [1, 6] as [Int32])
    func corruptedStreamsAgree(level: Int32) throws {
        var generator = SeededGenerator(seed: UInt64(level) &* 7919)
        let plain = TestBytes.text(2000, seed: 16) + TestBytes.random(200, seed: 17) + TestBytes.text(1000, seed: 18)
        let compressed = Self.deflate(plain, level: level)
        let crc = CRC32.checksum(plain)
        var decodedByBoth = 0
        for trial in 0..<600 {
            var corrupted = compressed
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<corrupted.count, using: &generator)
                corrupted[index] ^= UInt8.random(in: 1...255, using: &generator)
            }
            let record = try Record(corrupted, size: plain.count, crc: crc)
            let whole = record.whole
            let (streamed, seen) = record.streamed(chunk: 64)
            #expect(whole == streamed, "trial \(trial): whole \(whole), streamed \(streamed)")
            if streamed == .refused("crcMismatch") {
                let fixed = try Record(corrupted, size: plain.count, crc: CRC32.checksum(seen))
                #expect(fixed.whole == .bytes(seen), "trial \(trial)")
                #expect(fixed.streamed(chunk: 64).outcome == .bytes(seen), "trial \(trial)")
                decodedByBoth += 1
            }
        }
        // Some corruptions only change literals; the retry must have been exercised.
        #expect(decodedByBoth > 0)
    }

    /// libdeflate decodes the reserved length symbol 286 (RFC 1951 says it never occurs) as
    /// length 258, where zlib refuses it. Pinned here so the difference stays known: the
    /// whole-buffer path still holds such a stream to the declared size and CRC, and when
    /// libdeflate refuses, the error is zlib's.
    @Test("a reserved length symbol: zlib refuses it, the whole-buffer path still checks size and CRC")
    func reservedLengthSymbol() throws {
        // One fixed-Huffman block: literal "a", length symbol 286 with distance 1, end of block.
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE 01: fixed Huffman
        bits.writeCode(0b0011_0000 + 0x61, length: 8)
        bits.writeCode(0b1100_0000 + (286 - 280), length: 8)
        bits.writeCode(0, length: 5)  // distance code 0: distance 1
        bits.writeCode(0, length: 7)  // end of block
        let stream = bits.finish()
        let output = [UInt8](repeating: 0x61, count: 259)
        let record = try Record(stream, size: output.count, crc: CRC32.checksum(output))
        #expect(record.streamed(chunk: 1).outcome == .refused("inflateFailed"))
        #expect(record.whole == .bytes(output))
        #expect(try Record(stream, size: output.count, crc: 0).whole == .refused("crcMismatch"))
        // Declared one byte short: libdeflate refuses, and zlib's error is the one reported.
        #expect(try Record(stream, size: 258, crc: CRC32.checksum(output)).whole == .refused("inflateFailed"))
    }
}
