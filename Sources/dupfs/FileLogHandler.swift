import Foundation
import Logging
import Storage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Log lines appended to a file (created 0600), one per event with a UTC timestamp; for the
/// mount running in the background.
final class FileLogHandler: LogHandler, @unchecked Sendable {
    // @unchecked: the only mutable state, `metadata` and `logLevel`, follows LogHandler's value
    // semantics contract (set up before use); writes go through one O_APPEND descriptor.
    private let descriptor: Int32
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    /// - Parameters:
    ///   - path: the log file.
    ///   - cacheRoot: the cache root when `path` is the default log inside it: the root is then
    ///     checked and the file opened as every file of the cache is (no symlink, ours alone).
    ///   - level: the lowest level logged.
    init(path: String, cacheRoot: String?, level: Logger.Level) throws {
        if let cacheRoot {
            try CacheFolder.prepare(cacheRoot, root: cacheRoot)
            descriptor = try CacheFolder.openForAppending(path)
        } else {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw UsageError(message: "cannot open log file \(path): \(String(cString: strerror(errno)))") }
            descriptor = fd
        }
        logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = "\(Formatting.utc(Int64(now.tv_sec))) \(event.level): \(event.message)\n"
        _ = line.withCString { write(descriptor, $0, strlen($0)) }
    }
}
