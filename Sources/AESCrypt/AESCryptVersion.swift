/// The AES Crypt stream format versions Duplicati writes.
package enum AESCryptVersion: Sendable, Equatable {
    /// Version 2: 8192×SHA-256 key derivation over a UTF-16LE passphrase, a length byte before the
    /// final HMAC, padding bytes not enforced. Written by every released Duplicati by default.
    case v2
    /// Version 3: PBKDF2-HMAC-SHA512 over a UTF-8 passphrase with a stored iteration count,
    /// PKCS#7 padding always.
    case v3

    /// The version byte at offset 3 of the file.
    package var formatByte: UInt8 {
        switch self {
        case .v2: 2
        case .v3: 3
        }
    }

    /// Bytes after the ciphertext: the length byte and HMAC2 for v2, HMAC2 only for v3.
    var trailerLength: Int {
        switch self {
        case .v2: 33
        case .v3: 32
        }
    }
}
