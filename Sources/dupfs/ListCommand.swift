import ArgumentParser
import Backup
import Catalog
import Foundation

/// `dupfs ls URL [PATH]`: what a version holds.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List a folder of a version (paths as the mount shows them: /data/x, C/Users/ann, UNC/server/share).")

    @OptionGroup var backupArguments: BackupArguments

    @Argument(help: ArgumentHelp("The folder or file to list (default: the version's root).", valueName: "path"))
    var path: String?

    @Option(name: .long, help: "The version number (0 = newest; the default).")
    var version: Int?

    @Option(name: .long, help: ArgumentHelp(VersionSelection.timeHelp, valueName: "time"))
    var time: String?

    @Flag(name: .customShort("l"), help: "Long format: mode, owner, group, size, modification time.")
    var long = false

    @Flag(name: .customShort("R"), help: "List everything below, with paths.")
    var recursive = false

    @Flag(name: .long, help: "Print JSON (one array; includes metadata).")
    var json = false

    @Flag(name: .customShort("0"), help: "End each name with a NUL byte instead of a newline, unquoted (for xargs -0).")
    var nullTerminated = false

    /// A name as printed: as is with -0, else quoted when it holds control characters.
    func shown(_ name: String) -> String {
        nullTerminated ? name : ShellQuoting.quoted(name)
    }

    /// Prints one listing line.
    func emitLine(_ line: String) {
        print(line, terminator: nullTerminated ? "\0" : "\n")
    }

    /// The path to list: with `--duplicati-config` there is no URL, so it was parsed as one.
    var listedPath: String? { backupArguments.argumentAfterURL ?? path }

    func validate() throws {
        if backupArguments.duplicatiConfig != nil && path != nil {
            throw ValidationError("with --duplicati-config give no URL: dupfs ls --duplicati-config FILE [PATH]")
        }
    }

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            _ = try VersionSelection.validate(version: version, time: time)
            let backup = try backupArguments.open(logger: logger)
            let record = try VersionSelection.choose(backup, version: version, time: time).record
            try backup.requireFileList(of: record)
            let components = Backup.components(ofUserPath: listedPath ?? "")
            let start = try SkippedReport.inDamagedVersion(record) { try backup.entry(version: record, components: components) }
            var damaged = false
            var rows: [[String: Any]] = []

            func emit(_ entry: EntryRecord, _ itemPath: [String]) {
                let shown = self.shown(recursive ? itemPath.joined(separator: "/") : entry.name)
                var attributes = EntryAttributes.defaults(for: entry, versionTime: record.time)
                if long || json || entry.kind == .symlink {
                    let (found, problem) = backup.attributes(of: entry, versionTime: record.time)
                    attributes = found
                    if let problem {
                        damaged = true
                        logger.error("\(itemPath.joined(separator: "/")): metadata unavailable: \(problem)")
                    }
                }
                // Without its metadata an entry shows only what the file list holds: never
                // defaults in place of the backed-up mode, owner or time.
                let known = attributes.complete
                if json {
                    var row: [String: Any] = [
                        "path": itemPath.joined(separator: "/"), "name": entry.name,
                        "type": Formatting.typeName(entry.kind),
                    ]
                    row["size"] = entry.kind == .file ? entry.size : 0
                    if known {
                        row["mode"] = String(attributes.permissions, radix: 8)
                        row["mtime"] = Formatting.utc(attributes.mtimeSeconds, nanoseconds: attributes.mtimeNanoseconds)
                        row["mtimeNs"] = attributes.mtimeSeconds * 1_000_000_000 + Int64(attributes.mtimeNanoseconds)
                        if attributes.ownerKnown {
                            row["uid"] = attributes.uid
                            row["gid"] = attributes.gid
                        }
                    } else {
                        row["metadataMissing"] = true
                    }
                    if !entry.storedPath.isEmpty { row["storedPath"] = entry.storedPath }
                    if let hash = entry.hash { row["hash"] = hash }
                    if let owner = attributes.ownerName { row["owner"] = owner }
                    if let group = attributes.groupName { row["group"] = group }
                    if let target = attributes.symlinkTarget { row["target"] = target }
                    if let windows = attributes.windowsAttributes { row["windowsAttributes"] = windows }
                    rows.append(row)
                    return
                }
                let arrow = entry.kind == .symlink ? " -> \(self.shown(attributes.symlinkTarget ?? "?"))" : ""
                guard long else {
                    emitLine(shown + (entry.kind == .folder && recursive ? "/" : ""))
                    return
                }
                guard known else {
                    // As GNU ls shows an entry it cannot stat.
                    let type = String(Formatting.mode(entry.kind, 0).prefix(1))
                    emitLine("\(type)????????? \("?".padded(8)) \("?".padded(8)) \("?".leftPadded(to: 12)) \("?".padded(30)) \(shown)")
                    return
                }
                let owner = attributes.ownerName ?? (attributes.ownerKnown ? String(attributes.uid) : "-")
                let group = attributes.groupName ?? (attributes.ownerKnown ? String(attributes.gid) : "-")
                let time = Formatting.utc(attributes.mtimeSeconds, nanoseconds: attributes.mtimeNanoseconds)
                let size = entry.kind == .file ? entry.size : 0
                emitLine("\(Formatting.mode(entry.kind, attributes.permissions)) \(owner.padded(8)) \(group.padded(8)) \(String(size).leftPadded(to: 12)) \(time) \(shown)\(arrow)")
            }

            if start.kind != .folder {
                emit(start, components)
            } else {
                try backup.walk(start, path: components) { entry, itemPath in
                    if entry.kind == .folder && (long || json || entry.id == start.id || recursive),
                       let children = try? backup.catalog.children(version: entry.version, parent: entry.id, limit: 10_000) {
                        backup.prefetchMetadata(of: long || json ? children : children.filter { $0.kind == .symlink })
                    }
                    if entry.id == start.id { return true }
                    emit(entry, itemPath)
                    return recursive
                }
            }
            if json { print(Formatting.json(rows)) }
            // On stderr: stdout stays the listing alone, for scripts.
            if record.skippedCount > 0 {
                let skipped = try backup.catalog.skippedEntries(version: record.id, under: components)
                for line in SkippedReport.lines(
                    count: skipped.count, examples: skipped.examples,
                    head: "note: \(skipped.count) entries of this version's file list here could not be used and are not listed") {
                    Terminal.note(line)
                }
            }
            if let damage = record.damage {
                Terminal.note(SkippedReport.damageLine(damage))
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

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
