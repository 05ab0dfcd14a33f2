/// One central directory record: what an entry is called, how it is stored, and where.
///
/// Sizes and the local header offset come from the central directory, with Zip64 extra field
/// values already applied.
package struct ZipEntry: Sendable, Hashable {
    /// The name, decoded as UTF-8 (or CP437 when it is not valid UTF-8), with `\` replaced by `/`.
    package let name: String
    /// The compression method: 0 stored, 8 deflate; others are listed but cannot be read.
    package let method: UInt16
    /// The general purpose bit flags (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8).
    package let flags: UInt16
    /// The CRC-32 of the uncompressed bytes.
    package let crc32: UInt32
    /// The length of the entry's data as stored in the archive.
    package let compressedSize: Int64
    /// The length of the entry's bytes once decoded.
    package let uncompressedSize: Int64
    /// The file offset of the entry's local file header.
    package let localHeaderOffset: Int64

    /// Whether the entry is encrypted (traditional PKWARE, bit 0, or strong encryption, bit 6).
    package var isEncrypted: Bool { flags & 0x0041 != 0 }

    /// Whether the name ends in `/`, the zip convention for a directory.
    package var isDirectory: Bool { name.hasSuffix("/") }

    /// Makes an entry from already validated central directory values.
    package init(
        name: String, method: UInt16, flags: UInt16, crc32: UInt32,
        compressedSize: Int64, uncompressedSize: Int64, localHeaderOffset: Int64
    ) {
        self.name = name
        self.method = method
        self.flags = flags
        self.crc32 = crc32
        self.compressedSize = compressedSize
        self.uncompressedSize = uncompressedSize
        self.localHeaderOffset = localHeaderOffset
    }
}
