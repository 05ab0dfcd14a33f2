#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CFuse
import Logging
import Synchronization

/// Routes libfuse's own log lines (`fuse_set_log_func`) to swift-log, and lets a thread collect
/// the error lines it caused, so a failed `fuse_session_new`/`fuse_session_mount` can say why
/// instead of only printing to stderr.
enum LibfuseLog {
    /// Error text collected per capturing thread (`pthread_self`); only capturing threads have a key.
    private static let captures = Mutex<[UInt: String]>([:])

    /// Installs the log function once per process (libfuse has one global log function).
    static let installed: Void = {
        fuse_set_log_func(logCallback)
    }()

    /// Runs `body` while collecting the libfuse error text this thread logs.
    /// - Parameter body: The libfuse calls to watch.
    /// - Returns: `body`'s result and the collected text, trimmed.
    static func capturing<T>(_ body: () -> T) -> (T, String) {
        _ = installed
        let thread = UInt(pthread_self())
        captures.withLock { $0[thread] = "" }
        let result = body()
        let text = captures.withLock { $0.removeValue(forKey: thread) } ?? ""
        return (result, text.trimmingWhitespace())
    }

    /// Appends to the calling thread's capture if it has one.
    /// - Returns: Whether the text was captured.
    fileprivate static func capture(_ text: String) -> Bool {
        let thread = UInt(pthread_self())
        return captures.withLock { captures in
            guard captures[thread] != nil else { return false }
            captures[thread, default: ""] += text
            return true
        }
    }
}

// libfuse formats with printf arguments; vsnprintf renders them before anything else runs.
private func logCallback(_ level: fuse_log_level, _ format: UnsafePointer<CChar>?, _ arguments: CVaListPointer?) {
    guard let format, let arguments else { return }
    var buffer = [CChar](repeating: 0, count: 1024)
    _ = buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    if level.rawValue <= FUSE_LOG_ERR.rawValue, LibfuseLog.capture(text) { return }
    let logger = Logger(label: "FuseKit.libfuse")
    let message = Logger.Message(stringLiteral: text.trimmingWhitespace())
    switch level {
    case FUSE_LOG_EMERG, FUSE_LOG_ALERT, FUSE_LOG_CRIT: logger.critical(message)
    case FUSE_LOG_ERR: logger.error(message)
    case FUSE_LOG_WARNING: logger.warning(message)
    case FUSE_LOG_NOTICE: logger.notice(message)
    case FUSE_LOG_INFO: logger.info(message)
    default: logger.debug(message)
    }
}

extension String {
    /// The string without leading and trailing spaces and newlines.
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
