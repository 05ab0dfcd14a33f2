import Backup
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Output to the user: errors and notes on stderr (progress: ``ProgressDisplay``).
enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) == 1

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("\(Journal.prefix(.error))dupfs: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(Journal.prefix(.notice))\(message)\n".utf8))
    }

    static func clearLine() {
        if isInteractive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Log lines as `dupfs: level: message` on stderr.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Terminal.clearLine()
        FileHandle.standardError.write(Data("\(Journal.prefix(event.level))dupfs: \(event.level): \(event.message)\n".utf8))
    }
}

/// journald's priority prefixes (`<3>` error ... `<7>` debug, sd-daemon(3)) on lines written to
/// stderr when running under systemd, so the journal files each line at its level.
enum Journal {
    static func prefix(_ level: Logger.Level) -> String {
        guard SystemdNotifier.underSystemd else { return "" }
        return "<\(priority(level))>"
    }

    /// syslog priority of a log level.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
