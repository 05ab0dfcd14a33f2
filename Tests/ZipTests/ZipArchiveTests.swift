import ByteSource
import Testing
import Zip

@Suite("ZipArchive round trips through ZipWriter")
struct ZipArchiveTests {
    /// Entries of several shapes: empty, small, larger than a stream chunk, compressible or not.
    static let samples: [(String, [UInt8])] = [
        ("manifest", Array("{\"Version\":2}".utf8)),
        ("empty", []),
        ("random", TestBytes.random(70_000, seed: 1)),
        ("text", TestBytes.text(300_000, seed: 2)),
        ("one", [42]),
    ]

    @Test(
        "every method and layout reads back the same bytes",
        arguments: [ZipMethod.stored, .deflate, .bzip2, .lzma, .zstandard], [false, true])
    func roundTripReadsBackSameBytes(method: ZipMethod, dataDescriptor: Bool) throws {
        for forceZip64 in [false, true] {
            var writer = ZipWriter()
            for (name, data) in Self.samples {
                writer.add(name, data, method: method, dataDescriptor: dataDescriptor)
            }
            let (archive, contents) = try readAllWays(writer.finish(forceZip64: forceZip64))
            #expect(archive.entries.map(\.name) == Self.samples.map(\.0))
            #expect(contents == Self.samples.map(\.1))
            for (entry, (_, data)) in zip(archive.entries, Self.samples) {
                #expect(entry.uncompressedSize == Int64(data.count))
                #expect(entry.method == method.number)
                #expect(entry.flags & 0x8 == (dataDescriptor ? 0x8 : 0))
                #expect(entry.crc32 == CRC32.checksum(data))
            }
        }
    }

    @Test("deflate at every level reads back", arguments: [Int32(0), 1, 6, 9])
    func deflateLevelsReadBack(level: Int32) throws {
        let data = TestBytes.text(100_000, seed: UInt64(level))
        var writer = ZipWriter()
        writer.add("a", data, level: level)
        let (_, contents) = try readAllWays(writer.finish())
        #expect(contents == [data])
    }

    @Test("streaming in one-byte chunks gives the same bytes")
    func streamingInTinyChunksGivesSameBytes() throws {
        let data = TestBytes.text(20_000, seed: 3)
        var writer = ZipWriter()
        writer.add("a", data)
        writer.add("b", data, method: .stored)
        let (_, contents) = try readAllWays(writer.finish(), chunkSize: 1)
        #expect(contents == [data, data])
    }

    @Test("more than 65535 entries are found through the Zip64 end record")
    func moreThan65535EntriesUseZip64Count() throws {
        var writer = ZipWriter()
        let count = 70_000
        for index in 0..<count {
            writer.add("b/\(index)", Array("\(index)".utf8), method: .stored)
        }
        let bytes = writer.finish()
        let archive = try ZipArchive(source: ByteArraySource(bytes))
        #expect(archive.entries.count == count)
        for index in [0, 1, 65_534, 65_535, 65_536, count - 1] {
            let entry = try #require(archive.entry(named: "b/\(index)"))
            #expect(try archive.read(entry, limit: 100) == Array("\(index)".utf8))
        }
        #expect(throws: ZipError.self) { try ZipArchive(source: ByteArraySource(bytes), maxEntries: count - 1) }
    }

    @Test("backslashes in names become slashes")
    func backslashNamesAreNormalised() throws {
        var writer = ZipWriter()
        writer.add("vol\\dup-b1.dblock.zip", [1, 2, 3])
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        #expect(archive.entries.map(\.name) == ["vol/dup-b1.dblock.zip"])
        let entry = try #require(archive.entry(named: "vol/dup-b1.dblock.zip"))
        #expect(try archive.read(entry, limit: 10) == [1, 2, 3])
    }

