#if canImport(Glibc)
import Glibc
#endif

/// Failures of a ``BackendStore``. Messages never hold a secret.
package enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The backup folder does not exist.
    case folderNotFound(String)
    /// A file that was listed is gone.
    case fileNotFound(String)
    /// The store refused our credentials.
    case accessDenied(String)
    /// The file is shorter than the listing said, or changed while being read.
    case shortRead(name: String, offset: Int64, expected: Int, got: Int)
    /// A local system call failed.
    case system(operation: String, path: String, errno: Int32)
    /// The network or the service failed (after any retries).
    case network(String)
    /// The location could not be understood.
    case invalidLocation(String)
    /// A folder or file of the local cache that another user could change or read (see
    /// ``CacheFolder``).
    case untrustedCache(path: String, reason: String)
    /// The disk holding the local cache is full.
    case cacheFull(folder: String)

    package var description: String {
        switch self {
        case .folderNotFound(let path): "backup folder not found: \(path)"
        case .fileNotFound(let name): "remote file not found: \(name)"
        case .accessDenied(let why): "access denied: \(why)"
        case .shortRead(let name, let offset, let expected, let got):
            "\(name): short read at offset \(offset) (wanted \(expected) bytes, got \(got))"
        case .system(let operation, let path, let errno):
            "\(path): \(operation) failed: \(String(cString: strerror(errno)))"
        case .network(let why): "network error: \(why)"
        case .invalidLocation(let why): "invalid backup location: \(why)"
        case .untrustedCache(let path, let reason):
            "refusing the cache folder: \(path) \(reason); choose a folder of your own with --cache-dir"
        case .cacheFull(let folder):
            "the disk holding the cache folder \(folder) is full; free some space there, choose another folder with --cache-dir, or lower --cache-size"
        }
    }
}
