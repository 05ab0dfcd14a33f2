/// The parsed header of an AES Crypt v2/v3 file, up to the first ciphertext byte (format §3.1, §3.2).
struct AESCryptHeader: Sendable {
    /// The outcome of parsing a prefix of the file.
    enum Parse {
        /// The prefix held the whole header.
        case complete(AESCryptHeader)
        /// The prefix is too short: the header is at least this many bytes long.
        case needMore(Int)
    }

    /// A cap on the header size so that hostile extension lists cannot make us read without end.
    static let maximumLength = 1 << 20
    static let magic: [UInt8] = [0x41, 0x45, 0x53]
    /// The accepted range of v3 PBKDF2 iterations (the official engine's limits).
    static let iterationRange = 1...5_000_000

    let version: AESCryptVersion
    /// PBKDF2 iterations for v3; 0 for v2.
    let iterations: Int
    /// The public IV, also the key derivation salt.
    let iv1: [UInt8]
    /// IV2 ‖ K2 encrypted with K1 and IV1.
    let encryptedKeyBlock: [UInt8]
    /// HMAC-SHA256 of the encrypted key block (v3: followed by the version byte), keyed with K1.
    let keyBlockTag: [UInt8]
    /// The file offset of the first ciphertext byte.
    let ciphertextOffset: Int

    /// Parses a header from the first bytes of a file.
    /// - Parameter prefix: the file's first bytes, as many as are at hand.
    /// - Returns: the header, or how many bytes are needed at least to go on.
    /// - Throws: `notAESCrypt`, `unsupportedVersion`, `malformed` as soon as the prefix shows them.
    static func parse(_ prefix: [UInt8]) throws(AESCryptError) -> Parse {
        for index in 0..<min(magic.count, prefix.count) where prefix[index] != magic[index] {
            throw .notAESCrypt
        }
        guard prefix.count >= 5 else { return .needMore(5) }
        let version: AESCryptVersion
        switch prefix[3] {
        case 2: version = .v2
        case 3: version = .v3
        default: throw .unsupportedVersion(prefix[3])
        }
        guard prefix[4] == 0 else { throw .malformed("reserved header byte is \(prefix[4]), not 0") }

        // Extensions: {u16 BE length; bytes}, ended by a zero length. Their content is ignored.
        var position = 5
        while true {
            guard position + 2 <= maximumLength else { throw tooLong }
            guard position + 2 <= prefix.count else { return .needMore(position + 2) }
            let length = Int(prefix[position]) << 8 | Int(prefix[position + 1])
            position += 2
            if length == 0 { break }
            position += length
        }

        var iterations = 0
        if version == .v3 {
            guard position + 4 <= maximumLength else { throw tooLong }
            guard position + 4 <= prefix.count else { return .needMore(position + 4) }
            iterations = prefix[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            guard iterationRange.contains(iterations) else {
                throw .malformed("KDF iteration count \(iterations) outside \(iterationRange)")
            }
            position += 4
        }

        let end = position + 96
        guard end <= maximumLength else { throw tooLong }
        guard end <= prefix.count else { return .needMore(end) }
        return .complete(
            AESCryptHeader(
                version: version,
                iterations: iterations,
                iv1: Array(prefix[position..<position + 16]),
                encryptedKeyBlock: Array(prefix[position + 16..<position + 64]),
                keyBlockTag: Array(prefix[position + 64..<end]),
                ciphertextOffset: end))
    }

    private static var tooLong: AESCryptError {
        .malformed("header longer than \(maximumLength) bytes")
    }
}
