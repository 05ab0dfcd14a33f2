import AESCrypt

/// How a fixture's volumes are encrypted.
package enum FixtureEncryption: Sendable {
    /// Plain `.zip` volumes.
    case none
    /// AES Crypt (`.zip.aes`). `iterations` is the PBKDF2 count for v3 (kept small so tests
    /// are fast); v2 always uses its fixed 8192 SHA-256 rounds.
    case aes(AESCryptVersion, passphrase: String, iterations: Int = 10)
    /// GPG (`.zip.gpg`) through the gpg program: symmetric with the passphrase, or with a
    /// `recipient`, public-key to that key of the keyring in `home` (whose secret key the
    /// passphrase unlocks), as `--gpg-encryption-command=--encrypt` writes.
    case gpg(passphrase: String, recipient: String? = nil, home: String? = nil)

    /// The backup passphrase, nil without encryption.
    package var passphrase: String? {
        switch self {
        case .none: nil
        case .aes(_, let passphrase, _): passphrase
        case .gpg(let passphrase, _, _): passphrase
        }
    }

    /// The file-name suffix after `.zip`: `""`, `".aes"` or `".gpg"`.
    package var suffix: String {
        switch self {
        case .none: ""
        case .aes: ".aes"
        case .gpg: ".gpg"
        }
    }
}
