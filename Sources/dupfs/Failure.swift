import ArgumentParser
import Backup
import Catalog
import FuseKit
import Storage

/// Turns any error into one line on stderr and the documented exit status.
enum Failure {
    static func exit(for error: any Error) -> ExitCode {
        let (message, status) = describe(error)
        Terminal.error(message)
        return status.code
    }

    static func describe(_ error: any Error) -> (String, ExitStatus) {
        switch error {
        case let error as BackupError:
            switch error {
            case .noBackupFound: return (error.description, .noBackup)
            case .passphraseRequired, .wrongPassphrase: return (error.description, .wrongPassphrase)
            case .unsupported: return (error.description, .unsupported)
            case .damagedVolume, .blockUnavailable, .fileHashMismatch, .inconsistent: return (error.description, .damaged)
            case .noSuchVersion, .noSuchPath: return (error.description, .usage)
            case .local: return (error.description, .ioError)
            case .fileListUnavailable: return (error.description, .unavailable)
            }
        case let error as StorageError:
            switch error {
            case .folderNotFound: return (error.description, .noBackup)
            case .fileNotFound, .shortRead: return (error.description, .damaged)
            case .accessDenied: return (error.description, .accessDenied)
            case .network: return (error.description, .unavailable)
            case .system, .untrustedCache, .cacheFull: return (error.description, .ioError)
            case .invalidLocation: return (error.description, .usage)
            }
        case let error as SQLiteError where error.isFull:
            return ("local index: the disk holding the cache folder is full; free some space there, "
                + "choose another folder with --cache-dir, or lower --cache-size", .ioError)
        case let error as SQLiteError:
            return ("local index: \(error.description)", .ioError)
        case let error as FuseKitError:
            switch error {
            case .mountpointMissing, .mountpointNotDirectory, .mountpointNotEmpty, .mountpointBusy, .sessionCreationFailed:
                return (error.description, .usage)
            case .mountpointInaccessible, .mountFailed: return (error.description, .ioError)
            case .loopFailed, .alreadyRun, .threadCreationFailed: return (error.description, .internalError)
            }
        case let error as UsageError:
            return (error.message, .usage)
        case let error as DuplicatiJob.Problem:
            return (error.message, error.status)
        case let error as PassphraseCommand.CommandFailure:
            return (error.message, .wrongPassphrase)
        default:
            return ("\(error)", .internalError)
        }
    }
}

/// A command-line mistake found after parsing.
struct UsageError: Error {
    let message: String
}