    @Test("duplicate names are all listed and lookup returns the first")
    func duplicateNamesKeepAllAndFindFirst() throws {
        var writer = ZipWriter()
        writer.add("list/x", [1])
        writer.add("other", [2])
        writer.add("list/x", [3])
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        #expect(archive.entries.map(\.name) == ["list/x", "other", "list/x"])
        let first = try #require(archive.entry(named: "list/x"))
        #expect(first == archive.entries[0])
        #expect(try archive.read(archive.entries[2], limit: 1) == [3])
        #expect(archive.entry(named: "missing") == nil)
    }

    @Test("UTF-8 names decode, with or without the UTF-8 flag")
    func utf8NamesDecode() throws {
        let name = "extra/Größe – 日本.txt"
        var writer = ZipWriter()
        writer.add(name, [1])
        writer.addRaw(name: Array(name.utf8), data: [], method: 0, crc32: 0, uncompressedSize: 0)
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        #expect(archive.entries.map(\.name) == [name, name])
        #expect(archive.entries[0].flags & 0x800 != 0)
    }

    @Test("names that are not UTF-8 decode as CP437")
    func nonUTF8NamesDecodeAsCP437() throws {
        var writer = ZipWriter()
        writer.addRaw(name: [0x8E, 0x94, 0x5C, 0x41, 0xE1, 0xFF], data: [], method: 0, crc32: 0, uncompressedSize: 0)
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        #expect(archive.entries.map(\.name) == ["Äö/Aß\u{00A0}"])
    }

    @Test("an Info-ZIP Unicode Path field names the entry while its CRC matches")
    func unicodePathExtraFieldOverridesName() throws {
        let raw: [UInt8] = Array("caf?".utf8)
        let unicode = Array("café".utf8)
        func field(crc: UInt32) -> [UInt8] {
            let body: [UInt8] = [1] + withUnsafeBytes(of: crc.littleEndian, Array.init) + unicode
            return [0x75, 0x70, UInt8(body.count), 0] + body
        }
        var writer = ZipWriter()
        writer.addRaw(name: raw, data: [], method: 0, crc32: 0, uncompressedSize: 0, extra: field(crc: CRC32.checksum(raw)))
        writer.addRaw(name: raw, data: [], method: 0, crc32: 0, uncompressedSize: 0, extra: field(crc: 1))
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        #expect(archive.entries.map(\.name) == ["café", "caf?"])
    }

    @Test("an empty archive has no entries")
    func emptyArchiveHasNoEntries() throws {
        for forceZip64 in [false, true] {
            let archive = try ZipArchive(source: ByteArraySource(ZipWriter().finish(forceZip64: forceZip64)))
            #expect(archive.entries.isEmpty)
        }
    }

    @Test("a deflate entry with no compressed bytes at all is empty")
    func deflateEntryWithNoBytesIsEmpty() throws {
        var writer = ZipWriter()
        writer.addRaw(name: Array("e".utf8), data: [], method: 8, crc32: 0, uncompressedSize: 0)
        let (_, contents) = try readAllWays(writer.finish())
        #expect(contents == [[]])
    }

    @Test("an archive comment after the end record is skipped")
    func commentAfterEndRecordIsSkipped() throws {
        var writer = ZipWriter()
        writer.add("a", [7, 8])
        var bytes = writer.finish()
        let comment = Array(repeating: UInt8(ascii: "c"), count: 65_535)
        bytes[bytes.count - 2] = 0xFF
        bytes[bytes.count - 1] = 0xFF
        bytes += comment
        let (_, contents) = try readAllWays(bytes)
        #expect(contents == [[7, 8]])
    }

    @Test("reads from many threads at once agree")
    func concurrentReadsAgree() async throws {
        var writer = ZipWriter()
        let datas = (0..<16).map { TestBytes.text(50_000 + $0, seed: UInt64($0)) }
        for (index, data) in datas.enumerated() { writer.add("\(index)", data) }
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<64 {
                group.addTask {
                    let index = round % datas.count
                    return try archive.read(archive.entries[index], limit: 1 << 20) == datas[index]
                }
            }
            for try await same in group { #expect(same) }
        }
    }
}
