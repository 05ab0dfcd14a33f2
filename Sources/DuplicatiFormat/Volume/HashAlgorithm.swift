/// A hash algorithm Duplicati allows for blocks and files (`HashFactory.GetSupportedHashes`).
package enum HashAlgorithm: String, Sendable, CaseIterable {
    /// MD5, 16-byte digest.
    case md5 = "MD5"
    /// SHA-1, 20-byte digest.
    case sha1 = "SHA1"
    /// SHA-256, 32-byte digest; the default for blocks and files.
    case sha256 = "SHA256"
    /// SHA-384, 48-byte digest.
    case sha384 = "SHA384"
    /// SHA-512, 64-byte digest.
    case sha512 = "SHA512"

    /// Looks an algorithm up by its manifest name, ignoring case.
    /// - Parameter name: e.g. `SHA256`.
    /// - Returns: nil for a name Duplicati does not support.
    package init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue == name.uppercased() }) else {
            return nil
        }
        self = match
    }

    /// The digest length in bytes (`hashsize` in §7.2).
    package var digestSize: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }
}
