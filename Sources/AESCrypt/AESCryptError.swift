/// Why an AES Crypt file could not be opened or decrypted.
package enum AESCryptError: Error, Equatable, Sendable {
    /// The file does not start with the magic bytes `AES`.
    case notAESCrypt
    /// The stream format version is neither 2 nor 3.
    case unsupportedVersion(UInt8)
    /// The header authenticator (HMAC1) does not match: the passphrase is wrong (or the key block
    /// is damaged).
    case wrongPassphrase
    /// The file is too short for its header, trailer or ciphertext, or the source returned fewer
    /// bytes than its size promised.
    case truncated
    /// The ciphertext authenticator (HMAC2) does not match: the ciphertext is damaged.
    case authenticationFailed
    /// Any other structural fault, described for humans: a non-zero reserved byte, an iteration
    /// count out of range, a ciphertext length that is not a multiple of 16, bad v3 padding, an
    /// oversized header, a v2 length byte above 15.
    case malformed(String)
}
