internal import COpenSSL

/// An incremental HMAC over a message fed in pieces; owns an OpenSSL `EVP_MAC_CTX`.
///
/// Not thread-safe: use one instance per task.
package final class StreamingHMAC {
    /// The underlying hash function.
    package let algorithm: HashAlgorithm
    private let context: OpaquePointer

    /// Starts an HMAC (`EVP_MAC_fetch("HMAC")`, `EVP_MAC_CTX_new`, `EVP_MAC_init`).
    /// - Parameters:
    ///   - algorithm: the hash function.
    ///   - key: the secret key, any length.
    package init(algorithm: HashAlgorithm, key: [UInt8]) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
            preconditionFailure("EVP_MAC_fetch(HMAC) failed")
        }
        // The context keeps its own reference to the MAC.
        defer { EVP_MAC_free(mac) }
        guard let context = EVP_MAC_CTX_new(mac) else {
            preconditionFailure("EVP_MAC_CTX_new: out of memory")
        }
        self.algorithm = algorithm
        self.context = context
        // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer for it.
        var keyBytes = key
        if keyBytes.isEmpty { keyBytes = [0] }
        let ok = keyBytes.withUnsafeBufferPointer { buffer in
            copenssl_mac_init_hmac(context, buffer.baseAddress, key.count, algorithm.rawValue)
        }
        precondition(ok == 1, "EVP_MAC_init failed")
    }

    deinit {
        EVP_MAC_CTX_free(context)
    }

    /// Feeds more of the message (`EVP_MAC_update`).
    /// - Parameter bytes: the next piece.
    package func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds more of the message (`EVP_MAC_update`).
    /// - Parameter bytes: the next piece.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let ok = EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        precondition(ok == 1, "EVP_MAC_update failed")
    }

    /// Finishes the HMAC (`EVP_MAC_final`). Call it once; the instance is spent afterwards.
    /// - Returns: `algorithm.digestSize` bytes.
    package func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: algorithm.digestSize) { out, initialized in
            var length = 0
            let ok = EVP_MAC_final(context, out.baseAddress, &length, out.count)
            precondition(ok == 1 && length == algorithm.digestSize, "EVP_MAC_final failed")
            initialized = length
        }
    }
}
