import Digests

/// Whole-file AES Crypt v2/v3 decryption and encryption (format §3). For random access into a
/// large file, use ``AESCryptReader``.
package enum AESCrypt {
    /// Decrypts a whole file, checking the passphrase (HMAC1) and the ciphertext (HMAC2).
    /// - Parameters:
    ///   - file: the whole encrypted file.
    ///   - passphrase: as typed.
    /// - Returns: the plaintext.
    /// - Throws: `notAESCrypt`, `unsupportedVersion`, `truncated`, `malformed`, `wrongPassphrase`,
    ///   `authenticationFailed`.
    package static func decrypt(_ file: [UInt8], passphrase: String) throws(AESCryptError) -> [UInt8] {
        let header = try parseHeader(file)
        // Structural checks first: they are cheap, the key derivation is not.
        _ = try AESCryptKeys.ciphertextLength(
            version: header.version, ciphertextOffset: Int64(header.ciphertextOffset), fileSize: Int64(file.count))
        let keys = try AESCryptKeys(header: header, passphrase: passphrase)
        return try decrypt(file, keys: keys)
    }

    /// Decrypts a whole file with keys already recovered from it (skips the key derivation),
    /// checking HMAC2.
    /// - Parameters:
    ///   - file: the whole encrypted file.
    ///   - keys: the keys of this very file.
    /// - Returns: the plaintext.
    /// - Throws: `truncated`, `malformed`, `authenticationFailed` (also when the keys belong to
    ///   another file).
    package static func decrypt(_ file: [UInt8], keys: AESCryptKeys) throws(AESCryptError) -> [UInt8] {
        let fileSize = Int64(file.count)
        let ciphertextLength = Int(try keys.ciphertextLength(fileSize: fileSize))
        let start = Int(keys.ciphertextOffset)
        let end = start + ciphertextLength
        let tag = file.withUnsafeBytes { bytes in
            HMACSHA256.authenticate(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), key: keys.k2)
        }
        guard HMACSHA256.tagsEqual(tag, Array(file[(file.count - HMACSHA256.tagSize)...])) else {
            throw .authenticationFailed
        }

        let plaintextLength: Int
        switch keys.version {
        case .v2:
            plaintextLength = Int(
                try AESCryptKeys.v2PlaintextLength(
                    ciphertextLength: Int64(ciphertextLength), lengthByte: file[end]))
        case .v3:
            plaintextLength = ciphertextLength
        }
        var plaintext = [UInt8](unsafeUninitializedCapacity: plaintextLength) { out, initialized in
            keys.iv2.withUnsafeBytes { iv in
                file.withUnsafeBytes { bytes in
                    AES256CBC.decrypt(
                        key: keys.k2, iv: iv, ciphertext: UnsafeRawBufferPointer(rebasing: bytes[start..<end]),
                        skip: 0, into: UnsafeMutableRawBufferPointer(out))
                }
            }
            initialized = plaintextLength
        }
        if keys.version == .v3 {
            let padding = try AESCryptKeys.v3PaddingLength(lastBlock: plaintext.suffix(16))
            plaintext.removeLast(padding)
        }
        return plaintext
    }

    /// Parses the header of a whole file in memory.
    static func parseHeader(_ file: [UInt8]) throws(AESCryptError) -> AESCryptHeader {
        switch try AESCryptHeader.parse(file) {
        case .complete(let header): header
        case .needMore: throw .truncated
        }
    }
}
