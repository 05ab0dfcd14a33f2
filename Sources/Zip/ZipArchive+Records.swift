extension ZipArchive {
    /// The bytes an entry's record occupies: from its local header to the next record's local
    /// header (or the central directory). Reading this range is enough for
    /// ``decodeRecord(_:at:entry:limit:)``; several neighbouring records can be read at once.
    /// - Parameter entry: an entry of this archive.
    /// - Returns: the file range.
    package func extent(of entry: ZipEntry) -> Range<Int64> {
        var low = 0
        var high = boundaries.count - 1
        // The first boundary greater than the entry's offset.
        while low < high {
            let middle = (low + high) / 2
            if boundaries[middle] <= entry.localHeaderOffset { low = middle + 1 } else { high = middle }
        }
        let end = max(boundaries[low], entry.localHeaderOffset)
        return entry.localHeaderOffset..<end
    }

    /// Decodes an entry from bytes read elsewhere that hold its whole record (local header and
    /// data), e.g. one read covering several neighbouring entries.
    /// - Parameters:
    ///   - bytes: file bytes starting at `offset`.
    ///   - offset: the file offset of `bytes[0]`.
    ///   - entry: an entry of this archive whose record lies inside `bytes`.
    ///   - limit: the largest uncompressed size the caller accepts.
    /// - Returns: the entry's bytes, with length and CRC-32 checked.
    /// - Throws: `ZipError` (`.truncated` when the record is not inside `bytes`).
    package func decodeRecord(_ bytes: [UInt8], at offset: Int64, entry: ZipEntry, limit: Int) throws -> [UInt8] {
        guard entry.localHeaderOffset >= offset, entry.localHeaderOffset - offset < Int64(bytes.count) else {
            throw ZipError.truncated
        }
        let start = Int(entry.localHeaderOffset - offset)
        let range = try bytes.withUnsafeBytes { buffer in
            try dataRange(header: UnsafeRawBufferPointer(rebasing: buffer[start...]), of: entry)
        }
        let dataStart = Int(range.lowerBound - offset)
        let dataEnd = Int(range.upperBound - offset)
        guard dataEnd <= bytes.count else { throw ZipError.truncated }
        return try Self.decode(Array(bytes[dataStart..<dataEnd]), entry: entry, limit: limit)
    }
}
