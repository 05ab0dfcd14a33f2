/// Why a zip archive or one of its entries could not be read.
package enum ZipError: Error, Equatable, Sendable {
    /// No end-of-central-directory record in the last 64 KiB + 22 bytes: not a zip.
    case notZip
    /// The source ended before a record or an entry's data did.
    case truncated
    /// A record holds values that contradict each other or the file (the text says which).
    case malformed(String)
    /// The entry uses a compression method other than 0 (stored) and 8 (deflate).
    case unsupportedMethod(UInt16)
    /// The entry is encrypted (general purpose flag bit 0 or 6); carries the entry name.
    case encryptedEntry(String)
    /// The entry's declared uncompressed size is above the caller's limit.
    case entryTooLarge(name: String, size: Int64, limit: Int)
    /// The decoded bytes do not have the CRC-32 the central directory declares; carries the name.
    case crcMismatch(String)
    /// The decoded length differs from the central directory's uncompressed size; carries the name.
    case sizeMismatch(String)
    /// zlib rejected the deflate stream, or it ended too early or too late ("name: detail").
    case inflateFailed(String)
}
