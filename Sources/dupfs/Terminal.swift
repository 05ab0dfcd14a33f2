import Backup
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Output to the user's terminal: errors, and progress lines only when stderr is a terminal.
enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) == 1

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("dupfs: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// A progress callback that redraws one status line on a terminal, and does nothing otherwise.
    static func progressLine() -> @Sendable (BackupProgress) -> Void {
        guard isInteractive else { return { _ in } }
        return { progress in
            let text: String
            if progress.phase == "Done" {
                text = "\r\u{1B}[K"
            } else {
                text = "\r\u{1B}[K\(progress.phase): \(progress.done)/\(progress.total)"
            }
            FileHandle.standardError.write(Data(text.utf8))
        }
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
        FileHandle.standardError.write(Data("dupfs: \(event.level): \(event.message)\n".utf8))
    }
}
