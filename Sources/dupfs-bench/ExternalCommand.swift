import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program run to completion by the benchmark (`ls`, `tar`, `restic`, `dupfs`, ...), timed
/// from launch to exit.
struct ExternalCommand {
    /// What a finished command left behind.
    struct Outcome {
        /// The exit status.
        let status: Int32
        /// Everything it wrote to stdout (empty when discarded).
        let stdout: String
        /// Everything it wrote to stderr.
        let stderr: String
        /// Wall-clock seconds from launch to exit.
        let seconds: Double

        /// True for exit status 0.
        var succeeded: Bool { status == 0 }
    }

    /// Runs a program and waits for it.
    /// - Parameters:
    ///   - executable: an absolute path, or a name looked up on `PATH`.
    ///   - arguments: its arguments.
    ///   - environment: variables set on top of ours.
    ///   - directory: the working folder, or nil for ours.
    ///   - discardOutput: send stdout to /dev/null instead of capturing it (for huge listings).
    ///   - detaches: the program leaves a daemon behind (squashfuse, borg mount): its output goes
    ///     to files, since a daemon holding a pipe open would keep us waiting for its end.
    /// - Returns: status, output and duration.
    /// - Throws: when the program cannot be started.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        directory: String? = nil, discardOutput: Bool = false, detaches: Bool = false
    ) throws -> Outcome {
        if detaches { return try runDetaching(executable, arguments, environment: environment, directory: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : (which(executable) ?? executable))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let out = Pipe(), err = Pipe()
        process.standardOutput = discardOutput ? FileHandle(forWritingAtPath: "/dev/null") : out
        process.standardError = err
        let start = Date()
        try process.run()
        // Drain both pipes before waiting so a chatty child never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        if !discardOutput {
            let reader = out.fileHandleForReading
            group.enter()
            DispatchQueue.global().async { outBox.data = reader.readDataToEndOfFile(); group.leave() }
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), seconds: seconds)
    }

    /// `run` with stdout and stderr in temporary files, read once the program exits.
    private static func runDetaching(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String?
    ) throws -> Outcome {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-bench-\(getpid())-\(UUID().uuidString)")
        let outPath = base.path + ".out", errPath = base.path + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let process = Process()
        // Through bash, which closes every descriptor above 2 before exec: Foundation hands the
        // child a socket it watches, and a daemon keeping it would make waitUntilExit hang.
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let program = executable.hasPrefix("/") ? executable : (which(executable) ?? executable)
        process.arguments = [
            "-c", #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null; done; exec "$@""#,
            "bash", program,
        ] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, stdout: out, stderr: err, seconds: seconds)
    }

    /// Runs a bash script (for pipelines such as `tar cf - . | wc -c`).
    /// - Parameters:
    ///   - script: the script text.
    ///   - environment: variables set on top of ours.
    ///   - directory: the working folder.
    /// - Returns: status, output and duration.
    /// - Throws: when bash cannot be started.
    static func shell(_ script: String, environment: [String: String] = [:], directory: String? = nil) throws -> Outcome {
        try run("/bin/bash", ["-c", script], environment: environment, directory: directory)
    }

    /// Runs a program that must succeed.
    /// - Throws: `BenchError.commandFailed` with its stderr when the status is not 0.
    @discardableResult
    static func require(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        directory: String? = nil, discardOutput: Bool = false, detaches: Bool = false
    ) throws -> Outcome {
        let outcome = try run(
            executable, arguments, environment: environment, directory: directory, discardOutput: discardOutput, detaches: detaches)
        guard outcome.succeeded else {
            throw BenchError.commandFailed(([executable] + arguments).joined(separator: " "), status: outcome.status, stderr: outcome.stderr)
        }
        return outcome
    }

    /// The full path of a program on `PATH`, or nil.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
