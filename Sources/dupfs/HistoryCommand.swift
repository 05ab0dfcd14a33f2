import ArgumentParser
import Backup
import Catalog
import Foundation

/// `dupfs history URL PATH`: every version holding a path, and where it changed.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show every version holding a path, newest first, and in which ones it changed.",
        discussion: """
            A version counts as changed when the path's type, file hash or metadata hash \
            (mode, owner, times, ...) differs from the nearest older version holding the path, \
            or when no older version holds it. Sizes and times are the backed-up ones; an entry \
            whose metadata cannot be read shows no time (metadataMissing in JSON) and makes the \
            exit status 65. A path no version holds: exit 64.
            """)

    @OptionGroup var backupArguments: BackupArguments

    @Argument(help: ArgumentHelp("The path, as ls shows it (/data/x, C/Users/ann/x) or as stored.", valueName: "path"))
    var pathArgument: String?

    /// The path: with `--duplicati-config` there is no URL argument, so it was parsed as the URL.
    var path: String { backupArguments.argumentAfterURL ?? pathArgument ?? "" }

    func validate() throws {
        if backupArguments.duplicatiConfig != nil ? pathArgument != nil || backupArguments.argumentAfterURL == nil : pathArgument == nil {
            throw ValidationError("give one PATH: dupfs history --duplicati-config FILE PATH, or dupfs history URL PATH")
        }
    }

    @Flag(name: .long, help: "Print JSON: one array of {version, time, type, size, mtime, mtimeNs, changed}, newest first.")
    var json = false

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            let backup = try backupArguments.open(logger: logger)
            let components = Backup.components(ofUserPath: path)
            var holding: [(number: Int, record: VersionRecord, entry: EntryRecord)] = []
            for (number, record) in try backup.versions().enumerated() {
                try backup.requireFileList(of: record)
                do {
                    holding.append((number, record, try backup.entry(version: record, components: components)))
                } catch BackupError.noSuchPath {
                    continue
                }
            }
            guard !holding.isEmpty else {
                throw UsageError(message: "no version holds /\(components.joined(separator: "/"))")
            }
            // Oldest first to compare each with the nearest older holder.
            var changed = [Bool](repeating: true, count: holding.count)
            for i in stride(from: holding.count - 2, through: 0, by: -1) {
                let older = holding[i + 1].entry, newer = holding[i].entry
                changed[i] = older.kind != newer.kind || older.hash != newer.hash || older.metahash != newer.metahash
            }
            var damaged = false
            var rows: [[String: Any]] = []
            if !json {
                print("VERSION  \("TIME (UTC)".padded(20))  \("TYPE".padded(7)) \("SIZE".leftPadded(to: 12))  \("MTIME (UTC)".padded(30))  CHANGED")
            }
            for (index, held) in holding.enumerated() {
                let entry = held.entry
                let (attributes, problem) = backup.attributes(of: entry, versionTime: held.record.time)
                if let problem {
                    damaged = true
                    logger.error("version \(held.number): \(components.joined(separator: "/")): metadata unavailable: \(problem)")
                }
                // A folder the backup only holds as an ancestor has no time of its own: none is
                // shown (ls shows the version's time there; history reports facts only).
                let known = problem == nil && attributes.complete && (entry.metahash != nil || entry.listTime != nil)
                let size = entry.kind == .file ? entry.size : 0
                if json {
                    var row: [String: Any] = [
                        "version": held.number, "time": Formatting.utc(held.record.time), "type": Formatting.typeName(entry.kind),
                        "size": size, "changed": changed[index],
                    ]
                    if known {
                        row["mtime"] = Formatting.utc(attributes.mtimeSeconds, nanoseconds: attributes.mtimeNanoseconds)
                        row["mtimeNs"] = attributes.mtimeSeconds * 1_000_000_000 + Int64(attributes.mtimeNanoseconds)
                    } else {
                        row["mtime"] = NSNull()
                        row["mtimeNs"] = NSNull()
                        row["metadataMissing"] = true
                    }
                    if let hash = entry.hash { row["hash"] = hash }
                    if let target = attributes.symlinkTarget { row["target"] = target }
                    rows.append(row)
                    continue
                }
                let mtime = known ? Formatting.utc(attributes.mtimeSeconds, nanoseconds: attributes.mtimeNanoseconds) : "?"
                print("\(String(held.number).leftPadded(to: 7))  \(Formatting.utc(held.record.time))  "
                    + "\(Formatting.typeName(entry.kind).padded(7)) \(String(size).leftPadded(to: 12))  \(mtime.padded(30))  "
                    + (changed[index] ? "yes" : "no"))
            }
            if json { print(Formatting.json(rows)) }
            // A version whose file list was cut short may have held the path in the lost part:
            // its absence there (and a change counted after it) is not certain.
            let held = Set(holding.map(\.number))
            for (number, record) in try backup.versions().enumerated() where record.damage != nil && !held.contains(number) {
                Terminal.note("version \(number): " + SkippedReport.damageLine(record.damage ?? "")
                    + "; /\(components.joined(separator: "/")) may have been in it")
                damaged = true
            }
            if damaged { throw ExitStatus.damaged.code }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Failure.exit(for: error)
        }
    }
}
