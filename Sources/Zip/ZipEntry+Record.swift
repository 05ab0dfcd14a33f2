extension ZipEntry {
    /// Decodes this entry from bytes read at its local header, without the archive's central
    /// directory: for an entry whose directory record was kept elsewhere (the local index).
    ///
    /// The local header must be there and carry exactly this entry's name, so a record kept for
    /// the wrong offset is an error rather than another entry's bytes; length and CRC-32 are
    /// checked as for any read.
    /// - Parameters:
    ///   - bytes: file bytes starting at `offset`, covering the local header and the data.
    ///   - offset: the file offset of `bytes[0]`; at most ``localHeaderOffset``.
    ///   - limit: the largest uncompressed size the caller accepts.
    /// - Returns: the entry's bytes.
    /// - Throws: `ZipError` (`.truncated` when the record is not wholly inside `bytes`,
    ///   `.malformed` for a missing local header or another name).
    package func decodeStandalone(_ bytes: [UInt8], at offset: Int64, limit: Int) throws -> [UInt8] {
        guard localHeaderOffset >= offset, compressedSize >= 0 else {
            throw ZipError.malformed("\(name): record outside the bytes read")
        }
        let (relative, overflow) = localHeaderOffset.subtractingReportingOverflow(offset)
        guard !overflow, relative < Int64(bytes.count) else { throw ZipError.truncated }
        let start = Int(relative)
        let expectedName = Array(name.utf8)
        let dataStart: Int = try bytes.withUnsafeBytes { buffer in
            var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: buffer[start...]), endError: .truncated)
            guard try cursor.u32() == ZipRecord.localHeaderSignature else {
                throw ZipError.malformed("\(name): no local header at offset \(localHeaderOffset)")
            }
            try cursor.skip(22)
            let nameLength = Int(try cursor.u16())
            let extraLength = Int(try cursor.u16())
            let stored = try cursor.bytes(nameLength)
            guard stored.elementsEqual(expectedName) else {
                throw ZipError.malformed("\(name): the local header at offset \(localHeaderOffset) names another entry")
            }
            try cursor.skip(extraLength)
            return start + cursor.position
        }
        guard compressedSize <= Int64(bytes.count - dataStart) else { throw ZipError.truncated }
        let dataEnd = dataStart + Int(compressedSize)
        return try ZipArchive.decode(Array(bytes[dataStart..<dataEnd]), entry: self, limit: limit)
    }
}
