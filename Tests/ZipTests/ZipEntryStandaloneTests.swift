import ByteSource
import Testing
import Zip

@Suite struct ZipEntryStandaloneTests {
    static func archive() throws -> (ZipArchive, [UInt8]) {
        var writer = ZipWriter()
        writer.add("first", TestBytes.text(5000, seed: 1), method: .deflate, dataDescriptor: false)
        writer.add("second", TestBytes.random(3000, seed: 2), method: .stored, dataDescriptor: true)
        let bytes = writer.finish(forceZip64: false)
        return (try ZipArchive(source: ByteArraySource(bytes)), bytes)
    }

    @Test func anEntryDecodesFromItsRecordAloneWhereverTheReadStarts() throws {
        let (archive, bytes) = try Self.archive()
        for entry in archive.entries {
            let extent = archive.extent(of: entry)
            let expected = try archive.read(entry, limit: 1 << 20)
            let record = Array(bytes[Int(extent.lowerBound)..<Int(extent.upperBound)])
            #expect(try entry.decodeStandalone(record, at: extent.lowerBound, limit: 1 << 20) == expected)
            let wider = Array(bytes[0..<Int(extent.upperBound)])
            #expect(try entry.decodeStandalone(wider, at: 0, limit: 1 << 20) == expected)
        }
    }

    @Test func aRecordOfAnotherNameOrOffsetIsRefused() throws {
        let (archive, bytes) = try Self.archive()
        let first = archive.entries[0], second = archive.entries[1]
        // The first entry's values at the second record's offset: another name there.
        let moved = ZipEntry(
            name: first.name, method: first.method, flags: first.flags, crc32: first.crc32,
            compressedSize: first.compressedSize, uncompressedSize: first.uncompressedSize,
            localHeaderOffset: second.localHeaderOffset)
        #expect(throws: ZipError.self) { try moved.decodeStandalone(bytes, at: 0, limit: 1 << 20) }
        let shifted = ZipEntry(
            name: first.name, method: first.method, flags: first.flags, crc32: first.crc32,
            compressedSize: first.compressedSize, uncompressedSize: first.uncompressedSize,
            localHeaderOffset: first.localHeaderOffset + 1)
        #expect(throws: ZipError.self) { try shifted.decodeStandalone(bytes, at: 0, limit: 1 << 20) }
        let wrongCRC = ZipEntry(
            name: first.name, method: first.method, flags: first.flags, crc32: first.crc32 ^ 1,
            compressedSize: first.compressedSize, uncompressedSize: first.uncompressedSize,
            localHeaderOffset: first.localHeaderOffset)
        #expect(throws: ZipError.self) { try wrongCRC.decodeStandalone(bytes, at: 0, limit: 1 << 20) }
        // Bytes that stop inside the record, or start after it.
        let extent = archive.extent(of: first)
        #expect(throws: ZipError.truncated) {
            try first.decodeStandalone(Array(bytes[0..<Int(extent.upperBound) - 10]), at: 0, limit: 1 << 20)
        }
        #expect(throws: ZipError.self) {
            try first.decodeStandalone(Array(bytes[1...]), at: 1, limit: 1 << 20)
        }
    }
}
