/// Names of blocks: the zip entry name of a block (b64url of its hash, §7.1) and the hashes
/// inside a blocklist block (§7.2).
package enum BlockHashName {
    /// The dblock entry (and dindex `list/`) name of a block: `+`→`-`, `/`→`_`, padding kept.
    /// - Parameter hash: standard base64 of the block hash.
    /// - Returns: the entry name.
    package static func entryName(base64 hash: String) -> String {
        String(decoding: hash.utf8.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "+"): return UInt8(ascii: "-")
            case UInt8(ascii: "/"): return UInt8(ascii: "_")
            default: return byte
            }
        }, as: UTF8.self)
    }

    /// The inverse of `entryName(base64:)`, with Duplicati's filter for block entries: the name
    /// matches `[A-Za-z0-9_-]+={0,2}`, its length is a multiple of 4, and it is not `manifest`.
    /// - Parameter entryName: a zip entry name in a dblock (or after `list/` in a dindex).
    /// - Returns: standard base64 of the hash, or nil for any other entry.
    package static func base64(entryName: String) -> String? {
        let bytes = Array(entryName.utf8)
        guard !bytes.isEmpty, bytes.count % 4 == 0, entryName != "manifest" else { return nil }
        let body = bytes.prefix { $0 != UInt8(ascii: "=") }
        let padding = bytes.count - body.count
        guard !body.isEmpty, padding <= 2 else { return nil }
        guard bytes[body.count...].allSatisfy({ $0 == UInt8(ascii: "=") }) else { return nil }
        var converted: [UInt8] = []
        converted.reserveCapacity(bytes.count)
        for byte in body {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                converted.append(byte)
            case UInt8(ascii: "-"): converted.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): converted.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        converted.append(contentsOf: repeatElement(UInt8(ascii: "="), count: padding))
        return String(decoding: converted, as: UTF8.self)
    }

    /// Splits a blocklist block into the hashes it lists.
    /// - Parameters:
    ///   - bytes: the blocklist block's content: raw hashes run together.
    ///   - hashSize: the BlockHash digest length (`HashAlgorithm.digestSize`).
    /// - Returns: standard base64 of each hash, in order.
    /// - Throws: `invalidValue` if `hashSize` is not positive or the length is not a multiple of it.
    package static func hashes(
        inBlocklist bytes: [UInt8], hashSize: Int
    ) throws(DuplicatiFormatError) -> [String] {
        guard hashSize > 0 else { throw .invalidValue("hash size \(hashSize)") }
        guard bytes.count % hashSize == 0 else {
            throw .invalidValue("blocklist of \(bytes.count) bytes is not a multiple of \(hashSize)")
        }
        return stride(from: 0, to: bytes.count, by: hashSize).map {
            Base64.encode(bytes[$0..<($0 + hashSize)])
        }
    }

    /// Standard base64 of raw hash bytes.
    /// - Parameter raw: a digest.
    /// - Returns: its base64 text, as the dlist and dindex write hashes.
    package static func base64(raw: some Collection<UInt8>) -> String {
        Base64.encode(raw)
    }

    /// Decodes a base64 hash from a dlist or dindex.
    /// - Parameter base64: standard base64 with padding.
    /// - Returns: the raw bytes, or nil if the text is not canonical padded base64.
    package static func raw(base64: String) -> [UInt8]? {
        Base64.decode(base64)
    }
}
