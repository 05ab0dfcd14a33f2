import ArgumentParser
import Backup
import Foundation

/// `dupfs restore URL [PATH...] --target DIR`.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore files, folders and symlinks of a version into a folder, verifying every hash.",
        discussion: """
            Each path lands under the target as the mount shows it: /data/x as DIR/data/x, \
            C:\\Users\\ann\\x as DIR/C/Users/ann/x, \\\\server\\share\\x as DIR/UNC/server/share/x. \
            Without paths the whole version is restored. Existing files are left alone unless \
            --overwrite is given.
            """)

    @OptionGroup var backupArguments: BackupArguments

    @Argument(help: ArgumentHelp("Paths to restore (default: everything).", valueName: "path"))
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("The folder to restore into (created if missing).", valueName: "dir"))
    var target: String

    @Option(name: .long, help: "The version number (0 = newest).")
    var version: Int = 0

    @Flag(name: .long, help: "Replace files that already exist in the target.")
    var overwrite = false

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            let backup = try backupArguments.open(logger: logger)
            let record = try backup.version(version)
            let selections = paths.isEmpty ? [[]] : paths.map { Backup.components(ofUserPath: $0) }
            let restorer = try Restorer(
                backup: backup, target: target, options: RestoreOptions(overwrite: overwrite),
                progress: Terminal.isInteractive ? { p in
                    FileHandle.standardError.write(Data("\r\u{1B}[K\(p.phase): \(p.done)/\(p.total) files".utf8))
                } : { _ in })
            let summary = try SkippedReport.inDamagedVersion(record) { try restorer.restore(version: record, paths: selections) }
            Terminal.clearLine()
            let checked = summary.isIncomplete ? "hashes of what was restored verified" : "all hashes verified"
            print("Restored version \(version) (\(Formatting.utc(record.time))) to \(target): \(summary.files) files (\(Formatting.size(summary.bytes))), \(summary.folders) folders, \(summary.symlinks) symlinks; \(checked).")
            if !summary.skipped.isEmpty {
                print("Skipped \(summary.skipped.count) existing items (use --overwrite to replace them), e.g. \(summary.skipped[0])")
            }
            if !summary.metadataMissing.isEmpty {
                print("\(summary.metadataMissing.count) items restored without their metadata (modes and times defaulted).")
            }
            if !summary.attributeWarnings.isEmpty {
                print("\(summary.attributeWarnings.count) extended attributes could not be set, e.g. \(summary.attributeWarnings[0])")
            }
            if !summary.failed.isEmpty {
                print("FAILED: \(summary.failed.count) items could not be restored:")
                for failure in summary.failed.prefix(50) {
                    print("  \(failure.path): \(failure.reason)")
                }
                if summary.failed.count > 50 { print("  ... and \(summary.failed.count - 50) more") }
            }
            for line in SkippedReport.lines(
                count: summary.unreadableCount, examples: summary.unreadable,
                head: "NOT RESTORED: \(summary.unreadableCount) entries of the backup's file list could not be used") {
                print(line)
            }
            if let damage = summary.versionDamage { print(SkippedReport.damageLine(damage)) }
            if summary.isIncomplete { throw ExitStatus.damaged.code }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Failure.exit(for: error)
        }
    }
}
