import ArgumentParser
import Backup
import Foundation

/// `dupfs versions URL`: the backup's versions, newest first.
struct VersionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the backup's versions (0 = newest, as in Duplicati).")

    @OptionGroup var backupArguments: BackupArguments

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        if backupArguments.argumentAfterURL != nil {
            throw ValidationError("with --duplicati-config give no URL: dupfs versions --duplicati-config FILE")
        }
    }

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            let backup = try backupArguments.open(logger: logger)
            // Counts and damage come from the file lists: those the index lacks are read (once;
            // later runs find them there) rather than a version shown without them.
            let versions = try backup.versions()
            if json {
                let rows: [[String: Any]] = versions.enumerated().map { number, v -> [String: Any] in
                    var row: [String: Any] = [
                        "version": number, "time": Formatting.utc(v.time), "files": v.fileCount, "size": v.totalSize,
                        "full": v.isFullBackup, "dlist": v.volumeName, "skipped": v.skippedCount,
                    ]
                    if let damage = v.damage { row["damage"] = damage }
                    return row
                }
                print(Formatting.json(rows))
                return
            }
            print("VERSION  TIME (UTC)              FILES        SIZE")
            for (number, v) in versions.enumerated() {
                let files = String(v.fileCount).leftPadded(to: 9)
                let size = Formatting.size(v.totalSize).leftPadded(to: 11)
                var notes = v.isFullBackup ? "" : "  (partial)"
                if v.damage != nil { notes += "  (DAMAGED: file list unreadable\(v.fileCount > 0 ? " after \(v.fileCount) files" : ""))" }
                if v.skippedCount > 0 { notes += "  (\(v.skippedCount) entries unusable)" }
                print("\(String(number).leftPadded(to: 7))  \(Formatting.utc(v.time))  \(files)  \(size)\(notes)")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Failure.exit(for: error)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
