import Foundation

/// A short-lived helper command (curl, dupfs mount, fusermount3), run to completion.
struct ChildProcess {
    /// The exit status.
    let status: Int32
    /// Standard output and standard error, together.
    let output: String

    /// Runs a command with stdin from /dev/null and waits for it.
    /// - Parameters:
    ///   - executable: absolute path of the binary.
    ///   - arguments: its arguments.
    ///   - environment: variables added to (or replacing) this process's environment.
    /// - Returns: status and output.
    /// - Throws: when the binary cannot be started.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // A file, not a pipe: a background child (the mount server) may inherit the descriptor and
        // keep a pipe open long after the command we wait for has exited.
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("rel-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: capture.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: capture) }
        let handle = try FileHandle(forWritingTo: capture)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let text = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
        return ChildProcess(status: process.terminationStatus, output: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
