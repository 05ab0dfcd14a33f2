/// Failures of opening, indexing, reading or restoring a backup. Messages never hold a secret.
package enum BackupError: Error, Sendable, CustomStringConvertible {
    /// The folder holds no volume with the wanted prefix.
    case noBackupFound(String)
    /// The volumes are encrypted and no passphrase was given.
    case passphraseRequired
    /// The passphrase does not open the volumes.
    case wrongPassphrase
    /// Something the backup uses that this reader does not support (gpg, 7z, ...).
    case unsupported(String)
    /// A volume could not be read or failed a check.
    case damagedVolume(name: String, reason: String)
    /// No readable copy of a block exists.
    case blockUnavailable(hash: String, reason: String)
    /// A file's restored content does not match its hash.
    case fileHashMismatch(path: String)
    /// The backup's volumes disagree about block size or hash algorithms.
    case inconsistent(String)
    /// A version number that does not exist.
    case noSuchVersion(Int, available: Int)
    /// A path that is not in the version.
    case noSuchPath(String)
    /// Local I/O failed (cache, restore target).
    case local(String)
    /// A version's file list could not be fetched now (storage unreachable, say); asking again
    /// later may work. A damaged list is no such failure: its version is kept as damaged.
    case fileListUnavailable(volume: String, reason: String)

    package var description: String {
        switch self {
        case .noBackupFound(let detail): "no Duplicati backup found: \(detail)"
        case .passphraseRequired:
            "the backup is encrypted: give the passphrase with --passphrase-file FILE or DUPFS_PASSPHRASE"
        case .wrongPassphrase: "wrong passphrase: it does not open this backup's volumes"
        case .unsupported(let what): "unsupported: \(what)"
        case .damagedVolume(let name, let reason): "damaged volume \(name): \(reason)"
        case .blockUnavailable(let hash, let reason): "block \(hash) unavailable: \(reason)"
        case .fileHashMismatch(let path): "\(path): restored content does not match the file hash"
        case .inconsistent(let why): "inconsistent backup: \(why)"
        case .noSuchVersion(let n, let available):
            available == 0 ? "no version \(n): the backup has no versions"
                : "no version \(n): versions are 0 (newest) to \(available - 1)"
        case .noSuchPath(let path): "no such path in this version: \(path)"
        case .local(let why): why
        case .fileListUnavailable(let volume, let reason): "file list \(volume) could not be read now: \(reason)"
        }
    }
}
