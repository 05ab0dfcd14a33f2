import ByteSource
import Testing
import Zip

@Suite("ZipArchive on corrupt and hostile archives")
struct ZipArchiveHostileInputTests {
    /// A small archive with one entry of each kind.
    static func smallArchive(forceZip64: Bool = false) -> (bytes: [UInt8], contents: [[UInt8]]) {
        let contents = [Array("hello hello hello hello".utf8), TestBytes.random(40, seed: 5), []]
        var writer = ZipWriter()
        writer.add("d", contents[0])
        writer.add("s", contents[1], method: .stored, dataDescriptor: true)
        writer.add("e", contents[2])
        return (writer.finish(forceZip64: forceZip64), contents)
    }

    /// Opens and reads everything; any success must give the original bytes.
    static func expectCorrectOrThrows(_ bytes: [UInt8], _ contents: [[UInt8]]) {
        guard let archive = try? ZipArchive(source: ByteArraySource(bytes)) else { return }
        for (index, entry) in archive.entries.enumerated() where index < contents.count {
            if let read = try? archive.read(entry, limit: 1 << 20) {
                #expect(read == contents[index], "entry \(index) read wrong bytes")
            }
            var streamed: [UInt8] = []
            if (try? archive.stream(entry, chunkSize: 7, { streamed += $0 })) != nil {
                #expect(streamed == contents[index], "entry \(index) streamed wrong bytes")
            }
            if let range = try? archive.dataRange(of: entry),
                range.lowerBound >= 0, range.upperBound <= Int64(bytes.count)
            {
                let compressed = Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
                if let decoded = try? ZipArchive.decode(compressed, entry: entry, limit: 1 << 20) {
                    #expect(decoded == contents[index], "entry \(index) decoded wrong bytes")
                }
            }
        }
    }

    @Test("every truncation of a small archive throws", arguments: [false, true])
    func everyTruncationThrows(forceZip64: Bool) {
        let (bytes, _) = Self.smallArchive(forceZip64: forceZip64)
        for length in 0..<bytes.count {
            #expect(throws: ZipError.self) { try ZipArchive(source: ByteArraySource(Array(bytes[..<length]))) }
        }
    }

    @Test("a source that comes back short where the data is makes reads throw truncated")
    func shortDataReadsThrowTruncated() throws {
        var writer = ZipWriter()
        writer.add("d", TestBytes.text(1000, seed: 1))
        writer.add("s", TestBytes.random(1000, seed: 2), method: .stored)
        writer.add("padding", TestBytes.random(100_000, seed: 3), method: .stored)
        let bytes = writer.finish()
        // Everything before the 64 KiB tail (which holds the directory) reads short.
        let hollow = ShortSource(bytes: bytes, readableFrom: Int64(bytes.count - 65_557))
        let archive = try ZipArchive(source: hollow)
        #expect(archive.entries.count == 3)
        for entry in archive.entries {
            #expect(throws: ZipError.truncated) { try archive.read(entry, limit: 1 << 20) }
            #expect(throws: ZipError.truncated) { try archive.stream(entry) { _ in } }
            #expect(throws: ZipError.truncated) { try archive.dataRange(of: entry) }
        }
    }

    @Test("every single-byte change either throws or reads the original bytes", arguments: [false, true])
    func everyByteChangeThrowsOrReadsOriginal(forceZip64: Bool) {
        let (bytes, contents) = Self.smallArchive(forceZip64: forceZip64)
        for position in bytes.indices {
            for value: UInt8 in [bytes[position] ^ 0x01, bytes[position] ^ 0x80, 0x00, 0xFF] where value != bytes[position] {
                var mutated = bytes
                mutated[position] = value
                Self.expectCorrectOrThrows(mutated, contents)
            }
        }
    }

