extension ZipArchive {
    /// How many bytes past the name to read with the local header, hoping to catch its extra field
    /// (and then the data) in the same read.
    private static let localExtraAllowance = 256

    /// Reads a whole entry into memory.
    ///
    /// Refuses before allocating when the declared size is above `limit`; inflation can never
    /// produce more than the declared size (a zip bomb is an error, not an out-of-memory).
    /// - Parameters:
    ///   - entry: an entry of this archive.
    ///   - limit: the largest uncompressed size the caller accepts.
    /// - Returns: the entry's bytes, with length and CRC-32 checked.
    /// - Throws: `ZipError`, or what the source throws.
    package func read(_ entry: ZipEntry, limit: Int) throws -> [UInt8] {
        try Self.checkReadable(entry)
        try Self.checkLimit(entry, limit: limit)
        // The local header, then the data, in one read when the local extra field is short.
        guard entry.compressedSize <= source.size else { throw ZipError.truncated }
        let guess = ZipRecord.localHeaderSize + entry.name.utf8.count + Self.localExtraAllowance
        let (count, overflow) = Int(entry.compressedSize).addingReportingOverflow(guess)
        guard !overflow else { throw ZipError.malformed("\(entry.name): compressed size out of range") }
        let bytes = try source.read(at: entry.localHeaderOffset, count: count)
        let range = try bytes.withUnsafeBytes { try dataRange(header: $0, of: entry) }
        let start = Int(range.lowerBound - entry.localHeaderOffset)
        if start + Int(entry.compressedSize) <= bytes.count {
            return try bytes.withUnsafeBytes { buffer in
                try Self.decode(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + Int(entry.compressedSize))]), entry: entry)
            }
        }
        let data = try source.read(at: range.lowerBound, count: Int(entry.compressedSize))
        guard data.count == Int(entry.compressedSize) else { throw ZipError.truncated }
        return try data.withUnsafeBytes { try Self.decode($0, entry: entry) }
    }

    /// Streams an entry's bytes in chunks, holding at most about two chunks in memory.
    /// - Parameters:
    ///   - entry: an entry of this archive.
    ///   - chunkSize: the size of each read of compressed data and of the output buffer.
    ///   - body: receives the decoded bytes in order; the buffer is valid only during the call.
    /// - Throws: `ZipError` (length and CRC are checked after the last chunk, so `body` may have
    ///   seen bytes of a corrupt entry before the error), or what the source or `body` throws.
    package func stream(
        _ entry: ZipEntry, chunkSize: Int = 256 << 10, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try Self.checkReadable(entry)
        let range = try dataRange(of: entry)
        let chunk = max(chunkSize, 1)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { output.deallocate() }
        var decoder = try EntryDecoder(entry: entry, output: output)
        var position = range.lowerBound
        while position < range.upperBound {
            let count = Int(min(Int64(chunk), range.upperBound - position))
            let input = try source.read(at: position, count: count)
            guard input.count == count else { throw ZipError.truncated }
            try input.withUnsafeBytes { try decoder.consume($0, flush: body) }
            position += Int64(count)
        }
        try decoder.finish(flush: body)
    }

    /// The file range of the entry's compressed data. Reads and checks the local header, using
    /// only its name and extra field lengths: its sizes may be zero (data descriptor) or stale.
    /// - Parameter entry: an entry of this archive.
    /// - Returns: `compressedSize` bytes starting just after the local header.
    /// - Throws: `ZipError.malformed` for a missing local header, `.truncated`, or what the source throws.
    package func dataRange(of entry: ZipEntry) throws -> Range<Int64> {
        guard entry.localHeaderOffset >= 0, entry.compressedSize >= 0 else {
            throw ZipError.malformed("\(entry.name): negative size or offset")
        }
        let header = try source.read(at: entry.localHeaderOffset, count: ZipRecord.localHeaderSize)
        return try header.withUnsafeBytes { try dataRange(header: $0, of: entry) }
    }

    /// Decodes an entry's compressed data fetched separately (from `dataRange(of:)`).
    /// - Parameters:
    ///   - compressed: exactly the entry's compressed bytes.
    ///   - entry: the entry they belong to.
    ///   - limit: the largest uncompressed size the caller accepts.
    /// - Returns: the entry's bytes, with length and CRC-32 checked.
    /// - Throws: `ZipError`.
    package static func decode(_ compressed: [UInt8], entry: ZipEntry, limit: Int) throws -> [UInt8] {
        try checkReadable(entry)
        try checkLimit(entry, limit: limit)
        guard Int64(compressed.count) >= entry.compressedSize else { throw ZipError.truncated }
        guard Int64(compressed.count) == entry.compressedSize else {
            throw ZipError.malformed("\(entry.name): \(compressed.count) compressed bytes given, \(entry.compressedSize) declared")
        }
        return try compressed.withUnsafeBytes { try decode($0, entry: entry) }
    }

    private static func checkLimit(_ entry: ZipEntry, limit: Int) throws {
        guard entry.uncompressedSize <= Int64(limit) else {
            throw ZipError.entryTooLarge(name: entry.name, size: entry.uncompressedSize, limit: limit)
        }
        // A real deflate stream is at most a little longer than its output; a much longer one
        // would make us hold a huge buffer for a small entry.
        let (ceiling, overflow) = entry.uncompressedSize.addingReportingOverflow(entry.uncompressedSize / 8 + 65_536)
        guard overflow || entry.compressedSize <= ceiling else {
            throw ZipError.malformed("\(entry.name): \(entry.compressedSize) compressed bytes for \(entry.uncompressedSize)")
        }
    }

    /// Decodes a whole entry whose size was checked against the limit.
    private static func decode(_ compressed: UnsafeRawBufferPointer, entry: ZipEntry) throws -> [UInt8] {
        let count = Int(entry.uncompressedSize)
        if entry.method == ZipRecord.methodStored {
            guard compressed.count == count else { throw ZipError.sizeMismatch(entry.name) }
            guard CRC32.checksum(compressed) == entry.crc32 else { throw ZipError.crcMismatch(entry.name) }
            return Array(compressed)
        }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var decoder = try EntryDecoder(entry: entry, output: UnsafeMutableRawBufferPointer(buffer))
            let ignore: (UnsafeRawBufferPointer) -> Void = { _ in }
            try decoder.consume(compressed, flush: ignore)
            try decoder.finish(flush: ignore)
            initialized = count
        }
    }
}
