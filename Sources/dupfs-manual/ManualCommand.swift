import Foundation

/// `dupfs-manual DUPFS [OUTPUT]`: writes the man page of the `dupfs` binary at DUPFS to OUTPUT
/// (or stdout). `scripts/man` runs it; a test checks that docs/man/dupfs.1 matches.
@main
enum ManualCommand {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let binary = arguments.first else {
            FileHandle.standardError.write(Data("usage: dupfs-manual DUPFS-BINARY [OUTPUT]\n".utf8))
            exit(64)
        }
        let dump = try run(binary, ["--experimental-dump-help"])
        let version = String(decoding: try run(binary, ["--version"]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let page = try ManualPage(dump: dump, version: version).render()
        if let output = arguments.dropFirst().first {
            try Data(page.utf8).write(to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(Data(page.utf8))
        }
    }

    /// Runs `binary arguments` (environment without secrets or systemd variables) and returns its stdout.
    static func run(_ binary: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        // A fixed width: ArgumentParser wraps nothing in the dump, but be independent of the terminal.
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            FileHandle.standardError.write(Data("dupfs-manual: \(binary) \(arguments.joined(separator: " ")) failed\n".utf8))
            exit(1)
        }
        return data
    }
}
