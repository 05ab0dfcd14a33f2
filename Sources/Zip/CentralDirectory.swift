internal import ByteSource

/// The located and parsed central directory of an archive.
///
/// Every value read from the file is checked before use: against the file size, the directory
/// size and each other. Nonsense throws; nothing traps or allocates more than the file holds.
struct CentralDirectory {
    /// The entries in directory order.
    var entries: [ZipEntry]
    /// The file offset where the directory starts; every entry's data must end before it.
    var offset: Int64

    /// Where the end records say the directory is.
    private struct Location {
        var offset: Int64
        var size: Int64
        var entryCount: Int64
        /// Where the directory must end by: the Zip64 end record, or the end record.
        var endLimit: Int64
        var isZip64: Bool
    }

    /// Finds and parses the central directory of `source`.
    /// - Parameters:
    ///   - source: the whole archive.
    ///   - maxEntries: more entries than this is an error.
    /// - Throws: `ZipError`, or what the source throws.
    static func read(from source: any ByteSource, maxEntries: Int) throws -> CentralDirectory {
        let location = try locate(in: source)
        guard location.entryCount <= Int64(max(maxEntries, 0)) else {
            throw ZipError.malformed("\(location.entryCount) entries, more than the limit of \(maxEntries)")
        }
        // Each record is at least 46 bytes: a count the size cannot hold is a lie.
        let (minimumSize, overflow) = location.entryCount.multipliedReportingOverflow(by: Int64(ZipRecord.centralHeaderSize))
        guard !overflow, minimumSize <= location.size else {
            throw ZipError.malformed("\(location.entryCount) entries cannot fit in a \(location.size)-byte central directory")
        }
        guard let size = Int(exactly: location.size) else { throw ZipError.malformed("central directory size") }
        let bytes = try source.read(at: location.offset, count: size)
        guard bytes.count == size else { throw ZipError.truncated }
        let entries = try bytes.withUnsafeBytes { buffer in
            try parse(buffer, location: location, maxEntries: maxEntries)
        }
        return CentralDirectory(entries: entries, offset: location.offset)
    }

    /// Reads the end of central directory record and, when present, the Zip64 locator and record.
    private static func locate(in source: any ByteSource) throws -> Location {
        let fileSize = source.size
        guard fileSize >= Int64(ZipRecord.endSize) else { throw ZipError.notZip }
        let tailLength = Int(min(fileSize, Int64(ZipRecord.endSize + ZipRecord.maxCommentLength)))
        let tailStart = fileSize - Int64(tailLength)
        let tail = try source.read(at: tailStart, count: tailLength)
        guard tail.count == tailLength else { throw ZipError.truncated }

        return try tail.withUnsafeBytes { tail throws -> Location in
            // Search backwards for a signature whose comment length fits in the file.
            var found: Int?
            var candidate = tail.count - ZipRecord.endSize
            while candidate >= 0 {
                var cursor = ByteCursor(tail, at: candidate, endError: .notZip)
                if try cursor.u32() == ZipRecord.endSignature {
                    try cursor.skip(16)
                    let commentLength = Int(try cursor.u16())
                    if candidate + ZipRecord.endSize + commentLength <= tail.count {
                        found = candidate
                        break
                    }
                }
                candidate -= 1
            }
            guard let endIndex = found else { throw ZipError.notZip }
            let endPosition = tailStart + Int64(endIndex)

            var end = ByteCursor(tail, at: endIndex + 4, endError: .truncated)
            let disk = try end.u16()
            let directoryDisk = try end.u16()
            let entriesOnDisk = try end.u16()
            let entryCount = try end.u16()
            let directorySize = try end.u32()
            let directoryOffset = try end.u32()

            if let zip64 = try zip64Location(source: source, tail: tail, tailStart: tailStart, endPosition: endPosition) {
                return zip64
            }
            guard disk == 0 || disk == 0xFFFF, directoryDisk == 0 || directoryDisk == 0xFFFF,
                entriesOnDisk == entryCount
            else {
                throw ZipError.malformed("multi-disk archives are not supported")
            }
            let location = Location(
                offset: Int64(directoryOffset), size: Int64(directorySize), entryCount: Int64(entryCount),
                endLimit: endPosition, isZip64: false)
            try check(location)
            return location
        }
    }

