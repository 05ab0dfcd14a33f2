import Backup
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The one place that turns our errors into errno values for the kernel.
enum BackupFSError {
    /// The errno for an error thrown while answering a request.
    static func errno(for error: any Error) -> Int32 {
        switch error {
        case let error as BackupError:
            switch error {
            case .noSuchPath, .noSuchVersion: return ENOENT
            case .local: return EIO
            default: return EIO
            }
        default:
            return EIO
        }
    }
}
