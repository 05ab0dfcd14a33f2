package import ByteSource

/// A zip archive opened for reading: its central directory, parsed once, and the source to read
/// entries from.
///
/// Immutable after `init`; every read makes its own zlib stream, so one archive can serve many
/// threads at once.
package final class ZipArchive: Sendable {
    /// The entries in central directory order. Duplicate names are kept.
    package let entries: [ZipEntry]

    let source: any ByteSource
    /// Where the central directory starts: no entry's data may reach past it.
    private let directoryOffset: Int64
    /// The index of the first entry with each name.
    private let firstIndex: [String: Int]
    /// Every entry's local header offset, ascending, then the directory's: where each record ends.
    let boundaries: [Int64]

    /// Opens an archive: reads the end of central directory record (searching the last 64 KiB +
    /// 22 bytes), the Zip64 locator and end record when present, then the whole central
    /// directory in one read.
    /// - Parameters:
    ///   - source: the archive's bytes.
    ///   - maxEntries: more entries than this is an error rather than a huge allocation.
    /// - Throws: `ZipError.notZip`, `.truncated` or `.malformed`, or what the source throws.
    package init(source: any ByteSource, maxEntries: Int = 10_000_000) throws {
        let directory = try CentralDirectory.read(from: source, maxEntries: maxEntries)
        var firstIndex: [String: Int] = [:]
        firstIndex.reserveCapacity(directory.entries.count)
        for (index, entry) in directory.entries.enumerated() where firstIndex[entry.name] == nil {
            firstIndex[entry.name] = index
        }
        self.entries = directory.entries
        self.directoryOffset = directory.offset
        self.boundaries = (Set(directory.entries.map(\.localHeaderOffset)).sorted()) + [directory.offset]
        self.firstIndex = firstIndex
        self.source = source
    }

    /// Finds an entry by name (after `\` to `/` normalisation).
    /// - Parameter name: the entry name.
    /// - Returns: the first entry in directory order with that name, or nil.
    package func entry(named name: String) -> ZipEntry? {
        firstIndex[name].map { entries[$0] }
    }

    /// Throws unless the entry is unencrypted and stored or deflated.
    static func checkReadable(_ entry: ZipEntry) throws {
        // Entries can be made outside the parser (from a cache, say): recheck what it guarantees.
        guard entry.compressedSize >= 0, entry.uncompressedSize >= 0, entry.localHeaderOffset >= 0 else {
            throw ZipError.malformed("\(entry.name): negative size or offset")
        }
        guard !entry.isEncrypted else { throw ZipError.encryptedEntry(entry.name) }
        guard ZipMethod.isReadable(entry.method) else {
            throw ZipError.unsupportedMethod(entry.method)
        }
        if entry.method == ZipRecord.methodStored, entry.compressedSize != entry.uncompressedSize {
            throw ZipError.sizeMismatch(entry.name)
        }
    }

    /// Where the entry's compressed data starts, from its local header.
    /// - Parameters:
    ///   - header: bytes read at the entry's local header offset (at least 30).
    ///   - entry: the entry.
    /// - Returns: the data's file range; its length is the central directory's compressed size.
    func dataRange(header: UnsafeRawBufferPointer, of entry: ZipEntry) throws -> Range<Int64> {
        var cursor = ByteCursor(header, endError: .truncated)
        guard try cursor.u32() == ZipRecord.localHeaderSignature else {
            throw ZipError.malformed("\(entry.name): no local header at offset \(entry.localHeaderOffset)")
        }
        try cursor.skip(22)  // version … uncompressed size: the central directory's values count
        let nameLength = Int64(try cursor.u16())
        let extraLength = Int64(try cursor.u16())
        let (start, overflow) = entry.localHeaderOffset.addingReportingOverflow(
            Int64(ZipRecord.localHeaderSize) + nameLength + extraLength)
        let (end, overflow2) = start.addingReportingOverflow(entry.compressedSize)
        guard !overflow, !overflow2, entry.compressedSize >= 0, end <= directoryOffset else {
            throw ZipError.malformed("\(entry.name): data runs into the central directory")
        }
        guard end <= source.size else { throw ZipError.truncated }
        return start..<end
    }
}
