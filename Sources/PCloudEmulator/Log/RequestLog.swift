import Foundation
import Synchronization

/// The request log: kept in memory and, optionally, appended to a file as JSON lines. Thread-safe.
package final class RequestLog: Sendable {
    private struct State {
        var entries: [RequestLogEntry] = []
        var file: FileHandle?
    }
    private let state: Mutex<State>

    /// Opens the log, creating or truncating `file` when given.
    /// - Throws: When the file cannot be created.
    init(file: URL?) throws {
        var handle: FileHandle?
        if let file {
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: file.path])
            }
            handle = try FileHandle(forWritingTo: file)
        }
        state = Mutex(State(file: handle))
    }

    /// Records a finished request.
    func append(_ entry: RequestLogEntry) {
        let line = entry.json.serialized() + "\n"
        state.withLock { state in
            state.entries.append(entry)
            if let file = state.file {
                try? file.write(contentsOf: Data(line.utf8))
            }
        }
    }

    /// Every entry so far.
    package var entries: [RequestLogEntry] {
        state.withLock { $0.entries }
    }

    /// Forgets the in-memory entries (the file keeps them).
    package func clear() {
        state.withLock { $0.entries.removeAll() }
    }

    /// Closes the file.
    func close() {
        state.withLock { state in
            try? state.file?.close()
            state.file = nil
        }
    }
}
