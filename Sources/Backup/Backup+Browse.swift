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

    /// The entry at a path of a version (the root for an empty path); reads the version's file
    /// list first when the index lacks it.
    /// - Throws: ``BackupError/noSuchPath(_:)``; as ``requireFileList(of:)``.
    package func entry(version: VersionRecord, components: [String]) throws -> EntryRecord {
        try requireFileList(of: version)
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
    ///
    /// Without recursion, and with one path array grown and shrunk in place: a chain of
    /// thousands of folders costs neither stack nor a path copy per level. Deep in the tree,
    /// children are fetched in smaller pages, so the pages held at once stay bounded.
    /// - Parameters:
    ///   - entry: where to start.
    ///   - path: its components.
    ///   - body: called with each entry and its components; return false to skip a folder's children.
    ///   - leave: called with each folder whose children were visited, after the last of them.
    package func walk(
        _ entry: EntryRecord, path: [String], _ body: (EntryRecord, [String]) throws -> Bool,
        leave: (EntryRecord, [String]) throws -> Void = { _, _ in }
    ) throws {
        guard try body(entry, path), entry.kind == .folder else { return }
        struct Frame {
            let folder: EntryRecord
            var page: [EntryRecord] = []
            var next = 0
            var more = true
        }
        var path = path
        var stack = [Frame(folder: entry)]
        while !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].next < stack[top].page.count {
                let child = stack[top].page[stack[top].next]
                stack[top].next += 1
                path.append(child.name)
                if try body(child, path), child.kind == .folder {
                    stack.append(Frame(folder: child))
                } else {
                    path.removeLast()
                }
                continue
            }
            if stack[top].more {
                let limit = stack.count <= 16 ? 1000 : 32
                let page = try catalog.children(
                    version: entry.version, parent: stack[top].folder.id, after: stack[top].page.last?.name, limit: limit)
                stack[top].more = page.count == limit
                stack[top].page = page
                stack[top].next = 0
                continue
            }
            let done = stack.removeLast()
            try leave(done.folder, path)
            if !stack.isEmpty { path.removeLast() }
        }
    }
}
