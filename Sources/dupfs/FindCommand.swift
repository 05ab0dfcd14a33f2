import ArgumentParser
import Backup
import Catalog
import Foundation

/// `dupfs find URL PATTERN`: where a name or a path pattern occurs, answered from the index.
struct FindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Find entries by exact name or by a glob over whole paths, in one version or in all.",
        discussion: """
            A PATTERN with no / and none of * ? [ is a name: entries with exactly that name \
            (byte for byte, case-sensitive) anywhere. Otherwise it is a case-sensitive glob over \
            the whole path as ls -R shows it with a leading / (/data/docs/a.txt): * matches any \
            run of characters including /, ? one character, [a-z] [!a-z] [^a-z] one of (or not \
            of) a set, and \\ makes the next character literal. Quote the pattern for the shell. \
            Matches print one path per line, in the order of the version's file list; with \
            --all-versions each line is VERSION  TIME  PATH, newest version first. --json \
            prints one array of {version, time, path, type}; no match prints [] (exit 0).
            """)

    @OptionGroup var backupArguments: BackupArguments

    @Argument(help: ArgumentHelp("A name, or a glob over whole paths (see above).", valueName: "pattern"))
    var patternArgument: String?

    /// The pattern: with `--duplicati-config` there is no URL argument, so it was parsed as the URL.
    var pattern: String { backupArguments.argumentAfterURL ?? patternArgument ?? "" }

    func validate() throws {
        if backupArguments.duplicatiConfig != nil ? patternArgument != nil || backupArguments.argumentAfterURL == nil : patternArgument == nil {
            throw ValidationError("give one PATTERN: dupfs find --duplicati-config FILE PATTERN, or dupfs find URL PATTERN")
        }
    }

    @Flag(name: .long, help: "Search every version, newest first (not with --version or --time).")
    var allVersions = false

    @Option(name: .long, help: "The version number (0 = newest; the default).")
    var version: Int?

    @Option(name: .long, help: ArgumentHelp(VersionSelection.timeHelp, valueName: "time"))
    var time: String?

    @Flag(name: .long, help: "Print JSON: one array of {version, time, path, type}.")
    var json = false

    /// Entries read from the index per query of a whole-tree scan.
    static let scanPage = 8192

    func run() throws {
        do {
            let logger = try backupArguments.makeLogger()
            if allVersions && (version != nil || time != nil) {
                throw UsageError(message: "--all-versions cannot be used with --version or --time")
            }
            _ = try VersionSelection.validate(version: version, time: time)
            let compiled: PathPattern
            do {
                compiled = try PathPattern(pattern)
            } catch {
                throw UsageError(message: "pattern '\(pattern)': \(error.description)")
            }
            let backup = try backupArguments.open(logger: logger)
            let chosen: [(number: Int, record: VersionRecord)] = allVersions
                ? Array(try backup.versions().enumerated()).map { ($0.offset, $0.element) }
                : [try VersionSelection.choose(backup, version: version, time: time)]
            var output = FindOutput(json: json, showVersion: allVersions)
            var damaged: [(number: Int, damage: String)] = []
            for (number, record) in chosen {
                try backup.requireFileList(of: record)
                let time = Formatting.utc(record.time)
                try Self.search(backup.catalog, version: record.id, pattern: compiled) { path, kind in
                    output.match(version: number, time: time, path: path, kind: kind)
                }
                if let damage = record.damage { damaged.append((number, damage)) }
            }
            output.finish()
            // On stderr, after the whole answer: matches may be missing from what was lost.
            for (number, damage) in damaged {
                Terminal.note("version \(number): " + SkippedReport.damageLine(damage))
            }
            if !damaged.isEmpty { throw ExitStatus.damaged.code }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Failure.exit(for: error)
        }
    }

    /// Calls `found` with the path (`/`-led, as the glob sees it) and kind of every match in a
    /// version, holding one page of entries and the paths of the folders seen at a time.
    static func search(
        _ catalog: Catalog, version: Int64, pattern: PathPattern, found: (String, EntryKindCode) throws -> Void
    ) throws {
        switch pattern {
        case .name(let name):
            var folders: [Int64: String] = [0: ""]
            for match in try catalog.entries(version: version, named: name).sorted(by: { $0.id < $1.id }) {
                try found(try path(of: match.parent, catalog, folders: &folders) + "/" + match.name, match.kind)
            }
        case .glob(let glob):
            // Folder paths by path id, as UTF-8; files are never parents, so only folders are
            // kept. Each path is put together in one reused buffer: a String is made only for a match.
            var folders: [Int64: [UInt8]] = [0: []]
            var buffer: [UInt8] = []
            buffer.reserveCapacity(4096)
            var after: Int64?
            while true {
                let page = try catalog.entryNames(version: version, after: after, limit: scanPage)
                for entry in page {
                    buffer.removeAll(keepingCapacity: true)
                    if let parent = folders[entry.parent] {
                        buffer.append(contentsOf: parent)
                    } else {
                        var named: [Int64: String] = [0: ""]
                        buffer.append(contentsOf: try path(of: entry.parent, catalog, folders: &named).utf8)
                    }
                    buffer.append(0x2F)
                    buffer.append(contentsOf: entry.name.utf8)
                    // A copy of its own, sized to the path (sharing the buffer would keep its capacity).
                    if entry.kind == .folder { folders[entry.path] = Array(buffer[...]) }
                    if buffer.withUnsafeBufferPointer({ glob.matches(bytes: $0) }) {
                        try found(String(decoding: buffer, as: UTF8.self), entry.kind)
                    }
                }
                guard page.count == scanPage, let last = page.last else { break }
                after = last.id
            }
        }
    }

    /// The `/`-led path of a folder by its path id (remembered in `folders`).
    private static func path(of pathID: Int64, _ catalog: Catalog, folders: inout [Int64: String]) throws -> String {
        if let known = folders[pathID] { return known }
        let full = try catalog.components(ofPath: pathID).map { "/" + $0 }.joined()
        folders[pathID] = full
        return full
    }
}

/// Prints matches as they are found: lines, or one JSON array written piece by piece.
struct FindOutput {
    let json: Bool
    let showVersion: Bool
    var count = 0

    mutating func match(version: Int, time: String, path: String, kind: EntryKindCode) {
        defer { count += 1 }
        if json {
            // Written by hand (keys sorted, as Formatting.json writes them): a million matches
            // must not cost a JSONSerialization round each.
            let row = "{\"path\":\(Self.quoted(path)),\"time\":\(Self.quoted(time)),\"type\":\"\(Formatting.typeName(kind))\",\"version\":\(version)}"
            print(count == 0 ? "[" + row : "," + row)
            return
        }
        let shown = Formatting.display(path)
        print(showVersion ? "\(version)  \(time)  \(shown)" : shown)
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\u00XX`.
    static func quoted(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count + 2)
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22, 0x5C:
                out.append(0x5C)
                out.append(byte)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default:
                out.append(byte)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    func finish() {
        guard json else { return }
        print(count == 0 ? "[]" : "]")
    }
}
