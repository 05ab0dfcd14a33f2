import ArgumentParser

/// Every exit status `dupfs` uses (documented in the README and, from ``summary``, in
/// `dupfs --help` and the man page).
enum ExitStatus: Int32, CaseIterable {
    /// Everything worked.
    case success = 0
    /// An unexpected internal error.
    case internalError = 1
    /// Bad command line (ArgumentParser uses the same value).
    case usage = 64
    /// The backup is damaged: some files could not be restored or read (the others were).
    case damaged = 65
    /// No Duplicati backup at that location (or the folder does not exist).
    case noBackup = 66
    /// The storage refused the credentials (token rejected or revoked).
    case accessDenied = 67
    /// The network or the storage service failed.
    case unavailable = 69
    /// The backup uses a feature this reader does not support (gpg, 7z, tgz, ...).
    case unsupported = 70
    /// Local I/O failed (target folder, cache folder).
    case ioError = 74
    /// Wrong or missing passphrase.
    case wrongPassphrase = 77

    var code: ExitCode { ExitCode(rawValue) }

    /// One line for the user.
    var summary: String {
        switch self {
        case .success: "success"
        case .internalError: "internal error"
        case .usage: "usage error (bad option, unknown version or path, unknown mount option)"
        case .damaged: "damaged backup: some files could not be read or restored (the others were)"
        case .noBackup: "no Duplicati backup at that location"
        case .accessDenied: "access denied by the storage (token rejected or revoked)"
        case .unavailable: "network or storage service failure"
        case .unsupported: "unsupported backup feature"
        case .ioError: "local I/O error (target, cache or log folder)"
        case .wrongPassphrase: "wrong or missing passphrase (backup or job-file export password)"
        }
    }
}
