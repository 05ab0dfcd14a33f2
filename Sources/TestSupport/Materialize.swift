import Foundation

/// Writes a tree to disk as a restore should produce it: files, folders and symlinks, with
/// modes, mtimes (nanoseconds), extended attributes (of files and folders, when the
/// destination's filesystem takes `user.*` attributes; none of Windows-style entries) and,
/// when running as root, owners.
///
/// Stored paths map under `directory` like our restore maps them: `"/data/x"` →
/// `DIR/data/x`, `"C:\\Users\\x"` → `DIR/C/Users/x`, `"\\\\srv\\share\\x"` →
/// `DIR/UNC/srv/share/x`. Missing ancestors are created with mode 0755 and left with the
/// current time. Entries' `mode` is applied to Windows-style entries too.
/// - Parameters:
///   - entries: the tree, in any order.
///   - directory: the destination; created if missing.
/// - Throws: `FixtureError.unsafePath` for paths that would escape `directory`, `.io` when a
///   system call fails.
package func materialize(_ entries: [FixtureEntry], into directory: URL) throws {
    let root = directory.path
    try PosixFS.makeDirectories(root)
    let placed = try entries.map { entry in
        (entry: entry, path: root + "/" + (try RestorePath.relative(entry.path)).joined(separator: "/"))
    }
    // Parents before children; content first, then times and modes deepest-first, so writing
    // into a folder or a read-only mode can't disturb what was already set.
    let byDepth = placed.sorted { $0.path.utf8.count < $1.path.utf8.count }
    for (entry, path) in byDepth {
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try PosixFS.makeDirectories(parent)
        switch entry.content {
        case .folder:
            try PosixFS.makeDirectory(path, mode: 0o700)
        case .file(let bytes):
            try PosixFS.writeFile(path, bytes, mode: 0o600)
        case .symlink(let target):
            try PosixFS.makeSymlink(path, target: target)
        }
    }
    // Attributes before modes: `user.*` attributes need write permission on the item.
    var attributesSupported: Bool?
    for (entry, path) in byDepth where !entry.extendedAttributes.isEmpty && entry.symlinkTarget == nil && !entry.windows {
        if attributesSupported == nil { attributesSupported = ExtendedAttributeCalls.supportsUserAttributes(in: root) }
        guard attributesSupported == true else { break }
        for (name, value) in entry.extendedAttributes {
            let code = ExtendedAttributeCalls.set(path, name, value)
            guard code == 0 else { throw FixtureError.io(path: path, operation: "lsetxattr \(name)", errno: code) }
        }
    }
    for (entry, path) in byDepth.reversed() {
        if PosixFS.isRoot {
            try PosixFS.setOwner(path, uid: entry.uid, gid: entry.gid)
        }
        if entry.symlinkTarget == nil {
            try PosixFS.setMode(path, entry.mode & 0o7777)
        }
        try PosixFS.setTimes(path, seconds: entry.mtimeSeconds, nanoseconds: entry.mtimeNanoseconds)
    }
}

/// How a stored path maps to a relative path on disk.
package enum RestorePath {
    /// The path components under the restore folder.
    /// - Parameter stored: a stored path, with or without trailing separator.
    /// - Returns: e.g. `["data", "x"]`, `["C", "Users", "x"]`, `["UNC", "srv", "share", "x"]`.
    /// - Throws: `FixtureError.unsafePath` for relative paths, `.`/`..` or empty components
    ///   (other than a trailing separator).
    package static func relative(_ stored: String) throws -> [String] {
        var components: [String]
        if stored.hasPrefix("/") {
            components = stored.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        } else if stored.hasPrefix("\\\\") {
            components = ["UNC"] + stored.dropFirst(2).split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
        } else {
            let parts = stored.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
            guard let drive = parts.first, drive.count == 2, drive.hasSuffix(":"),
                drive.first?.isLetter == true
            else { throw FixtureError.unsafePath(stored) }
            components = [String(drive.prefix(1))] + parts.dropFirst()
        }
        if components.count > 1, components.last == "" { components.removeLast() }
        guard !components.isEmpty,
            components.allSatisfy({
                !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("/") && !$0.contains("\0")
            })
        else { throw FixtureError.unsafePath(stored) }
        return components
    }
}
