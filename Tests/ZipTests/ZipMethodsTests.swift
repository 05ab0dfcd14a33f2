import ByteSource
import Foundation
import Testing
import Zip

/// BZip2 (12), LZMA (14), ZStandard (93) and PPMd (98) entries as SharpCompress writes them for
/// Duplicati's `--zip-compression-method` (format §4.1), and how damaged ones fail.
@Suite("ZipArchive: BZip2, LZMA, ZStandard and PPMd entries")
struct ZipMethodsTests {
    static let methods: [ZipMethod] = [.bzip2, .lzma, .zstandard, .ppmd]

    /// One entry's archive, plus its compressed data (as the writer laid it out).
    static func single(_ data: [UInt8], method: ZipMethod) throws -> (archive: [UInt8], compressed: [UInt8]) {
        var writer = ZipWriter()
        writer.add("entry", data, method: method, level: 19)
        let bytes = writer.finish()
        let archive = try ZipArchive(source: ByteArraySource(bytes))
        let range = try archive.dataRange(of: archive.entries[0])
        return (bytes, Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)]))
    }

    /// An archive whose one entry holds `compressed` as given, declared with this method, size and CRC.
    static func raw(_ compressed: [UInt8], method: UInt16, size: Int, crc: UInt32, flags: UInt16 = 0) throws -> (ZipArchive, ZipEntry) {
        var writer = ZipWriter()
        writer.addRaw(name: Array("entry".utf8), data: compressed, method: method, flags: flags, crc32: crc, uncompressedSize: Int64(size))
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        return (archive, archive.entries[0])
    }

    @Test("the data has each method's own framing", arguments: methods)
    func dataHasTheMethodsFraming(method: ZipMethod) throws {
        let (_, compressed) = try Self.single(TestBytes.text(5000, seed: 1), method: method)
        switch method {
        case .bzip2: #expect(Array(compressed.prefix(4)) == Array("BZh9".utf8))
        case .lzma: #expect(Array(compressed.prefix(9)) == [0x09, 0x14, 0x05, 0x00, 0x5D, 0x00, 0x00, 0x10, 0x00])
        case .zstandard:
            #expect(Array(compressed.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
            // Frame header descriptor: no content size (bits 6-7 zero, single segment off), no checksum (bit 2).
            #expect(compressed[4] & 0b1110_0100 == 0)
        // Property word: order 6, 16 MiB, restart.
        case .ppmd: #expect(Array(compressed.prefix(2)) == [0xF5, 0x00])
        default: Issue.record("unexpected method")
        }
    }

    @Test("large and empty entries stream in one-byte and odd chunks", arguments: methods)
    func streamsInTinyChunks(method: ZipMethod) throws {
        let large = TestBytes.text(1_500_000, seed: 7) + TestBytes.random(200_000, seed: 8)
        var writer = ZipWriter()
        writer.add("large", large, method: method)
        writer.add("small", Array("a small entry".utf8), method: method)
        writer.add("empty", [], method: method)
        let bytes = writer.finish()
        let (_, contents) = try readAllWays(bytes, chunkSize: 4097)
        #expect(contents == [large, Array("a small entry".utf8), []])
        let (archive, tiny) = try readAllWays(bytes, chunkSize: 1)
        #expect(tiny[1] == Array("a small entry".utf8) && tiny[2] == [])
        // The empty entry still carries the method's framing (only "None" archives store empties).
        #expect(archive.entries[2].compressedSize > 0)
    }

    @Test("a zstd frame from the zstd tool (content size and checksum) reads back")
    func zstdToolFrameReadsBack() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") else { return }
        let data = TestBytes.text(300_000, seed: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zstd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in")
        try Data(data).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
        process.arguments = ["-q", "--check", "-19", input.path, "-o", input.path + ".zst"]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let frame = Array(try Data(contentsOf: URL(fileURLWithPath: input.path + ".zst")))
        let (archive, entry) = try Self.raw(frame, method: 93, size: data.count, crc: CRC32.checksum(data))
        #expect(try archive.read(entry, limit: 1 << 20) == data)
    }

    @Test("LZMA with an end marker (bit 1) reads back; without the bit the marker is refused")
    func lzmaEndMarkerFollowsTheFlag() throws {
        let data = TestBytes.text(40_000, seed: 4)
        let withMarker = LZMAEncoder.compress(data, endMarker: true)
        let (archive, entry) = try Self.raw(withMarker, method: 14, size: data.count, crc: CRC32.checksum(data), flags: 2)
        #expect(try archive.read(entry, limit: 1 << 20) == data)
        let (strict, strictEntry) = try Self.raw(withMarker, method: 14, size: data.count, crc: CRC32.checksum(data))
        #expect(throws: ZipError.self) { try strict.read(strictEntry, limit: 1 << 20) }
    }

    @Test("a flipped byte in the compressed data fails, never returns wrong bytes", arguments: methods)
    func corruptDataFails(method: ZipMethod) throws {
        let data = TestBytes.text(60_000, seed: 5)
        let (_, compressed) = try Self.single(data, method: method)
        for position in [compressed.count / 3, compressed.count / 2, compressed.count - 6] {
            var damaged = compressed
            damaged[position] ^= 0x5A
            let (archive, entry) = try Self.raw(damaged, method: method.number, size: data.count, crc: CRC32.checksum(data))
            #expect(throws: ZipError.self, "\(method) at \(position)") { try archive.read(entry, limit: 1 << 20) }
            #expect(throws: ZipError.self) { try archive.stream(entry, chunkSize: 999) { _ in } }
        }
    }

    @Test("truncated data, trailing bytes and wrong declared sizes are errors", arguments: methods)
    func framingErrorsAreCaught(method: ZipMethod) throws {
        let data = TestBytes.text(30_000, seed: 6)
        let crc = CRC32.checksum(data)
        let (_, compressed) = try Self.single(data, method: method)

        let (cut, cutEntry) = try Self.raw(Array(compressed.dropLast(7)), method: method.number, size: data.count, crc: crc)
        #expect(throws: ZipError.self) { try cut.read(cutEntry, limit: 1 << 20) }

        let (trailing, trailingEntry) = try Self.raw(compressed + [1, 2, 3], method: method.number, size: data.count, crc: crc)
        #expect(throws: ZipError.self) { try trailing.read(trailingEntry, limit: 1 << 20) }

        // Declared smaller than the data: decoding stops there (a zip bomb cannot grow past it).
        let (short, shortEntry) = try Self.raw(compressed, method: method.number, size: data.count - 100, crc: crc)
        #expect(throws: ZipError.self) { try short.read(shortEntry, limit: 1 << 20) }
        let (long, longEntry) = try Self.raw(compressed, method: method.number, size: data.count + 100, crc: crc)
        #expect(throws: ZipError.self) { try long.read(longEntry, limit: 1 << 20) }
    }

    @Test("bytes of another method under a method's number fail cleanly")
    func wrongMethodNumberFails() throws {
        let data = TestBytes.text(10_000, seed: 9)
        let deflated = Deflater.deflate(data)
        for method: UInt16 in [12, 14, 93, 98] {
            let (archive, entry) = try Self.raw(deflated, method: method, size: data.count, crc: CRC32.checksum(data))
            #expect(throws: ZipError.self, "\(method)") { try archive.read(entry, limit: 1 << 20) }
        }
    }

    @Test("a PPMd entry in a variant we do not decode names it; one whose model cannot be made fails cleanly")
    func ppmdUnsupportedVariantIsNamed() throws {
        let data = TestBytes.text(5000, seed: 10)
        let (_, compressed) = try Self.single(data, method: .ppmd)
        // Restore method 2 ("freeze") in the property word.
        let (archive, entry) = try Self.raw([0xF5, 0x20] + compressed.dropFirst(2), method: 98, size: data.count, crc: CRC32.checksum(data))
        do {
            _ = try archive.read(entry, limit: 1 << 20)
            Issue.record("restore method 2 was decoded")
        } catch {
            #expect("\(error)".contains("restore method 2 (freeze)"), "\(error)")
        }
        // Order 1 is no PPMd variant I model; a lone byte is no property word.
        let (orderOne, orderOneEntry) = try Self.raw([0xF0, 0x00] + compressed.dropFirst(2), method: 98, size: data.count, crc: CRC32.checksum(data))
        #expect(throws: ZipError.self) { try orderOne.read(orderOneEntry, limit: 1 << 20) }
        let (lone, loneEntry) = try Self.raw([0xF5], method: 98, size: 0, crc: 0)
        #expect(throws: ZipError.self) { try lone.read(loneEntry, limit: 1 << 20) }
    }

    @Test("PPMd entries p7zip wrote (order, memory and restore method of its choosing) read back")
    func sevenZipPPMdEntriesReadBack() throws {
        guard let sevenZip = ["/usr/bin/7z", "/usr/bin/7za"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("skipped: 7z (p7zip-full) is not installed")
            return
        }
        let files = [("text", TestBytes.text(1_300_000, seed: 11)), ("random", TestBytes.random(200_000, seed: 12)), ("empty", [UInt8]())]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ppmd7z-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, data) in files { try Data(data).write(to: directory.appendingPathComponent(name)) }
        for options in [["-mx=5", "-mmem=1m"], ["-mx=9", "-mmem=1m"], ["-mx=9"]] {
            let zip = directory.appendingPathComponent("out\(options.joined()).zip")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sevenZip)
            process.arguments = ["a", "-tzip", "-mm=PPMd"] + options + [zip.path] + files.map { directory.appendingPathComponent($0.0).path }
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
            let archive = try ZipArchive(source: ByteArraySource(Array(try Data(contentsOf: zip))))
            for (name, data) in files {
                let entry = try #require(archive.entries.first { $0.name == name })
                if name == "text" { #expect(entry.method == 98) }  // 7z stores what does not compress
                #expect(try archive.read(entry, limit: 1 << 22) == data, "\(name) \(options)")
                var streamed: [UInt8] = []
                try archive.stream(entry, chunkSize: 4093) { streamed += $0 }
                #expect(streamed == data, "\(name) \(options) streamed")
            }
        }
    }

    @Test("local headers are laid out as SharpCompress writes them: version 63, real sizes and a Zip64 field", arguments: methods)
    func sharpCompressLocalHeaderLayout(method: ZipMethod) throws {
        let data = TestBytes.text(3000, seed: 13)
        let (archive, compressed) = try Self.single(data, method: method)
        func u16(_ at: Int) -> Int { Int(archive[at]) | Int(archive[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        #expect(u16(4) == 63)
        #expect(u16(8) == Int(method.number))
        #expect(u32(18) == compressed.count && u32(22) == data.count)
        let nameLength = u16(26)
        #expect(u16(28) == 20)
        let extra = 30 + nameLength
        #expect(u16(extra) == 1 && u16(extra + 2) == 16)
        #expect(u32(extra + 4) == data.count && u32(extra + 12) == compressed.count)
        // Central directory: version 63, external attributes 0x81000000, no Zip64 field needed.
        let central = 30 + nameLength + 20 + compressed.count
        #expect(u32(central) == 0x0201_4B50)
        #expect(u16(central + 6) == 63 && u16(central + 30) == 0)
        #expect(u32(central + 38) == 0x8100_0000)
    }
}
