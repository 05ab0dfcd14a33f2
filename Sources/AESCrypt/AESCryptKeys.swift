import Digests

/// What a reader needs to decrypt one AES Crypt file once the passphrase was checked: the
/// stream key and IV, the format version, and where the ciphertext starts.
///
/// Deriving them costs a key derivation (8192 SHA-256 rounds for v2, the file's PBKDF2 rounds for
/// v3), so callers cache them per file. They belong to exactly one file: IV2 and K2 are random
/// per file.
package struct AESCryptKeys: Sendable {
    /// The file's format version.
    package let version: AESCryptVersion
    /// The CBC IV of the ciphertext (16 bytes).
    package let iv2: [UInt8]
    /// The AES-256 key of the ciphertext and of HMAC2 (32 bytes).
    package let k2: [UInt8]
    /// The file offset of the first ciphertext byte (the header length).
    package let ciphertextOffset: Int64

    /// Bytes after the ciphertext: 33 for v2 (length byte and HMAC2), 32 for v3 (HMAC2).
    package var trailerLength: Int64 { Int64(version.trailerLength) }

    /// Checks the passphrase against the header and recovers IV2 and K2.
    /// - Parameters:
    ///   - header: the file's parsed header.
    ///   - passphrase: as typed.
    /// - Throws: `wrongPassphrase` when HMAC1 does not match.
    init(header: AESCryptHeader, passphrase: String) throws(AESCryptError) {
        let k1 = AESCryptKeyDerivation.headerKey(
            version: header.version, passphrase: passphrase, iv1: header.iv1, iterations: header.iterations)
        var authenticated = header.encryptedKeyBlock
        if header.version == .v3 { authenticated.append(header.version.formatByte) }
        guard HMACSHA256.tagsEqual(HMACSHA256.authenticate(authenticated, key: k1), header.keyBlockTag) else {
            throw .wrongPassphrase
        }
        var keyBlock = [UInt8](repeating: 0, count: 48)
        header.iv1.withUnsafeBytes { iv in
            header.encryptedKeyBlock.withUnsafeBytes { encrypted in
                keyBlock.withUnsafeMutableBytes { out in
                    AES256CBC.decrypt(key: k1, iv: iv, ciphertext: encrypted, skip: 0, into: out)
                }
            }
        }
        self.version = header.version
        self.iv2 = Array(keyBlock[0..<16])
        self.k2 = Array(keyBlock[16..<48])
        self.ciphertextOffset = Int64(header.ciphertextOffset)
    }

    /// The length of the ciphertext in a file of the given size.
    /// - Parameter fileSize: the whole file's size.
    /// - Returns: a multiple of 16; at least 16 for v3.
    /// - Throws: `truncated` when the file cannot hold header, trailer (and for v3 the padding
    ///   block); `malformed` when the ciphertext is not whole blocks.
    package func ciphertextLength(fileSize: Int64) throws(AESCryptError) -> Int64 {
        try Self.ciphertextLength(version: version, ciphertextOffset: ciphertextOffset, fileSize: fileSize)
    }

    /// The length of the ciphertext, before any key is known.
    static func ciphertextLength(
        version: AESCryptVersion, ciphertextOffset: Int64, fileSize: Int64
    ) throws(AESCryptError) -> Int64 {
        let length = fileSize - ciphertextOffset - Int64(version.trailerLength)
        guard length >= 0 else { throw .truncated }
        guard length % 16 == 0 else { throw .malformed("ciphertext length \(length) is not a multiple of 16") }
        // v3 always pads, so even empty plaintext has one block.
        if version == .v3, length == 0 { throw .truncated }
        return length
    }

    /// v2 plaintext length from the (unauthenticated) length byte before HMAC2.
    /// - Parameters:
    ///   - ciphertextLength: whole blocks.
    ///   - lengthByte: plaintext length mod 16; 0 means the last block is full.
    /// - Throws: `malformed` when the byte is above 15.
    static func v2PlaintextLength(ciphertextLength: Int64, lengthByte: UInt8) throws(AESCryptError) -> Int64 {
        guard lengthByte < 16 else { throw .malformed("v2 length byte \(lengthByte) is above 15") }
        guard ciphertextLength > 0, lengthByte != 0 else { return ciphertextLength }
        return ciphertextLength - 16 + Int64(lengthByte)
    }

    /// v3 padding length from the decrypted last block, checking all PKCS#7 bytes.
    /// - Parameter lastBlock: the last 16 plaintext bytes, padding included.
    /// - Returns: `1 ... 16`.
    /// - Throws: `malformed` when the padding is not valid PKCS#7.
    static func v3PaddingLength(lastBlock: ArraySlice<UInt8>) throws(AESCryptError) -> Int {
        guard lastBlock.count == 16, let last = lastBlock.last else { throw .malformed("v3 last block missing") }
        let padding = Int(last)
        guard (1...16).contains(padding), lastBlock.suffix(padding).allSatisfy({ $0 == last }) else {
            throw .malformed("v3 padding is not valid PKCS#7")
        }
        return padding
    }
}
