import ByteSource
import Testing
import Zip

@Suite("ZipArchive against a zip bomb")
struct ZipBombTests {
    static let gibibyte: Int64 = 1 << 30

    /// 1 GiB of zeros, deflated in 1 MiB pieces so the zeros never exist at once.
    static let bomb: (compressed: [UInt8], crc: UInt32) = {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let deflater = Deflater(level: 9)
        var compressed: [UInt8] = []
        var crc: UInt32 = 0
        for index in 0..<1024 {
            compressed += deflater.compress(zeros, finish: index == 1023)
            crc = CRC32.checksum(zeros, initial: crc)
        }
        return (compressed, crc)
    }()

    static func archive(declaring size: Int64) throws -> (ZipArchive, RecordingSource) {
        var writer = ZipWriter()
        writer.addRaw(name: Array("bomb".utf8), data: bomb.compressed, method: 8, crc32: bomb.crc, uncompressedSize: size)
        let source = RecordingSource(writer.finish(forceZip64: true))
        return (try ZipArchive(source: source), source)
    }

    @Test("a bomb declared tiny stops at the declared size with sizeMismatch")
    func bombDeclaredTinyThrowsSizeMismatch() throws {
        let (archive, _) = try Self.archive(declaring: 1000)
        let entry = archive.entries[0]
        #expect(throws: ZipError.self) { try archive.read(entry, limit: 1 << 20) }
        var delivered = 0
        #expect(throws: ZipError.sizeMismatch("bomb")) {
            try archive.stream(entry, chunkSize: 4096) { delivered += $0.count }
        }
        #expect(delivered <= 1000)
        let range = try archive.dataRange(of: entry)
        #expect(range.count == Self.bomb.compressed.count)
        // About 1 MiB of compressed data for 1000 bytes is implausible: refused before inflating.
        #expect(throws: ZipError.self) { try ZipArchive.decode(Self.bomb.compressed, entry: entry, limit: 1 << 20) }
    }

    @Test("a bomb declared tiny is refused by read without a huge allocation")
    func bombDeclaredTinyRefusedByRead() throws {
        // Declared 1 MiB: the compressed data (about 1 MiB) is plausible, so read inflates and
        // must stop after 1 MiB of output.
        let (archive, _) = try Self.archive(declaring: 1 << 20)
        #expect(throws: ZipError.sizeMismatch("bomb")) { try archive.read(archive.entries[0], limit: 1 << 21) }
    }

    @Test("a bomb declared at its true size is refused by the limit before reading")
    func bombDeclaredHugeRefusedByLimit() throws {
        for declared in [Self.gibibyte, Int64.max, Int64(1) << 62] {
            let (archive, source) = try Self.archive(declaring: declared)
            let before = source.largestRead
            #expect(throws: ZipError.entryTooLarge(name: "bomb", size: declared, limit: 1 << 20)) {
                try archive.read(archive.entries[0], limit: 1 << 20)
            }
            #expect(throws: ZipError.entryTooLarge(name: "bomb", size: declared, limit: 1 << 20)) {
                try ZipArchive.decode(Self.bomb.compressed, entry: archive.entries[0], limit: 1 << 20)
            }
            #expect(source.largestRead == before)
        }
    }

    @Test("a 1 GiB entry streams in bounded chunks with its CRC checked")
    func gibibyteEntryStreamsInChunks() throws {
        let (archive, source) = try Self.archive(declaring: Self.gibibyte)
        var total: Int64 = 0
        var largestChunk = 0
        try archive.stream(archive.entries[0]) { chunk in
            total += Int64(chunk.count)
            largestChunk = max(largestChunk, chunk.count)
        }
        #expect(total == Self.gibibyte)
        #expect(largestChunk <= 256 << 10)
        // The CRC check at the end covers the content; memory stays at one chunk of each.
        #expect(source.largestRead <= 256 << 10)
    }
}
