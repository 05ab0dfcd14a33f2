import Foundation

/// `--passphrase-command CMD`: the passphrase is the first line `/bin/sh -c CMD` prints (as
/// restic's `--password-command`). The command inherits the terminal (it may prompt) and an
/// environment without our secrets; the passphrase travels only through its stdout pipe.
enum PassphraseCommand {
    /// Runs the command and returns the first line of its output.
    /// - Throws: ``CommandFailure`` (exit status 77) when it cannot start, fails or prints nothing.
    static func run(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        for key in EnvironmentSecrets.names + [EnvironmentSecrets.descriptorVariable] { environment.removeValue(forKey: key) }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw CommandFailure(message: "--passphrase-command could not be started: \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit
                ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw CommandFailure(message: "--passphrase-command \(how); no passphrase")
        }
        let text = String(decoding: data, as: UTF8.self)
        let line = String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        guard !line.isEmpty else { throw CommandFailure(message: "--passphrase-command printed no passphrase") }
        return line
    }

    /// The command failed or printed nothing: no passphrase (exit status 77).
    struct CommandFailure: Error {
        let message: String
    }
}
