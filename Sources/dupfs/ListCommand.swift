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

    @Option(name: .long, help: "The version number (0 = newest).")
    var version: Int = 0

    @Flag(name: .customShort("l"), help: "Long format: mode, owner, group, size, modification time.")
    var long = false

    @Flag(name: .customShort("R"), help: "List everything below, with paths.")
    var recursive = false

    @Flag(name: .long, help: "Print JSON (one array; includes metadata).")
    var json = false

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            let backup = try backupArguments.open(logger: logger)
            let record = try backup.version(version)
            let components = Backup.components(ofUserPath: path ?? "")
            let start = try backup.entry(version: record, components: components)
            var damaged = false
            var rows: [[String: Any]] = []

            func emit(_ entry: EntryRecord, _ itemPath: [String]) {
                let shown = recursive ? itemPath.joined(separator: "/") : entry.name
                var meta: MetadataRecord?
                if long || json || entry.kind == .symlink {
                    do {
                        meta = try backup.metadata(of: entry)
                    } catch {
                        damaged = true
                        logger.error("\(itemPath.joined(separator: "/")): metadata unavailable: \(error)")
                    }
                }
                if json {
                    var row: [String: Any] = [
                        "path": itemPath.joined(separator: "/"), "name": entry.name,
                        "type": Formatting.typeName(entry.kind), "size": entry.size,
                    ]
                    if let stored = entry.storedPath.isEmpty ? nil : entry.storedPath { row["storedPath"] = stored }
                    if let hash = entry.hash { row["hash"] = hash }
                    if let meta {
                        if let mode = meta.mode { row["mode"] = String(mode, radix: 8) }
                        if let uid = meta.uid { row["uid"] = uid }
                        if let gid = meta.gid { row["gid"] = gid }
                        if let owner = meta.ownerName { row["owner"] = owner }
                        if let group = meta.groupName { row["group"] = group }
                        if let s = meta.mtimeSeconds {
                            row["mtime"] = Formatting.utc(s, nanoseconds: meta.mtimeNanoseconds ?? 0)
                            row["mtimeNs"] = s * 1_000_000_000 + Int64(meta.mtimeNanoseconds ?? 0)
                        }
                        if let target = meta.symlinkTarget { row["target"] = target }
                    }
                    rows.append(row)
                    return
                }
                let arrow = entry.kind == .symlink ? " -> \(meta?.symlinkTarget ?? "?")" : ""
                guard long else {
                    print(shown + (entry.kind == .folder && recursive ? "/" : ""))
                    return
                }
                let owner = meta?.ownerName ?? meta?.uid.map(String.init) ?? "?"
                let group = meta?.groupName ?? meta?.gid.map(String.init) ?? "?"
                let time = meta?.mtimeSeconds.map { Formatting.utc($0, nanoseconds: meta?.mtimeNanoseconds ?? 0) }
                    ?? entry.listTime.map { Formatting.utc($0) } ?? "?"
                print("\(Formatting.mode(entry.kind, meta?.mode)) \(owner.padded(8)) \(group.padded(8)) \(String(entry.size).leftPadded(to: 12)) \(time) \(shown)\(arrow)")
            }

            if start.kind != .folder {
                emit(start, components)
            } else {
                try backup.walk(start, path: components) { entry, itemPath in
                    if entry.id == start.id { return true }
                    emit(entry, itemPath)
                    return recursive
                }
            }
            if json { print(Formatting.json(rows)) }
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
