import Foundation

/// Hashes as the index stores them: the bytes of a base64 hash as a blob (32 bytes for
/// SHA-256 instead of 44 characters of text), converted back at the ``Catalog`` boundary, so
/// callers keep using base64 strings. A value that is not canonical base64 (a hostile or
/// damaged file list's) is stored as the text it is, so every value reads back exactly.
enum StoredHash {
    /// The value to bind for a hash.
    static func value(_ text: String?) -> SQLValue {
        guard let text else { return .null }
        guard let bytes = bytes(text) else { return .text(text) }
        return .blob(bytes)
    }

    /// The bytes of a canonical base64 text (one that decoding and encoding again gives back).
    static func bytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, let data = Data(base64Encoded: text), !data.isEmpty,
              data.base64EncodedString() == text else { return nil }
        return Array(data)
    }

    /// Reads a hash column: a blob is encoded back to base64, text is returned as stored.
    static func read(_ row: Statement, _ column: Int32) -> String? {
        if row.isNull(column) { return nil }
        if row.isBlob(column) { return Data(row.blob(column)).base64EncodedString() }
        return row.text(column)
    }

    /// The value to bind for a list of hashes: one blob of their bytes when all are canonical
    /// base64 of 32 bytes (SHA-256, what Duplicati uses), else the base64 texts joined by commas;
    /// null for an empty list.
    static func list(_ hashes: [String]) -> SQLValue {
        guard !hashes.isEmpty else { return .null }
        var joined: [UInt8] = []
        joined.reserveCapacity(hashes.count * 32)
        for hash in hashes {
            guard let bytes = bytes(hash), bytes.count == 32 else { return .text(hashes.joined(separator: ",")) }
            joined += bytes
        }
        return .blob(joined)
    }

    /// Reads a list column written by ``list(_:)``.
    static func readList(_ row: Statement, _ column: Int32) -> [String] {
        if row.isNull(column) { return [] }
        if row.isBlob(column) {
            let bytes = row.blob(column)
            return stride(from: 0, to: bytes.count, by: 32).map { start in
                Data(bytes[start..<min(start + 32, bytes.count)]).base64EncodedString()
            }
        }
        let text = row.text(column)
        return text.split(separator: ",").map(String.init)
    }
}
