import Catalog
import DuplicatiFormat
import Foundation

extension Backup {
    /// Splits a user-given path into components under a version: mount-style (`data/x`,
    /// `/data/x`, `C/Users/ann`) or as stored (`C:\Users\ann`, `\\server\share`).
    package static func components(ofUserPath path: String) -> [String] {
        if path.contains("\\"), let stored = SourcePath.components(of: path) { return stored }
        return path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
    }

    /// The entry at a path of a version (the root for an empty path).
    /// - Throws: ``BackupError/noSuchPath(_:)``.
    package func entry(version: VersionRecord, components: [String]) throws -> EntryRecord {
        guard var current = try catalog.entry(version: version.id, id: 0) else {
            throw BackupError.noSuchPath("/")
        }
        for (i, name) in components.enumerated() {
            guard current.kind == .folder, let next = try catalog.child(version: version.id, parent: current.id, name: name) else {
                throw BackupError.noSuchPath("/" + components[...i].joined(separator: "/"))
            }
            current = next
        }
        return current
    }

    /// Visits an entry and, for folders, everything below it, depth first in name order.
    /// - Parameters:
    ///   - entry: where to start.
    ///   - path: its components.
    ///   - body: called with each entry and its components; return false to skip a folder's children.
    package func walk(_ entry: EntryRecord, path: [String], _ body: (EntryRecord, [String]) throws -> Bool) throws {
        let descend = try body(entry, path)
        guard descend, entry.kind == .folder else { return }
        var after: String?
        while true {
            let page = try catalog.children(version: entry.version, parent: entry.id, after: after, limit: 1000)
            for child in page {
                try walk(child, path: path + [child.name], body)
            }
            guard page.count == 1000, let last = page.last else { break }
            after = last.name
        }
    }
}
