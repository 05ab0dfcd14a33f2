import ArgumentParser
import Backup
import Catalog

/// How the commands word what a version's file list holds but its tree does not: entries left
/// out when the index was built (kept in the index, so every later command says so), and a
/// list that could not be read to the end.
enum SkippedReport {
    /// The lines to print: a head line, the examples, and "... and N more".
    /// - Parameters:
    ///   - count: how many entries were left out.
    ///   - examples: the first few.
    ///   - head: what the head line says before the colon, e.g. "NOT RESTORED: 3 entries".
    ///   - indent: put before every line.
    static func lines(count: Int, examples: [SkippedEntry], head: String, indent: String = "") -> [String] {
        guard count > 0 else { return [] }
        var out = ["\(indent)\(head):"]
        for entry in examples {
            out.append("\(indent)  \(Formatting.display(shortened(entry.location ?? entry.path))): \(Formatting.display(entry.reason))")
        }
        if count > examples.count { out.append("\(indent)  ... and \(count - examples.count) more") }
        return out
    }

    /// A path of at most about 300 characters: a hostile one may be 60,000 long.
    static func shortened(_ path: String) -> String {
        guard path.count > 300 else { return path }
        return "\(path.prefix(150))...\(path.suffix(150))"
    }

    /// The line saying a version's file list is damaged.
    static func damageLine(_ damage: String) -> String {
        "DAMAGED: this version's file list could not be read to the end (\(Formatting.display(damage))); "
            + "what it held after that point is missing"
    }

    /// Runs `body`; a path it does not find in a version whose file list could not be read to
    /// the end may have been in the part that was lost: that is said, with the damaged status.
    /// - Parameters:
    ///   - version: the version `body` looks in.
    ///   - body: what looks up paths.
    /// - Throws: what `body` throws, or ``ExitStatus/damaged`` for a missing path in a damaged version.
    static func inDamagedVersion<T>(_ version: VersionRecord, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch BackupError.noSuchPath(let path) {
            guard let damage = version.damage else { throw BackupError.noSuchPath(path) }
            Terminal.error("no \(Formatting.display(path)) in what could be read of this version")
            Terminal.note(damageLine(damage))
            throw ExitStatus.damaged.code
        }
    }

    /// The JSON form of skipped entries.
    static func json(_ examples: [SkippedEntry]) -> [[String: Any]] {
        examples.map { entry in
            var row: [String: Any] = ["storedPath": entry.path, "reason": entry.reason]
            if let location = entry.location { row["path"] = location }
            return row
        }
    }
}
