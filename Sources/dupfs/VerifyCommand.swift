import ArgumentParser
import Backup
import Catalog
import Foundation

/// `dupfs verify URL [--full] [--version N] [--json]`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a backup and report what is damaged and which files it affects.",
        discussion: """
            Downloads every volume once and checks it whole: the AES Crypt HMAC, the zip \
            directory, every entry's CRC, every block against its hash, index files against their \
            dblocks, file lists. Then, per version, lists the entries that need a block no intact \
            volume holds. --full also rebuilds every file and metadata blob and checks its hash. \
            Exit status 0 when everything is intact, 65 when anything is damaged; stale or wrong \
            index files are only warnings (restores do not need them).
            """)

    @OptionGroup var backupArguments: BackupArguments

    @Flag(name: .long, help: "Also rebuild every file and check its file hash (reads all data again).")
    var full = false

    @Option(name: .long, help: "Check only this version (0 = newest); default: all.")
    var version: Int?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    /// Affected entries printed per version before "... and N more".
    static let listLimit = 50

    func validate() throws {
        if backupArguments.argumentAfterURL != nil {
            throw ValidationError("with --duplicati-config give no URL: dupfs verify --duplicati-config FILE")
        }
    }

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            // The quick check reads every volume itself; only --full reads through the block index.
            let backup = try backupArguments.open(logger: logger, blockIndexing: full ? .now : .skip)
            let display = backupArguments.progressDisplay()
            let verifier = Verifier(
                backup: backup, options: VerifyOptions(full: full, version: version), progress: display.callback)
            let report: VerifyReport
            do {
                defer { display.clear() }
                report = try verifier.run()
            }
            if json {
                print(Formatting.json(Self.jsonObject(report)))
            } else {
                print(Self.text(report), terminator: "")
            }
            if !report.isClean { throw ExitStatus.damaged.code }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Failure.exit(for: error)
        }
    }

    static func text(_ report: VerifyReport) -> String {
        var out = ""
        let kinds = ["dblock", "dindex", "dlist"].map { "\(report.volumesChecked[$0] ?? 0) \($0)" }.joined(separator: ", ")
        out += "Checked \(report.totalVolumesChecked) volumes (\(Formatting.size(report.volumeBytes))): \(kinds).\n"
        if !report.damagedVolumes.isEmpty {
            out += "DAMAGED volumes (\(report.damagedVolumes.count)):\n"
            for damage in report.damagedVolumes {
                out += "  \(Formatting.display(damage.name)): \(Formatting.display(damage.reason))\n"
            }
        }
        if !report.warnings.isEmpty {
            out += "Warnings (\(report.warnings.count); no file depends on these):\n"
            for warning in report.warnings.prefix(listLimit) {
                out += "  \(Formatting.display(warning.volume)): \(Formatting.display(warning.message))\n"
            }
            if report.warnings.count > listLimit { out += "  ... and \(report.warnings.count - listLimit) more\n" }
        }
        if report.unavailableBlocks > 0 {
            out += "\(report.unavailableBlocks) blocks that files need are in no intact volume.\n"
        }
        let how = report.full ? "rebuilt and hash-checked" : "blocks checked"
        for version in report.versions {
            let head = "Version \(version.number) (\(Formatting.utc(version.time))): \(version.files) files, "
                + "\(Formatting.size(version.bytes)) \(how)"
            if version.isIntact {
                out += head + "; all readable.\n"
                continue
            }
            if version.affectedCount == 0 {
                out += head + ".\n"
            } else {
                out += head + "; \(version.affectedCount) entries AFFECTED:\n"
                for entry in version.affected.prefix(listLimit) {
                    out += "  \(Formatting.display(entry.path)): \(Formatting.display(entry.reason))\n"
                }
                if version.affectedCount > listLimit { out += "  ... and \(version.affectedCount - listLimit) more\n" }
            }
            for line in SkippedReport.lines(
                count: version.skippedCount, examples: version.skipped,
                head: "\(version.skippedCount) entries of its file list UNUSABLE", indent: "  ") {
                out += line + "\n"
            }
            if let damage = version.damage { out += "  " + SkippedReport.damageLine(damage) + "\n" }
        }
        out += report.isClean
            ? "OK: no damage found\(report.warnings.isEmpty ? "" : " (see the warnings above)").\n"
            : "DAMAGED: see above (use --json for every affected entry).\n"
        return out
    }

    static func jsonObject(_ report: VerifyReport) -> [String: Any] {
        [
            "ok": report.isClean,
            "full": report.full,
            "volumes": [
                "checked": report.totalVolumesChecked, "bytes": report.volumeBytes,
                "dblock": report.volumesChecked["dblock"] ?? 0, "dindex": report.volumesChecked["dindex"] ?? 0,
                "dlist": report.volumesChecked["dlist"] ?? 0,
            ] as [String: Any],
            "damaged": report.damagedVolumes.map { ["volume": $0.name, "kind": $0.kind, "reason": $0.reason] },
            "warnings": report.warnings.map { ["volume": $0.volume, "message": $0.message] },
            "unavailableBlocks": report.unavailableBlocks,
            "versions": report.versions.map { version -> [String: Any] in
                [
                    "version": version.number, "time": Formatting.utc(version.time), "dlist": version.dlist,
                    "entries": version.entries, "files": version.files, "bytes": version.bytes,
                    "affectedCount": version.affectedCount,
                    "affected": version.affected.map {
                        ["path": $0.path, "type": Formatting.typeName($0.kind), "reason": $0.reason]
                    },
                    "skippedCount": version.skippedCount, "skipped": SkippedReport.json(version.skipped),
                    "damage": version.damage.map { $0 as Any } ?? NSNull(),
                ]
            },
        ]
    }
}
