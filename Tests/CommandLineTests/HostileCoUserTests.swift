import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Hostile co-users and careless users (docs/reliability.md): a cache folder someone else
/// controls, a relative or full cache folder, a token about to travel in clear text, a
/// passphrase left in /proc, and what a restore as root brings back.
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct HostileCoUserTests {
    static let isRoot = geteuid() == 0
    let root: URL
    let backup: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-hostile-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup")
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "secret-pass-123")
        try SampleBackup.write(to: backup, options: options)
        try Data("secret-pass-123\n".utf8).write(to: root.appendingPathComponent("pass"))
    }

    var passFile: String { root.appendingPathComponent("pass").path }

    func dupfs(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> DupfsProcess.Result {
        try DupfsProcess.run(arguments, environment: environment, directory: directory)
    }

    @Test func aRelativeCacheDirIsResolvedAgainstTheWorkingFolder() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let work = root.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        for command in [["versions", backup.path], ["ls", backup.path, "-R"]] {
            let result = try dupfs(command + ["--cache-dir", "c", "--passphrase-file", passFile], directory: work)
            #expect(result.status == 0, "\(command[0]): \(result.stderr)")
        }
        let made = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("c").path)
        #expect(made.count == 1, "one backup folder under the relative cache root: \(made)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("c/\(made.first ?? "")/index.sqlite").path))
    }

    static func command(_ path: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
