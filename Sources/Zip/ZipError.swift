/// Why a zip archive or one of its entries could not be read.
package enum ZipError: Error, Equatable, Sendable {
    /// No end-of-central-directory record in the last 64 KiB + 22 bytes: not a zip.
    case notZip
    /// The source ended before a record or an entry's data did.
    case truncated
    /// A record holds values that contradict each other or the file (the text says which).
    case malformed(String)
    /// The entry uses a compression method this reader does not decode (see `ZipMethod`).
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

extension ZipError: CustomStringConvertible {
    /// The failure in words, with the entry name where the case carries one.
    package var description: String {
        switch self {
        case .notZip: "not a zip archive (no end of central directory)"
        case .truncated: "truncated"
        case .malformed(let why): why
        case .unsupportedMethod(let method): "compression \(ZipMethod.describe(method)) is not supported"
        case .encryptedEntry(let name): "\(name): zip-encrypted entry"
        case .entryTooLarge(let name, let size, let limit): "\(name): \(size) bytes, more than the \(limit) allowed"
        case .crcMismatch(let name): "\(name): CRC mismatch"
        case .sizeMismatch(let name): "\(name): decoded length differs from the recorded size"
        case .inflateFailed(let why): "decoding failed (\(why))"
        }
    }
}
