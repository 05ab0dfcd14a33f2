/// Assembles one version's tree while its file list streams in: synthesizes missing ancestor
/// folders, keeps the first of duplicate paths, and counts files and bytes.
///
/// Memory does not grow with the list: rows go straight to the database, and the folder ids it
/// remembers are a bounded cache (`folderCacheLimit`) in front of the rows already stored, so a
/// list of a million folders costs no more than one of a thousand. Duplicates are counted, not
/// kept.
///
/// Only used inside ``Catalog/storeVersion(volumeID:time:isFullBackup:folderCacheLimit:fill:)``.
package final class VersionBuilder {
    /// How many folder paths ``Catalog/storeVersion(volumeID:time:isFullBackup:folderCacheLimit:fill:)``
    /// keeps in memory by default (a few MiB at most).
    package static let defaultFolderCacheLimit = 16_384

    /// The version being built.
    package let version: Int64
    /// Files added so far.
    package private(set) var fileCount: Int64 = 0
    /// Sum of file sizes so far.
    package private(set) var totalSize: Int64 = 0
    /// Entries skipped because their path was already taken (or a parent is not a folder).
    package private(set) var duplicateCount = 0
    /// The stored path of the first skipped entry, for the log.
    package private(set) var firstDuplicate: String?
    /// Folder paths currently remembered; never more than the cache limit.
    package var cachedFolderCount: Int { folders.count }
    /// How many times the folder cache was full and started over.
    package private(set) var folderCacheResets = 0

    private let insert: Statement
    private let update: Statement
    private let lookup: Statement
    private let folderCacheLimit: Int
    private var nextID: Int64 = 1
    /// Folder path (UTF-8 of the components joined by NUL, which no name contains) to id and
    /// whether listed. Bytes, not `String`: Swift compares strings by canonical equivalence,
    /// which would merge NFC and NFD twins that are different folders on disk. Only a cache:
    /// the rows are the truth, and a folder missing here is looked up there.
    private var folders: [[UInt8]: (id: Int64, listed: Bool)] = [:]

    private static func key<C: Collection>(_ components: C) -> [UInt8] where C.Element == String {
        Array(components.joined(separator: "\u{0}").utf8)
    }

    /// - Parameters:
    ///   - insert: `INSERT OR IGNORE` of one entry row (all columns, in table order).
    ///   - update: lists a synthesized folder: metadata columns, path, then version and id.
    ///   - lookup: `id, kind, listed` of the entry with this version, parent and name.
    ///   - folderCacheLimit: folder paths remembered at most (at least 1).
    init(version: Int64, insert: Statement, update: Statement, lookup: Statement, folderCacheLimit: Int) {
        self.version = version
        self.insert = insert
        self.update = update
        self.lookup = lookup
        self.folderCacheLimit = max(1, folderCacheLimit)
    }

    func start() throws {
        try insert.run(row(id: 0, parent: 0, name: "", kind: .folder, size: 0, storedPath: "", listed: false))
        folders[[]] = (0, false)
    }

    /// Remembers a folder; when the cache is full it starts over, keeping only the root (input
    /// is usually sorted, so the folders needed next are re-read once from the rows).
    private func remember(_ key: [UInt8], _ value: (id: Int64, listed: Bool)) {
        if folders[key] == nil && folders.count >= folderCacheLimit {
            let root = folders[[]]
            folders.removeAll(keepingCapacity: true)
            folders[[]] = root
            folderCacheResets += 1
        }
        folders[key] = value
    }

    /// An entry stored earlier in this version.
    private func stored(parent: Int64, name: String) throws -> (id: Int64, kind: EntryKindCode?, listed: Bool)? {
        try lookup.first([.integer(version), .integer(parent), .text(name)]) { row in
            (row.int(0), EntryKindCode(rawValue: row.int(1)), row.int(2) != 0)
        }
    }

    private func skip(_ storedPath: String) -> Bool {
        duplicateCount += 1
        if firstDuplicate == nil { firstDuplicate = storedPath }
        return false
    }

    private func list(folder id: Int64, key: [UInt8], metahash: String?, metasize: Int64?,
                      metablocklists: [String], metablockhash: String?, storedPath: String) throws {
        try update.run([
            metahash.map { .text($0) } ?? .null, metasize.map { .integer($0) } ?? .null,
            metablocklists.isEmpty ? .null : .text(metablocklists.joined(separator: ",")),
            metablockhash.map { .text($0) } ?? .null, .text(storedPath), .integer(version), .integer(id),
        ])
        remember(key, (id, true))
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
        guard insert.changesMade else {
            // The name is taken: a folder that fell out of the cache, or something else.
            guard let existing = try stored(parent: parent, name: last), existing.kind == .folder else { return nil }
            remember(key, (existing.id, existing.listed))
            return existing.id
        }
        nextID += 1
        remember(key, (id, false))
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
        let key = kind == .folder ? Self.key(components) : []
        if kind == .folder, let known = folders[key] {
            guard !known.listed else { return skip(storedPath) }
            try list(folder: known.id, key: key, metahash: metahash, metasize: metasize,
                     metablocklists: metablocklists, metablockhash: metablockhash, storedPath: storedPath)
            return true
        }
        guard let name = components.last else { return skip(storedPath) }
        guard let parent = try folder(components.dropLast()) else { return skip(storedPath) }
        let id = nextID
        try insert.run(row(
            id: id, parent: parent, name: name, kind: kind, size: size, hash: hash, blocklists: blocklists,
            blockhash: blockhash, metahash: metahash, metasize: metasize, metablocklists: metablocklists,
            metablockhash: metablockhash, storedPath: storedPath, listed: true, listTime: listTime))
        guard insert.changesMade else {
            // Taken; unless by a synthesized folder that fell out of the cache, which this lists.
            guard kind == .folder, let existing = try stored(parent: parent, name: name),
                  existing.kind == .folder, !existing.listed else { return skip(storedPath) }
            try list(folder: existing.id, key: key, metahash: metahash, metasize: metasize,
                     metablocklists: metablocklists, metablockhash: metablockhash, storedPath: storedPath)
            return true
        }
        nextID += 1
        if kind == .folder {
            remember(key, (id, true))
        } else if kind == .file {
            fileCount += 1
            totalSize += size
        }
        return true
    }
}
