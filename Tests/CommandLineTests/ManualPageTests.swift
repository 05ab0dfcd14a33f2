import Foundation
import Testing
import TestSupport

/// docs/man/dupfs.1 is what dupfs-manual renders from the built dupfs: it names every command,
/// every long option, the environment variables and the exit statuses.
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct ManualPageTests {
    static var repository: URL {
        var root = URL(fileURLWithPath: #filePath)
        while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        return root
    }

    static var manualBuilt: Bool {
        FileManager.default.isExecutableFile(atPath: DupfsProcess.binDirectory.appendingPathComponent("dupfs-manual").path)
    }

    /// The CLI definition as ArgumentParser dumps it.
    func definition() throws -> [String: Any] {
        let dump = try DupfsProcess.run(["--experimental-dump-help"])
        #expect(dump.status == 0)
        let top = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        return try #require(top["command"] as? [String: Any])
    }

    @Test(.enabled(if: manualBuilt, "dupfs-manual is not built"))
    func theCommittedManPageIsWhatTheGeneratorWritesNow() throws {
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("docs/man/dupfs.1"), encoding: .utf8)
        let fresh = try DupfsProcess.run(product: "dupfs-manual", [DupfsProcess.binDirectory.appendingPathComponent("dupfs").path])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout == committed, "docs/man/dupfs.1 is stale: run scripts/man")
    }

    @Test func theManPageNamesEveryCommandOptionVariableAndExitStatus() throws {
        let page = try String(contentsOf: Self.repository.appendingPathComponent("docs/man/dupfs.1"), encoding: .utf8)
        // roff writes "-" as "\-".
        let text = page.replacingOccurrences(of: "\\-", with: "-")
        let root = try definition()
        let subcommands = try #require(root["subcommands"] as? [[String: Any]])
        var longOptions = Set<String>()
        for command in subcommands {
            let name = try #require(command["commandName"] as? String)
            if name == "help" { continue }
            #expect(text.contains(".SS \"dupfs \(name)\""), "command \(name) missing")
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["shouldDisplay"] as? Bool == true {
                for entry in argument["names"] as? [[String: Any]] ?? [] where entry["kind"] as? String == "long" {
                    longOptions.insert(entry["name"] as? String ?? "")
                }
            }
        }
        for option in longOptions { #expect(text.contains("--\(option)"), "--\(option) missing") }
        #expect(longOptions.isSuperset(of: ["duplicati-config", "passphrase-command", "progress", "no-progress", "cache-dir"]))
        for variable in ["DUPFS_PASSPHRASE", "DUPFS_CONFIG_PASSPHRASE", "PCLOUD_AUTHID", "DUPFS_PCLOUD_API", "XDG_CACHE_HOME", "NOTIFY_SOCKET"] {
            #expect(text.contains(".B \(variable)\n"), "\(variable) missing")
        }
        #expect(text.contains(".SH ENVIRONMENT"))
        #expect(text.contains(".SH EXIT STATUS"))
        for status in [0, 1, 64, 65, 66, 67, 69, 70, 74, 77] { #expect(text.contains(".TP\n.B \(status)\n"), "exit status \(status)") }
    }

    @Test func versionAndCompletionScripts() throws {
        let version = try DupfsProcess.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version.stdout)")
        let page = try String(contentsOf: Self.repository.appendingPathComponent("docs/man/dupfs.1"), encoding: .utf8)
        #expect(page.contains("\"dupfs \(version.stdout.trimmingCharacters(in: .newlines))\""))
        for (shell, marker) in [("bash", "complete -"), ("zsh", "#compdef dupfs"), ("fish", "complete -c 'dupfs'")] {
            let script = try DupfsProcess.run(["--generate-completion-script", shell])
            #expect(script.status == 0)
            #expect(script.stdout.contains(marker), "\(shell)")
            #expect(script.stdout.contains("duplicati-config"), "\(shell) completes the new options")
        }
    }
}
