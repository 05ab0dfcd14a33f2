/// The index of a tar volume (`.tgz`, `.tzstd`; format §4.3), read from its decompressed tar:
/// the last entry, `.eof-header`, holds JSON mapping each full entry name to the offset and size
/// of its data, and the tar ends with the 8-byte little-endian offset of that entry's header
/// and ASCII `EOFHD1` (no end-of-archive blocks). Names in the tar headers are cut to 99 bytes;
/// the index has them whole, so entries are found through it.
package struct TarVolumeIndex: Sendable {
    /// One entry's data within the tar.
    package struct Entry: Sendable, Equatable {
        /// The full name, as the JSON index gives it.
        package let name: String
        /// The offset of the first data byte in the tar.
        package let offset: Int
        /// The data's length.
        package let size: Int
    }

    /// The entries in the order the index lists them (the order they were written).
    package let entries: [Entry]

    static let block = 512
    static let trailer = Array("EOFHD1".utf8)
    static let trailerSize = 14
    static let indexName = ".eof-header"

    /// Reads the index of a decompressed tar volume and checks it against the tar headers:
    /// each entry's header (just before its data) carries the first 99 bytes of its name and
    /// its size, and no entry reaches past the index.
    /// - Parameter tar: the whole decompressed tar.
    /// - Returns: the entries.
    /// - Throws: `invalidValue` for a missing trailer or a header that disagrees with the index;
    ///   `malformedJSON`, `missingField` for a bad index.
    package static func parse(_ tar: [UInt8]) throws(DuplicatiFormatError) -> TarVolumeIndex {
        guard tar.count >= block + trailerSize, Array(tar.suffix(trailer.count)) == trailer else {
            throw .invalidValue("tar volume: no EOFHD1 trailer at the end")
        }
        let end = tar.count - trailerSize
        var headerOffset = 0
        for (shift, byte) in tar[end..<(end + 8)].enumerated() {
            guard shift < 7 || byte < 0x80 else { throw .invalidValue("tar volume: index offset out of range") }
            headerOffset |= Int(byte) << (8 * shift)
        }
        guard headerOffset % block == 0, headerOffset + block <= end else {
            throw .invalidValue("tar volume: index offset \(headerOffset) outside the tar")
        }
        let header = try TarHeader(tar, at: headerOffset)
        guard header.name == Array(indexName.utf8) else {
            throw .invalidValue("tar volume: the trailer points at \(String(decoding: header.name, as: UTF8.self)), not \(indexName)")
        }
        guard headerOffset + block + header.size == tar.count else {
            throw .invalidValue("tar volume: \(indexName) is \(header.size) bytes, the tar ends elsewhere")
        }
        var json = tar[(headerOffset + block)..<end]
        while json.last == 0 { json.removeLast() }

        var parser = JSONParser(Array(json))
        var entries: [Entry] = []
        var object = try parser.beginObject()
        while let name = try parser.nextKey(&object) {
            guard try parser.peekKind() == .object else { throw .invalidValue("\(indexName) \(name): expected an object") }
            var offset: Int64?
            var size: Int64?
            var fields = try parser.beginObject()
            while let key = try parser.nextKey(&fields) {
                switch key.lowercased() {
                case "offset": offset = try parser.readInt64(field: "Offset")
                case "size": size = try parser.readInt64(field: "Size")
                default: try parser.skipValue()
                }
            }
            guard let offset else { throw .missingField("\(indexName) \(name): Offset") }
            guard let size else { throw .missingField("\(indexName) \(name): Size") }
            guard offset >= Int64(block), offset % Int64(block) == 0, size >= 0,
                  offset <= Int64(headerOffset), size <= Int64(headerOffset) - offset
            else {
                throw .invalidValue("\(indexName) \(name): data at \(offset) (\(size) bytes) outside the entries")
            }
            let entry = try TarHeader(tar, at: Int(offset) - block)
            guard entry.name == Array(Array(name.utf8).prefix(99)), entry.size == Int(size) else {
                throw .invalidValue("\(indexName) \(name): the tar header at \(Int(offset) - block) is another entry")
            }
            entries.append(Entry(name: name, offset: Int(offset), size: Int(size)))
        }
        try parser.expectEnd()
        return TarVolumeIndex(entries: entries)
    }
}

/// The fields of a ustar header a tar volume's reader checks: name, size, magic, checksum.
struct TarHeader {
    /// The name field's bytes up to its first NUL.
    let name: [UInt8]
    /// The data length.
    let size: Int

    /// - Throws: `invalidValue` when the block is not a ustar header with a right checksum.
    init(_ tar: [UInt8], at offset: Int) throws(DuplicatiFormatError) {
        guard offset >= 0, offset + TarVolumeIndex.block <= tar.count else {
            throw .invalidValue("tar header at \(offset) outside the tar")
        }
        let header = tar[offset..<(offset + TarVolumeIndex.block)]
        let base = header.startIndex
        guard Array(header[(base + 257)..<(base + 263)]) == Array("ustar\0".utf8) else {
            throw .invalidValue("no ustar header at \(offset)")
        }
        // The checksum: the sum of all header bytes with its own field counted as spaces. Some
        // writers sum signed bytes (as old tars did); a name with UTF-8 bytes then sums lower.
        let stored = Self.octal(header[(base + 148)..<(base + 156)])
        var sum = 0
        var signedSum = 0
        for (index, byte) in header.enumerated() {
            let counted = (148..<156).contains(index) ? 0x20 : byte
            sum += Int(counted)
            signedSum += Int(Int8(bitPattern: counted))
        }
        guard stored == sum || stored == signedSum else { throw .invalidValue("tar header at \(offset) fails its checksum") }
        guard let size = Self.octal(header[(base + 124)..<(base + 136)]) else {
            throw .invalidValue("tar header at \(offset): unreadable size")
        }
        let nameField = header[base..<(base + 100)]
        name = Array(nameField.prefix { $0 != 0 })
        self.size = size
    }

    /// An octal number field: digits, then NUL or space padding.
    static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        var value = 0
        var digits = 0
        for byte in field {
            if byte == 0 || byte == 0x20 {
                if digits > 0 { break } else { continue }
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte), value < Int.max >> 4 else { return nil }
            value = value << 3 | Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}
