internal import COpenSSL

/// An incremental hash over a message fed in pieces; owns an OpenSSL `EVP_MD_CTX`.
///
/// Not thread-safe: use one instance per task.
package final class StreamingDigest {
    /// The algorithm being computed.
    package let algorithm: HashAlgorithm
    private let context: OpaquePointer

    /// Starts an empty digest (`EVP_MD_CTX_new`, `EVP_DigestInit_ex`).
    /// - Parameter algorithm: the hash function.
    package init(algorithm: HashAlgorithm) {
        guard let context = EVP_MD_CTX_new() else {
            preconditionFailure("EVP_MD_CTX_new: out of memory")
        }
        self.algorithm = algorithm
        self.context = context
        restart()
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Feeds more of the message (`EVP_DigestUpdate`).
    /// - Parameter bytes: the next piece.
    package func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds more of the message (`EVP_DigestUpdate`).
    /// - Parameter bytes: the next piece.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    /// Finishes the digest (`EVP_DigestFinal_ex`) and starts over with an empty message, so the
    /// instance can be reused.
    /// - Returns: `algorithm.digestSize` bytes.
    package func finalize() -> [UInt8] {
        let result = [UInt8](unsafeUninitializedCapacity: algorithm.digestSize) { out, initialized in
            var length: UInt32 = 0
            precondition(EVP_DigestFinal_ex(context, out.baseAddress, &length) == 1, "EVP_DigestFinal_ex failed")
            initialized = Int(length)
        }
        restart()
        return result
    }

    private func restart() {
        precondition(
            EVP_DigestInit_ex(context, algorithm.evpMessageDigest, nil) == 1, "EVP_DigestInit_ex failed")
    }
}
