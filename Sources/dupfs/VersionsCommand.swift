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

    @Flag(name: .long, help: """
        Read every version's file list first, so that counts are shown for all (on a cold cache \
        this downloads every dlist; without it, lists not yet in the local index are read only \
        when they are few and small).
        """)
    var counts = false

    /// Unread lists are read unasked up to this many ...
    static let eagerListCount = 16
    /// ... and this many bytes of dlists: a few seconds' download at most, even far away.
    static let eagerListBytes: Int64 = 4 << 20

    func validate() throws {
        if backupArguments.argumentAfterURL != nil {
            throw ValidationError("with --duplicati-config give no URL: dupfs versions --duplicati-config FILE")
        }
    }

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            let backup = try backupArguments.open(logger: logger)
            // Every version is known from its dlist's name at once; counts and damage come from
            // its file list. Lists the index lacks are read (once; later runs find them there)
            // when asked to or when that is cheap; otherwise their counts are shown as unknown.
            let unread = try backup.unreadFileLists()
            if counts || (unread.versions <= Self.eagerListCount && unread.bytes <= Self.eagerListBytes) {
                try backup.requireAllFileLists()
            }
            let versions = try backup.knownVersions()
            if json {
                let rows: [[String: Any]] = versions.enumerated().map { number, v -> [String: Any] in
                    var row: [String: Any] = [
                        "version": number, "time": Formatting.utc(v.time), "dlist": v.volumeName, "fileListRead": v.fileListRead,
                    ]
                    if v.fileListRead {
                        row["files"] = v.fileCount
                        row["size"] = v.totalSize
                        row["full"] = v.isFullBackup
                        row["skipped"] = v.skippedCount
                    } else {
                        for key in ["files", "size", "full", "skipped"] { row[key] = NSNull() }
                    }
                    if let damage = v.damage { row["damage"] = damage }
                    return row
                }
                print(Formatting.json(rows))
            } else {
                print("VERSION  TIME (UTC)              FILES        SIZE")
                for (number, v) in versions.enumerated() {
                    let files = (v.fileListRead ? String(v.fileCount) : "-").leftPadded(to: 9)
                    let size = (v.fileListRead ? Formatting.size(v.totalSize) : "-").leftPadded(to: 11)
                    var notes = v.isFullBackup || !v.fileListRead ? "" : "  (partial)"
                    if v.damage != nil { notes += "  (DAMAGED: file list unreadable\(v.fileCount > 0 ? " after \(v.fileCount) files" : ""))" }
                    if v.skippedCount > 0 { notes += "  (\(v.skippedCount) entries unusable)" }
                    print("\(String(number).leftPadded(to: 7))  \(Formatting.utc(v.time))  \(files)  \(size)\(notes)")
                }
            }
            let left = versions.filter { !$0.fileListRead }.count
            if left > 0 {
                FileHandle.standardError.write(Data("""
                    dupfs: counts of \(left) versions are not known yet: their file lists (\(Formatting.size(unread.bytes))) \
                    are read when a version is first used; --counts reads them all now

                    """.utf8))
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
