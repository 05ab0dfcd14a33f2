import Foundation
import Testing
import Zip

/// Whole-stream decompression of tar volumes' outer layer (`.tgz`: gzip, `.tzstd`: zstd).
@Suite("WholeStream: gzip and zstd volumes")
struct WholeStreamTests {
    static let data = TestBytes.text(700_000, seed: 11) + TestBytes.random(100_000, seed: 12)

    @Test("our gzip and zstd streams decompress to the same bytes")
    func roundTrips() throws {
        #expect(try WholeStream.decompress(GzipEncoder.compress(Self.data), format: .gzip, limit: 1 << 30, name: "v") == Self.data)
        #expect(try WholeStream.decompress(ZstdEncoder.compress(Self.data, level: 10), format: .zstd, limit: 1 << 30, name: "v") == Self.data)
        #expect(try WholeStream.decompress(GzipEncoder.compress([]), format: .gzip, limit: 10, name: "v") == [])
    }

    @Test("a gzip member written by Python's gzip module decompresses", .enabled(if: Python.isAvailable))
    func pythonGzipDecompresses() throws {
        let script = """
            import gzip, sys
            lines = "".join(f"line {i}\\n" for i in range(50000)).encode()
            open(sys.argv[2], "wb").write(gzip.compress(lines, compresslevel=6))
            """
        let member = try Python.runWriter(script, mode: "file")
        let expected = Array((0..<50_000).map { "line \($0)\n" }.joined().utf8)
        #expect(try WholeStream.decompress(member, format: .gzip, limit: 1 << 30, name: "v") == expected)
    }

    @Test("trailing bytes, truncation, corruption and the size limit are errors", arguments: [WholeStream.Format.gzip, .zstd])
    func damagedStreamsFail(format: WholeStream.Format) throws {
        let stream = format == .gzip ? GzipEncoder.compress(Self.data) : ZstdEncoder.compress(Self.data, level: 3)
        #expect(throws: ZipError.self) { try WholeStream.decompress(stream + [0], format: format, limit: 1 << 30, name: "v") }
        #expect(throws: ZipError.self) { try WholeStream.decompress(Array(stream.dropLast(9)), format: format, limit: 1 << 30, name: "v") }
        #expect(throws: ZipError.self) { try WholeStream.decompress(stream, format: format, limit: Self.data.count - 1, name: "v") }
        var flipped = stream
        flipped[stream.count / 2] ^= 0x20
        // zstd frames without a checksum may decode a flipped literal to other bytes; the tar
        // index and the block hashes catch that. gzip has its CRC.
        if format == .gzip {
            #expect(throws: ZipError.self) { try WholeStream.decompress(flipped, format: format, limit: 1 << 30, name: "v") }
        } else {
            #expect((try? WholeStream.decompress(flipped, format: format, limit: 1 << 30, name: "v")) != Self.data)
        }
    }
}