    /// Reads the Zip64 end record through the locator just before the end record, if there is one.
    private static func zip64Location(
        source: any ByteSource, tail: UnsafeRawBufferPointer, tailStart: Int64, endPosition: Int64
    ) throws -> Location? {
        let locatorPosition = endPosition - Int64(ZipRecord.zip64LocatorSize)
        guard locatorPosition >= 0 else { return nil }
        let locatorBytes: [UInt8]
        if locatorPosition >= tailStart {
            let start = Int(locatorPosition - tailStart)
            locatorBytes = Array(tail[start..<(start + ZipRecord.zip64LocatorSize)])
        } else {
            locatorBytes = try source.read(at: locatorPosition, count: ZipRecord.zip64LocatorSize)
            guard locatorBytes.count == ZipRecord.zip64LocatorSize else { throw ZipError.truncated }
        }
        let pointer = try locatorBytes.withUnsafeBytes { buffer throws -> (offset: UInt64, diskCount: UInt32)? in
            var locator = ByteCursor(buffer, endError: .truncated)
            guard try locator.u32() == ZipRecord.zip64LocatorSignature else { return nil }
            let recordDisk = try locator.u32()
            let recordOffset = try locator.u64()
            let diskCount = try locator.u32()
            guard recordDisk == 0 else { throw ZipError.malformed("multi-disk archives are not supported") }
            return (recordOffset, diskCount)
        }
        guard let (recordOffset, diskCount) = pointer else { return nil }
        guard diskCount <= 1 else { throw ZipError.malformed("multi-disk archives are not supported") }
        let latestRecordStart = locatorPosition - Int64(ZipRecord.zip64EndSize)
        guard latestRecordStart >= 0, recordOffset <= UInt64(latestRecordStart) else {
            throw ZipError.malformed("Zip64 end record offset \(recordOffset) is past its locator")
        }
        let recordPosition = Int64(recordOffset)
        let record = try source.read(at: recordPosition, count: ZipRecord.zip64EndSize)
        guard record.count == ZipRecord.zip64EndSize else { throw ZipError.truncated }
        return try record.withUnsafeBytes { buffer throws -> Location in
            var cursor = ByteCursor(buffer, endError: .truncated)
            guard try cursor.u32() == ZipRecord.zip64EndSignature else {
                throw ZipError.malformed("no Zip64 end record where the locator points")
            }
            try cursor.skip(8 + 2 + 2)  // record size, version made by, version needed
            let disk = try cursor.u32()
            let directoryDisk = try cursor.u32()
            let entriesOnDisk = try cursor.u64()
            let entryCount = try cursor.u64()
            let directorySize = try cursor.u64()
            let directoryOffset = try cursor.u64()
            guard disk == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
                throw ZipError.malformed("multi-disk archives are not supported")
            }
            guard let count = Int64(exactly: entryCount), let size = Int64(exactly: directorySize),
                let offset = Int64(exactly: directoryOffset)
            else {
                throw ZipError.malformed("Zip64 end record values out of range")
            }
            let location = Location(offset: offset, size: size, entryCount: count, endLimit: recordPosition, isZip64: true)
            try check(location)
            return location
        }
    }

    /// The directory must lie between the start of the file and the end records.
    private static func check(_ location: Location) throws {
        let (end, overflow) = location.offset.addingReportingOverflow(location.size)
        guard !overflow, end <= location.endLimit else {
            throw ZipError.malformed(
                "central directory (offset \(location.offset), size \(location.size)) runs past its end record")
        }
    }

    /// Parses the central file headers.
    private static func parse(_ buffer: UnsafeRawBufferPointer, location: Location, maxEntries: Int) throws -> [ZipEntry] {
        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(min(location.entryCount, Int64(buffer.count / ZipRecord.centralHeaderSize))))
        let directoryOffset = location.offset
        var cursor = ByteCursor(buffer, endError: .malformed("central directory record runs past the directory"))
        // Walk records until the directory's bytes run out; the count is checked afterwards, because
        // writers without Zip64 store only the low 16 bits of a count above 65535.
        while cursor.remaining >= 4 {
            var probe = cursor
            guard try probe.u32() == ZipRecord.centralHeaderSignature else { break }
            guard entries.count < maxEntries else {
                throw ZipError.malformed("more than the limit of \(maxEntries) entries")
            }
            entries.append(try parseHeader(&cursor, directoryOffset: directoryOffset))
        }
        let parsed = Int64(entries.count)
        let countMatches =
            parsed == location.entryCount
            || (!location.isZip64 && (location.entryCount == 0xFFFF || location.entryCount == parsed & 0xFFFF))
        guard countMatches else {
            throw ZipError.malformed("end record declares \(location.entryCount) entries, the directory holds \(parsed)")
        }
        return entries
    }

    /// Parses one central file header (APPNOTE 4.3.12), applying its Zip64 extra field.
    private static func parseHeader(_ cursor: inout ByteCursor, directoryOffset: Int64) throws -> ZipEntry {
        try cursor.skip(4 + 2 + 2)  // signature, version made by, version needed
        let flags = try cursor.u16()
        let method = try cursor.u16()
        try cursor.skip(2 + 2)  // time, date
        let crc = try cursor.u32()
        let compressed32 = try cursor.u32()
        let uncompressed32 = try cursor.u32()
        let nameLength = Int(try cursor.u16())
        let extraLength = Int(try cursor.u16())
        let commentLength = Int(try cursor.u16())
        let disk16 = try cursor.u16()
        try cursor.skip(2 + 4)  // internal and external attributes
        let offset32 = try cursor.u32()
        let rawName = try cursor.bytes(nameLength)
        let extra = try cursor.bytes(extraLength)
        try cursor.skip(commentLength)

        var uncompressed = UInt64(uncompressed32)
        var compressed = UInt64(compressed32)
        var offset = UInt64(offset32)
        var disk = UInt32(disk16)
        var unicodePath: UnsafeRawBufferPointer?

        var fields = ByteCursor(extra, endError: .malformed("extra field runs past its record"))
        while fields.remaining >= 4 {
            let id = try fields.u16()
            let data = try fields.bytes(Int(try fields.u16()))
            switch id {
            case ZipRecord.zip64ExtraID:
                // Only the values whose 32-bit field is saturated are present, in this order.
                var values = ByteCursor(data, endError: .malformed("Zip64 extra field is too short"))
                if uncompressed32 == 0xFFFF_FFFF { uncompressed = try values.u64() }
                if compressed32 == 0xFFFF_FFFF { compressed = try values.u64() }
                if offset32 == 0xFFFF_FFFF { offset = try values.u64() }
                if disk16 == 0xFFFF { disk = try values.u32() }
            case ZipRecord.unicodePathExtraID:
                unicodePath = data
            default:
                break
            }
        }
        let name = EntryName.decode(rawName, unicodePath: unicodePath)
        guard disk == 0 else { throw ZipError.malformed("\(name): entry on disk \(disk); multi-disk archives are not supported") }
        guard let uncompressedSize = Int64(exactly: uncompressed), let compressedSize = Int64(exactly: compressed),
            let localHeaderOffset = Int64(exactly: offset)
        else {
            throw ZipError.malformed("\(name): size or offset out of range")
        }
        // The local header and the data must lie before the central directory.
        let (dataEnd, overflow) = localHeaderOffset.addingReportingOverflow(Int64(ZipRecord.localHeaderSize))
        let (end, overflow2) = dataEnd.addingReportingOverflow(compressedSize)
        guard !overflow, !overflow2, end <= directoryOffset else {
            throw ZipError.malformed(
                "\(name): data (header at \(localHeaderOffset), \(compressedSize) bytes) runs into the central directory")
        }
        return ZipEntry(
            name: name, method: method, flags: flags, crc32: crc, compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset)
    }
}
