internal import COpenSSL

/// A hash function Duplicati names in its manifests (`BlockHash`, `FileHash`) and in volume checks.
///
/// The raw value is the name Duplicati writes, e.g. `"SHA256"`.
package enum HashAlgorithm: String, Sendable, CaseIterable {
    /// MD5 (16 bytes); legacy, for Duplicati's optional volume checks only.
    case md5 = "MD5"
    /// SHA-1 (20 bytes).
    case sha1 = "SHA1"
    /// SHA-256 (32 bytes), Duplicati's default block and file hash.
    case sha256 = "SHA256"
    /// SHA-384 (48 bytes).
    case sha384 = "SHA384"
    /// SHA-512 (64 bytes).
    case sha512 = "SHA512"

    /// Looks up an algorithm by the name Duplicati uses, ignoring case.
    /// - Parameter duplicatiName: e.g. `"SHA256"` or `"sha256"`.
    /// - Returns: `nil` when the name is not one of the supported algorithms.
    package init?(duplicatiName: String) {
        let wanted = duplicatiName.uppercased()
        guard let match = HashAlgorithm.allCases.first(where: { $0.rawValue == wanted }) else {
            return nil
        }
        self = match
    }

    /// The length of a digest in bytes (16 for MD5 … 64 for SHA-512).
    package var digestSize: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The OpenSSL message digest (`EVP_md5`, `EVP_sha256`, …); a static table, never freed.
    var evpMessageDigest: OpaquePointer {
        let md: OpaquePointer? =
            switch self {
            case .md5: EVP_md5()
            case .sha1: EVP_sha1()
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        guard let md else { preconditionFailure("OpenSSL lacks \(rawValue)") }
        return md
    }

    /// Hashes bytes in one call (`EVP_Digest`).
    /// - Parameter bytes: the whole message.
    /// - Returns: `digestSize` bytes.
    package func digest(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { digest($0) }
    }

    /// Hashes bytes in one call (`EVP_Digest`).
    /// - Parameter bytes: the whole message.
    /// - Returns: `digestSize` bytes.
    package func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let md = evpMessageDigest
        return [UInt8](unsafeUninitializedCapacity: digestSize) { out, initialized in
            var length: UInt32 = 0
            let ok = EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, md, nil)
            // Fails only when OpenSSL cannot allocate; there is nothing sensible to return then.
            precondition(ok == 1 && Int(length) == digestSize, "EVP_Digest failed")
            initialized = Int(length)
        }
    }

    /// Starts an incremental digest.
    /// - Returns: a fresh digest to feed with `update` and close with `finalize`.
    package func makeDigest() -> StreamingDigest {
        StreamingDigest(algorithm: self)
    }
}
