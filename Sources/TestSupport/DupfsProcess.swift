import Foundation

/// Runs the built `dupfs` (or another product of this package) as a user would, for tests.
package struct DupfsProcess {
    /// What a run printed and how it ended.
    package struct Result: Sendable {
        package let status: Int32
        package let stdout: String
        package let stderr: String
    }

    /// The folder holding the package's built products (beside the test bundle).
    package static let binDirectory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("dupfs").path) { return url }
            url.deleteLastPathComponent()
        }
        // Fall back to the default debug build folder of the package.
        var root = URL(fileURLWithPath: #filePath)
        while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug")
    }()

    package static var available: Bool {
        FileManager.default.isExecutableFile(atPath: binDirectory.appendingPathComponent("dupfs").path)
    }

    /// Runs a product with arguments; stdin is /dev/null.
    /// - Parameters:
    ///   - directory: the working folder of the run (default: ours).
    package static func run(
        product: String = "dupfs", _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = binDirectory.appendingPathComponent(product)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DUPFS_PASSPHRASE")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        // Read both pipes fully before waiting, so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        let reader = out.fileHandleForReading
        DispatchQueue.global().async { outBox.data = reader.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
