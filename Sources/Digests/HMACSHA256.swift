internal import COpenSSL

/// HMAC-SHA256, the authenticator of AES Crypt headers and ciphertexts.
package enum HMACSHA256 {
    /// The length of a tag in bytes.
    package static let tagSize = 32

    /// Computes a tag in one call (`HMAC` with `EVP_sha256`).
    /// - Parameters:
    ///   - data: the whole message.
    ///   - key: the secret key, any length.
    /// - Returns: the 32-byte tag.
    package static func authenticate(_ data: [UInt8], key: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { authenticate($0, key: key) }
    }

    /// Computes a tag in one call (`HMAC` with `EVP_sha256`).
    /// - Parameters:
    ///   - data: the whole message.
    ///   - key: the secret key, any length.
    /// - Returns: the 32-byte tag.
    package static func authenticate(_ data: UnsafeRawBufferPointer, key: [UInt8]) -> [UInt8] {
        precondition(key.count <= Int(Int32.max), "HMAC key too long")
        return [UInt8](unsafeUninitializedCapacity: tagSize) { out, initialized in
            var length: UInt32 = 0
            let result = key.withUnsafeBytes { keyBytes in
                HMAC(
                    EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count),
                    data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count,
                    out.baseAddress, &length)
            }
            precondition(result != nil && Int(length) == tagSize, "HMAC failed")
            initialized = Int(length)
        }
    }

    /// Starts an incremental HMAC-SHA256.
    /// - Parameter key: the secret key.
    /// - Returns: an authenticator to feed with `update` and close with `finalize`.
    package static func makeAuthenticator(key: [UInt8]) -> StreamingHMAC {
        StreamingHMAC(algorithm: .sha256, key: key)
    }

    /// Compares two tags in time independent of where they differ (`CRYPTO_memcmp`).
    /// - Returns: `true` when both have the same length and bytes.
    package static func tagsEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, pa.count) == 0 }
        }
    }
}
