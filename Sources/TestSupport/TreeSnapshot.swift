import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a folder tree holds on disk, for comparing a restore (or a mount) with its source:
/// every item's kind, bytes, permission bits, mtime to the nanosecond, owner, symlink target and
/// `user.*` extended attributes (of files and folders; other namespaces depend on the local
/// system, e.g. SELinux labels). Names are compared as bytes.
package struct TreeSnapshot: Sendable, Equatable {
    /// One item.
    package struct Item: Sendable, Equatable {
        package enum Kind: String, Sendable { case folder, file, symlink, other }
        package var kind: Kind
        package var mode: UInt32
        package var size: Int64
        package var content: [UInt8]?
        package var target: String?
        package var mtimeSeconds: Int64
        package var mtimeNanoseconds: Int
        package var uid: UInt32
        package var gid: UInt32
        /// The `user.*` extended attributes by name (files and folders only).
        package var extendedAttributes: [String: [UInt8]] = [:]
    }

    /// Items by path relative to the root (UTF-8 bytes joined with "/").
    package var items: [[UInt8]: Item]

    /// Reads a tree (without following symlinks).
    /// - Parameter root: the folder.
    package static func capture(_ root: URL) throws -> TreeSnapshot {
        var items: [[UInt8]: Item] = [:]
        try walk(root.path, relative: [], into: &items)
        return TreeSnapshot(items: items)
    }

    private static func walk(_ path: String, relative: [UInt8], into items: inout [[UInt8]: Item]) throws {
        guard let dir = opendir(path) else { throw FixtureError.io(path: path, operation: "opendir", errno: errno) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name == [46] || name == [46, 46] { continue }
            let childPath = path + "/" + String(decoding: name, as: UTF8.self)
            let childRelative = relative.isEmpty ? name : relative + [47] + name
            var info = stat()
            guard lstat(childPath, &info) == 0 else { throw FixtureError.io(path: childPath, operation: "lstat", errno: errno) }
            var item = Item(
                kind: .other, mode: UInt32(info.st_mode & 0o7777), size: Int64(info.st_size), content: nil, target: nil,
                mtimeSeconds: Int64(info.st_mtim.tv_sec), mtimeNanoseconds: info.st_mtim.tv_nsec,
                uid: info.st_uid, gid: info.st_gid)
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                item.kind = .folder
                item.size = 0
                item.extendedAttributes = try userAttributes(childPath)
                try walk(childPath, relative: childRelative, into: &items)
            case S_IFREG:
                item.kind = .file
                item.content = try PosixFS.readFile(childPath)
                item.extendedAttributes = try userAttributes(childPath)
            case S_IFLNK:
                item.kind = .symlink
                item.mode = 0
                var buffer = [CChar](repeating: 0, count: 4097)
                let n = readlink(childPath, &buffer, 4096)
                item.target = n >= 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
            default:
                break
            }
            items[childRelative] = item
        }
    }

    /// The `user.*` attributes of a file or folder; none when the filesystem has no attributes.
    private static func userAttributes(_ path: String) throws -> [String: [UInt8]] {
        let names: [String]
        switch ExtendedAttributeCalls.list(path) {
        case .success(let found): names = found
        case .failure(let error) where error.code == EOPNOTSUPP || error.code == ENOSYS: return [:]
        case .failure(let error): throw FixtureError.io(path: path, operation: "llistxattr", errno: error.code)
        }
        var out: [String: [UInt8]] = [:]
        for name in names where name.hasPrefix("user.") {
            switch ExtendedAttributeCalls.get(path, name) {
            case .success(let value): out[name] = value
            case .failure(let error): throw FixtureError.io(path: path, operation: "lgetxattr \(name)", errno: error.code)
            }
        }
        return out
    }

    /// Human-readable differences, empty when the trees are equal.
    /// - Parameters:
    ///   - other: the tree to compare with (e.g. the restore).
    ///   - owners: also compare uid/gid.
    ///   - folderTimes: also compare folders' mtimes.
    package func differences(from other: TreeSnapshot, owners: Bool = false, folderTimes: Bool = true) -> [String] {
        var out: [String] = []
        for (path, mine) in items {
            let name = String(decoding: path, as: UTF8.self)
            guard let theirs = other.items[path] else { out.append("missing: \(name)"); continue }
            if mine.kind != theirs.kind { out.append("\(name): kind \(mine.kind) vs \(theirs.kind)"); continue }
            if mine.kind == .file {
                if mine.content != theirs.content { out.append("\(name): content differs (\(mine.size) vs \(theirs.size) bytes)") }
            }
            if mine.kind == .symlink, mine.target != theirs.target {
                out.append("\(name): target \(mine.target ?? "?") vs \(theirs.target ?? "?")")
            }
            if mine.kind != .symlink, mine.mode != theirs.mode {
                out.append("\(name): mode \(String(mine.mode, radix: 8)) vs \(String(theirs.mode, radix: 8))")
            }
            if mine.kind != .folder || folderTimes,
               mine.mtimeSeconds != theirs.mtimeSeconds || mine.mtimeNanoseconds != theirs.mtimeNanoseconds {
                out.append("\(name): mtime \(mine.mtimeSeconds).\(mine.mtimeNanoseconds) vs \(theirs.mtimeSeconds).\(theirs.mtimeNanoseconds)")
            }
            if mine.extendedAttributes != theirs.extendedAttributes {
                out.append("\(name): extended attributes \(Self.describe(mine.extendedAttributes)) vs \(Self.describe(theirs.extendedAttributes))")
            }
            if owners, mine.uid != theirs.uid || mine.gid != theirs.gid {
                out.append("\(name): owner \(mine.uid):\(mine.gid) vs \(theirs.uid):\(theirs.gid)")
            }
        }
        for path in other.items.keys where items[path] == nil {
            out.append("unexpected: \(String(decoding: path, as: UTF8.self))")
        }
        return out.sorted()
    }

    private static func describe(_ attributes: [String: [UInt8]]) -> String {
        "[" + attributes.keys.sorted().map { "\($0)=\(attributes[$0] ?? [])" }.joined(separator: ", ") + "]"
    }
}
