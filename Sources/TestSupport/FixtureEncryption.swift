import AESCrypt

/// How a fixture's volumes are encrypted.
package enum FixtureEncryption: Sendable {
    /// Plain `.zip` volumes.
    case none
    /// AES Crypt (`.zip.aes`). `iterations` is the PBKDF2 count for v3 (kept small so tests
    /// are fast); v2 always uses its fixed 8192 SHA-256 rounds.
    case aes(AESCryptVersion, passphrase: String, iterations: Int = 10)

    /// The file-name suffix after `.zip`: `""` or `".aes"`.
    package var suffix: String {
        switch self {
        case .none: ""
        case .aes: ".aes"
        }
    }
}
