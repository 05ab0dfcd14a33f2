/// Assembles one version's tree while its file list streams in: synthesizes missing ancestor
/// folders, keeps the first of duplicate paths, and counts files and bytes.
///
/// Only used inside ``Catalog/storeVersion(volumeID:time:isFullBackup:fill:)``.
package final class VersionBuilder {
    /// The version being built.
    package let version: Int64
    /// Files added so far.
    package private(set) var fileCount: Int64 = 0
    /// Sum of file sizes so far.
    package private(set) var totalSize: Int64 = 0
    /// Entries skipped because their path was already taken.
    package private(set) var duplicates: [String] = []

    private let insert: Statement
    private let update: Statement
    private var nextID: Int64 = 1
    /// Folder path (UTF-8 of the components joined by NUL, which no name contains) to id and
    /// whether listed. Bytes, not `String`: Swift compares strings by canonical equivalence,
    /// which would merge NFC and NFD twins that are different folders on disk.
    private var folders: [[UInt8]: (id: Int64, listed: Bool)] = [:]

    private static func key<C: Collection>(_ components: C) -> [UInt8] where C.Element == String {
        Array(components.joined(separator: "\u{0}").utf8)
    }

    init(version: Int64, insert: Statement, update: Statement) {
        self.version = version
        self.insert = insert
        self.update = update
    }

    func start() throws {
        try insert.run(row(id: 0, parent: 0, name: "", kind: .folder, size: 0, storedPath: "", listed: false))
        folders[[]] = (0, false)
    }

    private func row(
        id: Int64, parent: Int64, name: String, kind: EntryKindCode, size: Int64, hash: String? = nil,
        blocklists: [String] = [], blockhash: String? = nil, metahash: String? = nil, metasize: Int64? = nil,
        metablocklists: [String] = [], metablockhash: String? = nil, storedPath: String, listed: Bool,
        listTime: Int64? = nil
    ) -> [SQLValue] {
        func text(_ v: String?) -> SQLValue { v.map { .text($0) } ?? .null }
        func list(_ v: [String]) -> SQLValue { v.isEmpty ? .null : .text(v.joined(separator: ",")) }
        return [
            .integer(version), .integer(id), .integer(parent), .text(name), .integer(kind.rawValue), .integer(size),
            text(hash), list(blocklists), text(blockhash), text(metahash), metasize.map { .integer($0) } ?? .null,
            list(metablocklists), text(metablockhash), .text(storedPath), .integer(listed ? 1 : 0),
            listTime.map { .integer($0) } ?? .null,
        ]
    }

    /// The id of the folder at `components`, creating unlisted folders as needed; nil when a
    /// non-folder already holds one of those names.
    private func folder(_ components: ArraySlice<String>) throws -> Int64? {
        let key = Self.key(components)
        if let known = folders[key] { return known.id }
        guard let last = components.last, let parent = try folder(components.dropLast()) else { return nil }
        let id = nextID
        try insert.run(row(id: id, parent: parent, name: last, kind: .folder, size: 0, storedPath: "", listed: false))
        guard insert.changesMade else { return nil }
        nextID += 1
        folders[key] = (id, false)
        return id
    }

    /// Adds one listed entry.
    /// - Parameters:
    ///   - components: the path under the version (see `SourcePath`); empty for the root.
    ///   - kind: folder, file or symlink.
    /// - Returns: false when the entry was skipped (its path was taken, or a parent is not a folder).
    @discardableResult
    package func add(
        components: [String], kind: EntryKindCode, size: Int64, hash: String?, blocklists: [String],
        blockhash: String?, metahash: String?, metasize: Int64?, metablocklists: [String], metablockhash: String?,
        storedPath: String, listTime: Int64?
    ) throws -> Bool {
        if kind == .folder {
            let key = Self.key(components)
            if let known = folders[key] {
                guard !known.listed else { duplicates.append(storedPath); return false }
                try update.run([
                    metahash.map { .text($0) } ?? .null, metasize.map { .integer($0) } ?? .null,
                    metablocklists.isEmpty ? .null : .text(metablocklists.joined(separator: ",")),
                    metablockhash.map { .text($0) } ?? .null, .text(storedPath), .integer(version), .integer(known.id),
                ])
                folders[key] = (known.id, true)
                return true
            }
        }
        guard let name = components.last else { duplicates.append(storedPath); return false }
        guard let parent = try folder(components.dropLast()) else { duplicates.append(storedPath); return false }
        let id = nextID
        try insert.run(row(
            id: id, parent: parent, name: name, kind: kind, size: size, hash: hash, blocklists: blocklists,
            blockhash: blockhash, metahash: metahash, metasize: metasize, metablocklists: metablocklists,
            metablockhash: metablockhash, storedPath: storedPath, listed: true, listTime: listTime))
        guard insert.changesMade else { duplicates.append(storedPath); return false }
        nextID += 1
        if kind == .folder {
            folders[Self.key(components)] = (id, true)
        } else if kind == .file {
            fileCount += 1
            totalSize += size
        }
        return true
    }
}