    @Test("random multi-byte damage never crashes")
    func randomDamageNeverCrashes() {
        let (bytes, contents) = Self.smallArchive(forceZip64: true)
        var generator = SeededGenerator(seed: 77)
        for _ in 0..<3000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 2...8, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            Self.expectCorrectOrThrows(mutated, contents)
        }
    }

    @Test("bytes that are not a zip throw notZip")
    func nonZipThrowsNotZip() {
        for bytes in [[], [UInt8](repeating: 0, count: 21), TestBytes.random(100_000, seed: 4)] {
            #expect(throws: ZipError.notZip) { try ZipArchive(source: ByteArraySource(bytes)) }
        }
    }

    @Test("a flipped CRC is reported by every read path")
    func flippedCRCIsReported() throws {
        for method in [ZipMethod.stored, .deflate] {
            var writer = ZipWriter()
            writer.add("a", Array("content".utf8), method: method)
            var bytes = writer.finish()
            // The CRC in the central header: 16 bytes into it.
            let central = try #require(Self.find([0x50, 0x4b, 0x01, 0x02], in: bytes))
            bytes[central + 16] ^= 0x55
            let archive = try ZipArchive(source: ByteArraySource(bytes))
            let entry = archive.entries[0]
            #expect(throws: ZipError.crcMismatch("a")) { try archive.read(entry, limit: 100) }
            #expect(throws: ZipError.crcMismatch("a")) { try archive.stream(entry) { _ in } }
            let range = try archive.dataRange(of: entry)
            let compressed = Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
            #expect(throws: ZipError.crcMismatch("a")) { try ZipArchive.decode(compressed, entry: entry, limit: 100) }
        }
    }

    @Test("a declared size that differs from the inflated length throws sizeMismatch")
    func wrongDeclaredSizeThrows() throws {
        let data = TestBytes.text(10_000, seed: 8)
        let compressed = Deflater.deflate(data)
        for declared: Int64 in [0, 1, 9_999, 10_001, 20_000] {
            var writer = ZipWriter()
            writer.addRaw(name: Array("x".utf8), data: compressed, method: 8, crc32: CRC32.checksum(data), uncompressedSize: declared)
            let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
            let entry = archive.entries[0]
            #expect(throws: ZipError.sizeMismatch("x")) { try archive.read(entry, limit: 1 << 20) }
            #expect(throws: ZipError.sizeMismatch("x")) { try archive.stream(entry, chunkSize: 100) { _ in } }
        }
    }

    @Test("a stored entry whose sizes disagree throws sizeMismatch")
    func storedSizesDisagreeThrows() throws {
        var writer = ZipWriter()
        writer.addRaw(name: Array("s".utf8), data: [1, 2, 3], method: 0, crc32: CRC32.checksum([1, 2, 3]), uncompressedSize: 2)
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        #expect(throws: ZipError.sizeMismatch("s")) { try archive.read(archive.entries[0], limit: 100) }
        #expect(throws: ZipError.sizeMismatch("s")) { try archive.stream(archive.entries[0]) { _ in } }
    }

    @Test("a deflate stream cut short or followed by garbage throws inflateFailed")
    func deflateStreamEndingEarlyOrLateThrows() throws {
        let data = TestBytes.text(50_000, seed: 10)
        let compressed = Deflater.deflate(data)
        for broken in [Array(compressed.dropLast(3)), compressed + [0, 1, 2], Array(repeating: 0xFF, count: 50)] {
            var writer = ZipWriter()
            writer.addRaw(name: Array("x".utf8), data: broken, method: 8, crc32: CRC32.checksum(data), uncompressedSize: 50_000)
            let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
            let entry = archive.entries[0]
            for attempt in [
                { _ = try archive.read(entry, limit: 1 << 20) },
                { try archive.stream(entry, chunkSize: 4096) { _ in } },
            ] {
                do {
                    try attempt()
                    Issue.record("broken stream was accepted")
                } catch ZipError.inflateFailed(let message) {
                    #expect(message.hasPrefix("x: "))
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
    }

    @Test("methods Duplicati cannot write are unsupported and named", arguments: [UInt16(9), 95, 1, 200, 97])
    func otherMethodsAreUnsupported(method: UInt16) throws {
        var writer = ZipWriter()
        writer.addRaw(name: Array("b".utf8), data: [1, 2, 3], method: method, crc32: 0, uncompressedSize: 3)
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        let entry = archive.entries[0]
        #expect(entry.method == method)
        #expect(throws: ZipError.unsupportedMethod(method)) { try archive.read(entry, limit: 100) }
        #expect(throws: ZipError.unsupportedMethod(method)) { try archive.stream(entry) { _ in } }
        #expect(throws: ZipError.unsupportedMethod(method)) { try ZipArchive.decode([1, 2, 3], entry: entry, limit: 100) }
        #expect(!ZipMethod.isReadable(method))
    }

    @Test("an unsupported method's message names it")
    func unsupportedMethodMessageNamesTheMethod() {
        #expect(ZipError.unsupportedMethod(98).description == "compression method 98 (PPMd) is not supported")
        #expect(ZipError.unsupportedMethod(95).description == "compression method 95 (XZ) is not supported")
        #expect(ZipError.unsupportedMethod(4242).description == "compression method 4242 (unknown) is not supported")
    }

    @Test("encrypted entries are listed but refused")
    func encryptedEntriesAreRefused() throws {
        var writer = ZipWriter()
        writer.addRaw(name: Array("secret".utf8), data: [1, 2, 3], method: 8, flags: 1, crc32: 0, uncompressedSize: 3)
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        let entry = try #require(archive.entry(named: "secret"))
        #expect(entry.isEncrypted)
        #expect(throws: ZipError.encryptedEntry("secret")) { try archive.read(entry, limit: 100) }
        #expect(throws: ZipError.encryptedEntry("secret")) { try archive.stream(entry) { _ in } }
    }

    @Test("a declared size above the limit is refused before reading")
    func declaredSizeAboveLimitIsRefused() throws {
        var writer = ZipWriter()
        writer.add("a", TestBytes.text(5000, seed: 1))
        let source = RecordingSource(writer.finish())
        let archive = try ZipArchive(source: source)
        let entry = archive.entries[0]
        let before = source.largestRead
        #expect(throws: ZipError.entryTooLarge(name: "a", size: 5000, limit: 4999)) { try archive.read(entry, limit: 4999) }
        #expect(source.largestRead == before)
        #expect(try archive.read(entry, limit: 5000).count == 5000)
    }

    @Test("a central directory with nonsense values throws")
    func nonsenseDirectoryValuesThrow() throws {
        var writer = ZipWriter()
        writer.add("abc", [1, 2, 3])
        let bytes = writer.finish()
        let end = bytes.count - 22
        let central = try #require(Self.find([0x50, 0x4b, 0x01, 0x02], in: bytes))
        let patches: [(Int, [UInt8])] = [
            (end + 8, [0xFF, 0x7F]),  // entry count far above what the directory holds
            (end + 10, [0xFF, 0x7F]),
            (end + 12, [0xFF, 0xFF, 0xFF, 0x00]),  // directory size past the file
            (end + 16, [0xFF, 0xFF, 0xFF, 0x7F]),  // directory offset past the file
            (end + 4, [1, 0]),  // another disk
            (central + 28, [0xFF, 0xFF]),  // name length past the directory
            (central + 30, [0xFF, 0x00]),  // extra length past the directory
            (central + 32, [0xFF, 0x00]),  // comment length past the directory
            (central + 42, [0xFF, 0xFF, 0xFF, 0x7F]),  // local header offset past the file
            (central + 20, [0xFF, 0xFF, 0xFF, 0x7F]),  // compressed size past the directory
        ]
        for (position, patch) in patches {
            var mutated = bytes
            mutated.replaceSubrange(position..<(position + patch.count), with: patch)
            #expect(throws: ZipError.self, "patch at \(position)") { try ZipArchive(source: ByteArraySource(mutated)) }
        }
    }

    @Test("a saturated size without a Zip64 field throws rather than trusting 4 GiB")
    func saturatedSizeWithoutZip64FieldThrows() throws {
        var writer = ZipWriter()
        writer.add("abc", [1, 2, 3])
        var bytes = writer.finish()
        let central = try #require(Self.find([0x50, 0x4b, 0x01, 0x02], in: bytes))
        bytes.replaceSubrange((central + 20)..<(central + 28), with: [UInt8](repeating: 0xFF, count: 8))
        #expect(throws: ZipError.self) { try ZipArchive(source: ByteArraySource(bytes)) }
    }

    @Test("a Zip64 extra field missing a saturated value throws")
    func shortZip64FieldThrows() throws {
        var writer = ZipWriter()
        writer.add("abc", [1, 2, 3], method: .stored)
        var bytes = writer.finish(forceZip64: true)
        let central = try #require(Self.find([0x50, 0x4b, 0x01, 0x02], in: bytes))
        // The central Zip64 field holds three values (24 bytes); claim only 16.
        let field = central + 46 + 3
        #expect(bytes[field] == 1 && bytes[field + 2] == 24)
        bytes[field + 2] = 16
        #expect(throws: ZipError.self) { try ZipArchive(source: ByteArraySource(bytes)) }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}

/// A source whose bytes before `readableFrom` are missing: reads starting there return nothing.
struct ShortSource: ByteSource {
    let bytes: [UInt8]
    let readableFrom: Int64

    var size: Int64 { Int64(bytes.count) }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= readableFrom else { return [] }
        return try ByteArraySource(bytes).read(at: offset, count: count)
    }
}

@Suite("ZipArchive with entries made outside the parser")
struct ZipArchiveForeignEntryTests {
    @Test("an entry with impossible values throws instead of trapping")
    func impossibleEntryValuesThrow() throws {
        var writer = ZipWriter()
        writer.add("a", [1, 2, 3])
        let archive = try ZipArchive(source: ByteArraySource(writer.finish()))
        let real = archive.entries[0]
        let hostile = [
            ZipEntry(name: "n", method: 8, flags: 0, crc32: 0, compressedSize: -1, uncompressedSize: 3, localHeaderOffset: 0),
            ZipEntry(name: "n", method: 8, flags: 0, crc32: 0, compressedSize: 5, uncompressedSize: -3, localHeaderOffset: 0),
            ZipEntry(name: "n", method: 8, flags: 0, crc32: 0, compressedSize: 5, uncompressedSize: 3, localHeaderOffset: -1),
            ZipEntry(name: "n", method: 8, flags: 0, crc32: 0, compressedSize: .max, uncompressedSize: 3, localHeaderOffset: 0),
            ZipEntry(name: "n", method: 8, flags: 0, crc32: 0, compressedSize: .max, uncompressedSize: .max, localHeaderOffset: .max),
            ZipEntry(name: "n", method: 0, flags: 0, crc32: 0, compressedSize: 5, uncompressedSize: 5, localHeaderOffset: .max - 2),
            ZipEntry(name: "n", method: 8, flags: 0, crc32: real.crc32, compressedSize: real.compressedSize,
                uncompressedSize: 3, localHeaderOffset: 1),
        ]
        for entry in hostile {
            #expect(throws: ZipError.self) { try archive.read(entry, limit: .max) }
            #expect(throws: ZipError.self) { try archive.stream(entry) { _ in } }
            #expect(throws: ZipError.self) { try ZipArchive.decode([1, 2, 3], entry: entry, limit: .max) }
        }
    }
}
