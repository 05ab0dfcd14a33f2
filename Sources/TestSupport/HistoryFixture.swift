import Foundation

/// A five-version backup in which paths change in every way `dupfs history`, `find` and the
/// mount's `history/` must follow: a file edited, deleted and re-added with other bytes; one
/// deleted and re-added unchanged; one whose mode alone changes; a file that becomes a symlink
/// and is then retargeted; a folder that becomes a file and then a folder again; a file only the
/// oldest version holds; and names for `find` (the same name in two folders, a case twin, glob
/// characters in a name, a decomposable accent).
package enum HistoryFixture {
    /// The source root, as stored.
    package static let root = "/home/ann"

    /// The backup times, oldest first: 2024-05-01 to 2024-05-05, each at 08:00:00Z.
    package static let times: [Date] = (0..<5).map { Date(timeIntervalSince1970: 1_714_550_400 + Double($0) * 86_400) }

    /// The version folder names (as the mount and `versions` show them), oldest first.
    package static let timeNames = (1...5).map { "2024-05-0\($0)T08:00:00Z" }

    /// The five trees, oldest first (Duplicati numbers them 4 down to 0).
    package static func versions() -> [[FixtureEntry]] {
        (0..<5).map(tree)
    }

    /// Writes the backup (unencrypted, small blocks) and returns its dlist names, oldest first.
    @discardableResult
    package static func write(to directory: URL, options: FixtureOptions = SampleBackup.defaultOptions) throws -> [String] {
        let writer = try FixtureBackupWriter(directory: directory, options: options)
        return try zip(versions(), times).map { try writer.addVersion($0, time: $1) }
    }

    private static func tree(_ v: Int) -> [FixtureEntry] {
        var out: [FixtureEntry] = []
        func folder(_ path: String, mode: UInt32 = 0o755) {
            out.append(FixtureEntry(path: root + path, content: .folder, mode: mode, mtimeSeconds: 1_700_000_000))
        }
        func file(_ path: String, _ text: String, mode: UInt32 = 0o644, mtime: Int64 = 1_700_000_100, nanoseconds: Int32 = 0) {
            out.append(FixtureEntry(
                path: root + path, content: .file(Array(text.utf8)), mode: mode, mtimeSeconds: mtime, mtimeNanoseconds: nanoseconds))
        }
        func link(_ path: String, _ target: String) {
            out.append(FixtureEntry(path: root + path, content: .symlink(target: target), mtimeSeconds: 1_700_000_200))
        }
        folder("")
        folder("/docs")
        folder("/docs/sub")
        file("/docs/report.txt", "quarterly report\n")
        file("/docs/sub/report.txt", "sub report, version \(min(v, 2))\n", mtime: 1_700_000_300 + Int64(min(v, 2)))
        file("/Report.txt", "capital R\n")
        file("/report.txt.bak", "old report\n")
        file("/weird[1].txt", "brackets\n")
        file("/caf\u{E9}.txt", "accent\n")
        switch v {
        case 0, 1: file("/notes.txt", "first notes\n", mtime: 1_700_001_000, nanoseconds: 123_456_700)
        case 2: file("/notes.txt", "second notes, longer\n", mtime: 1_700_002_000, nanoseconds: 500)
        case 4: file("/notes.txt", "third notes\n", mtime: 1_700_004_000)
        default: break
        }
        if v != 2 { file("/keep.txt", "kept\n", mtime: 1_700_000_500) }
        file("/mode.txt", "mode changes\n", mode: v == 0 ? 0o644 : 0o600)
        switch v {
        case 0: file("/link", "plain file\n")
        case 1: link("/link", "notes.txt")
        default: link("/link", "keep.txt")
        }
        switch v {
        case 2, 3: file("/morph", "now a file\n")
        default:
            folder("/morph")
            file("/morph/inner.txt", "inner\n")
        }
        if v == 0 { file("/gone.txt", "only in the oldest\n") }
        return out
    }

    /// Every version holding a path, newest first: the Duplicati version number and its entry.
    /// - Parameter path: the stored path (`/home/ann/notes.txt`).
    package static func holders(of path: String) -> [(version: Int, entry: FixtureEntry)] {
        let trees = versions()
        return (0..<trees.count).reversed().compactMap { index in
            trees[index].first { Array($0.path.utf8) == Array(path.utf8) }.map { (trees.count - 1 - index, $0) }
        }
    }

    /// Whether two entries would be stored identically: same kind, bytes or target, and
    /// metadata (mode, owner, times).
    package static func same(_ a: FixtureEntry, _ b: FixtureEntry) -> Bool {
        a.isFolder == b.isFolder && a.fileBytes == b.fileBytes && a.symlinkTarget == b.symlinkTarget
            && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.ownerName == b.ownerName
            && a.groupName == b.groupName && a.mtimeSeconds == b.mtimeSeconds && a.mtimeNanoseconds == b.mtimeNanoseconds
    }

    /// The `changed` flag of each version holding a path, newest first, as `dupfs history`
    /// must report it.
    package static func changes(of path: String) -> [(version: Int, changed: Bool)] {
        let held = holders(of: path)
        return held.indices.map { i in
            (held[i].version, i + 1 == held.count || !same(held[i].entry, held[i + 1].entry))
        }
    }
}
