/// Why a benchmark step could not be measured.
enum BenchError: Error, CustomStringConvertible {
    /// A program exited with a non-zero status.
    case commandFailed(String, status: Int32, stderr: String)
    /// A mount did not appear (or disappear) in time.
    case mountTimeout(String)
    /// A needed binary or file is missing.
    case missing(String)
    /// The data read back is not what was written.
    case wrongData(String)

    var description: String {
        switch self {
        case .commandFailed(let command, let status, let stderr):
            "\(command) exited with \(status): \(stderr.suffix(600))"
        case .mountTimeout(let path): "mount at \(path) did not come up or go away in time"
        case .missing(let what): "missing: \(what)"
        case .wrongData(let what): "wrong data: \(what)"
        }
    }
}
