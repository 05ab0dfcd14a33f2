import ArgumentParser
import Backup
import Catalog
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
            --overwrite is given. Run as root, a restore brings back owners, set-user-id and \
            set-group-id bits, file capabilities and trusted.* attributes as the backup has them; \
            --no-special-bits leaves those out.
            """)

    @OptionGroup var backupArguments: BackupArguments

    @Argument(help: ArgumentHelp("Paths to restore (default: everything).", valueName: "path"))
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("The folder to restore into (created if missing).", valueName: "dir"))
    var target: String

    @Option(name: .long, help: "The version number (0 = newest; the default).")
    var version: Int?

    @Option(name: .long, help: ArgumentHelp(VersionSelection.timeHelp, valueName: "time"))
    var time: String?

    @Flag(name: .long, help: "Replace files that already exist in the target.")
    var overwrite = false

    @Option(name: .long, help: "Most bytes of downloaded volumes kept on disk in the cache folder (e.g. 500M, 2G, 0).")
    var cacheSize: String = "2G"

    /// Bytes of decrypted blocks a restore keeps in memory.
    static let memoryCache = 192 << 20

    @Flag(name: .long, help: ArgumentHelp(
        "Print a JSON summary on stdout: counts, bytes, and every failed, skipped and unreadable item with its path."))
    var json = false

    @Flag(name: .long, help: ArgumentHelp(
        "Leave out set-user-id and set-group-id bits, file capabilities (security.capability) and trusted.* attributes."))
    var noSpecialBits = false

    /// The paths to restore: with `--duplicati-config` there is no URL, so the first was parsed as one.
    var restoredPaths: [String] { (backupArguments.argumentAfterURL.map { [$0] } ?? []) + paths }

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            _ = try VersionSelection.validate(version: version, time: time)
            // Room for the blocks fetched ahead across files (half of it), so that a volume most
            // of which is restored comes in one request; downloads kept on disk as the mount
            // keeps them, so no byte is downloaded twice (a folder's metadata read first brings
            // data of its files along, which the later whole-volume fetch then reads from disk).
            let backup = try backupArguments.open(
                logger: logger, blockCacheSize: Self.memoryCache, diskCacheSize: Int64(try Sizes.parse(cacheSize, what: "--cache-size")))
            let (number, record) = try VersionSelection.choose(backup, version: version, time: time)
            try backup.requireFileList(of: record)
            let paths = restoredPaths
            let selections = paths.isEmpty ? [[]] : paths.map { Backup.components(ofUserPath: $0) }
            let display = backupArguments.progressDisplay()
            let restorer = try Restorer(
                backup: backup, target: target, options: RestoreOptions(overwrite: overwrite, specialBits: !noSpecialBits),
                progress: display.callback)
            let summary = try SkippedReport.inDamagedVersion(record) { try restorer.restore(version: record, paths: selections) }
            display.clear()
            if json {
                print(Formatting.json(jsonObject(summary, number: number, record: record)))
                if summary.isIncomplete || !summary.metadataMissing.isEmpty { throw ExitStatus.damaged.code }
                return
            }
            let checked = summary.isIncomplete ? "hashes of what was restored verified" : "all hashes verified"
            print("Restored version \(number) (\(Formatting.utc(record.time))) to \(target): \(summary.files) files (\(Formatting.size(summary.bytes))), \(summary.folders) folders, \(summary.symlinks) symlinks; \(checked).")
            if !summary.skipped.isEmpty {
                print("Skipped \(summary.skipped.count) existing items (use --overwrite to replace them), e.g. \(summary.skipped[0])")
            }
            if !summary.metadataMissing.isEmpty {
                print("\(summary.metadataMissing.count) items restored without their metadata (modes, owners and times not restored), e.g. \(summary.metadataMissing[0])")
            }
            if !summary.attributeWarnings.isEmpty {
                print("\(summary.attributeWarnings.count) extended attributes could not be set, e.g. \(summary.attributeWarnings[0])")
            }
            if !summary.failed.isEmpty || !summary.metadataMissing.isEmpty {
                if summary.failed.isEmpty { throw ExitStatus.damaged.code }
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

    /// The `--json` summary.
    func jsonObject(_ summary: RestoreSummary, number: Int, record: VersionRecord) -> [String: Any] {
        [
            "ok": !summary.isIncomplete && summary.metadataMissing.isEmpty,
            "version": number, "time": Formatting.utc(record.time), "target": target,
            "files": summary.files, "folders": summary.folders, "symlinks": summary.symlinks, "bytes": summary.bytes,
            "skippedCount": summary.skipped.count, "skipped": summary.skipped,
            "failedCount": summary.failed.count,
            "failed": summary.failed.map { ["path": $0.path, "reason": $0.reason] },
            "metadataMissingCount": summary.metadataMissing.count, "metadataMissing": summary.metadataMissing,
            "attributeWarnings": summary.attributeWarnings,
            "unreadableCount": summary.unreadableCount, "unreadable": SkippedReport.json(summary.unreadable),
            "versionDamage": summary.versionDamage.map { $0 as Any } ?? NSNull(),
        ]
    }
}
