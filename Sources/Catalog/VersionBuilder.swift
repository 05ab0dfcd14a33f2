/// Assembles one version's tree while its file list streams in: synthesizes missing ancestor
/// folders, keeps the first of duplicate paths, and counts files and bytes.
///
/// Memory does not grow with the list: rows go straight to the database, and the folder ids it
/// remembers are a bounded cache (`folderCacheLimit`) in front of the rows already stored, so a
/// list of a million folders costs no more than one of a thousand. Folders are found one
/// component at a time, keyed by (parent id, name), without recursion: a path's cost grows with
/// its depth, never with its square, and paths deeper than ``maximumDepth`` are refused.
/// Entries left out (duplicates, entries under a non-folder, and those the caller skips with
/// ``skip(storedPath:components:reason:)``) are stored as rows of their own, so every later
/// command can report them.
///
/// Only used inside ``Catalog/storeVersion(volumeID:time:isFullBackup:folderCacheLimit:fill:)``.
package final class VersionBuilder {
    /// How many folder paths ``Catalog/storeVersion(volumeID:time:isFullBackup:folderCacheLimit:fill:)``
    /// keeps in memory by default (a few MiB at most).
    package static let defaultFolderCacheLimit = 16_384
    /// The most components a path may have below the version's root. Linux's `PATH_MAX` (4096
    /// bytes) allows at most 2048; deeper entries are skipped.
    package static let maximumDepth = 4096

    /// The version being built.
    package let version: Int64
    /// Files added so far.
    package private(set) var fileCount: Int64 = 0
    /// Sum of file sizes so far (stops at `Int64.max`).
    package private(set) var totalSize: Int64 = 0
    /// Entries skipped because their path was already taken (or a parent is not a folder).
    package private(set) var duplicateCount = 0
    /// The stored path of the first duplicate, for the log.
    package private(set) var firstDuplicate: String?
    /// Every entry left out of the tree, duplicates included.
    package private(set) var skippedCount = 0
    /// The first entry left out, for the log.
    package private(set) var firstSkipped: SkippedEntry?
    /// Why the list could not be read to the end; nil while it could.
    package private(set) var damage: String?
    /// Folders currently remembered; never more than the cache limit.
    package var cachedFolderCount: Int { folders.count }
    /// How many times the folder cache was full and started over.
    package private(set) var folderCacheResets = 0

    private let insert: Statement
    private let update: Statement
    private let lookup: Statement
    private let recordSkip: Statement
    private let folderCacheLimit: Int
    private var nextID: Int64 = 1
    private var rootListed = false
    /// A folder by its parent's id and its name, to its id and whether listed. Names as bytes,
    /// not `String`: Swift compares strings by canonical equivalence, which would merge NFC and
    /// NFD twins that are different folders on disk. Only a cache: the rows are the truth, and a
    /// folder missing here is looked up there.
    private var folders: [FolderKey: (id: Int64, listed: Bool)] = [:]

    private struct FolderKey: Hashable {
        let parent: Int64
        let name: [UInt8]

        init(_ parent: Int64, _ name: String) {
            self.parent = parent
            self.name = Array(name.utf8)
        }
    }

    /// - Parameters:
    ///   - insert: `INSERT OR IGNORE` of one entry row (all columns, in table order).
    ///   - update: lists a synthesized folder: metadata columns, path, then version and id.
    ///   - lookup: `id, kind, listed` of the entry with this version, parent and name.
    ///   - skip: inserts a skipped entry: version, sequence, path, location, reason.
    ///   - folderCacheLimit: folders remembered at most (at least 1).
    init(version: Int64, insert: Statement, update: Statement, lookup: Statement, skip: Statement, folderCacheLimit: Int) {
        self.version = version
        self.insert = insert
        self.update = update
        self.lookup = lookup
        self.recordSkip = skip
        self.folderCacheLimit = max(1, folderCacheLimit)
    }

    func start() throws {
        try insert.run(row(id: 0, parent: 0, name: "", kind: .folder, size: 0, storedPath: "", listed: false))
    }

    /// Records that the list could not be read past some point (or at all): the version keeps
    /// what was added, is shown as damaged, and its dlist is read again by the next run.
    /// - Parameter reason: what went wrong, for the user.
    package func markDamaged(_ reason: String) {
        if damage == nil { damage = reason }
    }

    /// Leaves an entry out of the tree and records why.
    /// - Parameters:
    ///   - storedPath: its path as stored (as far as it could be read).
    ///   - components: where it would have been; nil when its path says nothing usable.
    ///   - reason: why, for the user.
    package func skip(storedPath: String, components: [String]?, reason: String) throws {
        skippedCount += 1
        let location = components.map { "/" + $0.joined(separator: "/") }
        if firstSkipped == nil { firstSkipped = SkippedEntry(path: storedPath, location: location, reason: reason) }
        try recordSkip.run([
            .integer(version), .integer(Int64(skippedCount)), .text(storedPath),
            location.map { .text($0) } ?? .null, .text(reason),
        ])
    }

    /// Remembers a folder; when the cache is full it starts over (input is usually sorted, so
    /// the folders needed next are re-read once from the rows).
    private func remember(_ key: FolderKey, _ value: (id: Int64, listed: Bool)) {
        if folders[key] == nil && folders.count >= folderCacheLimit {
            folders.removeAll(keepingCapacity: true)
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

    private func conflict(_ storedPath: String, _ components: [String], _ reason: String) throws -> Bool {
        duplicateCount += 1
        if firstDuplicate == nil { firstDuplicate = storedPath }
        try skip(storedPath: storedPath, components: components, reason: reason)
        return false
    }

    private func list(folder id: Int64, metahash: String?, metasize: Int64?, metablocklists: [String],
                      metablockhash: String?, storedPath: String) throws {
        try update.run([
            metahash.map { .text($0) } ?? .null, metasize.map { .integer($0) } ?? .null,
            metablocklists.isEmpty ? .null : .text(metablocklists.joined(separator: ",")),
            metablockhash.map { .text($0) } ?? .null, .text(storedPath), .integer(version), .integer(id),
        ])
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

    /// The id of the folder at `components`, creating unlisted folders as needed, one component
    /// at a time from the root; nil when a non-folder already holds one of those names.
    private func folder(_ components: ArraySlice<String>) throws -> Int64? {
        var parent: Int64 = 0
        for name in components {
            let key = FolderKey(parent, name)
            if let known = folders[key] {
                parent = known.id
                continue
            }
            let id = nextID
            try insert.run(row(id: id, parent: parent, name: name, kind: .folder, size: 0, storedPath: "", listed: false))
            if insert.changesMade {
                nextID += 1
                remember(key, (id, false))
                parent = id
                continue
            }
            // The name is taken: a folder that fell out of the cache, or something else.
            guard let existing = try stored(parent: parent, name: name), existing.kind == .folder else { return nil }
            remember(key, (existing.id, existing.listed))
            parent = existing.id
        }
        return parent
    }

    /// Adds one listed entry.
    /// - Parameters:
    ///   - components: the path under the version (see `SourcePath`); empty for the root.
    ///   - kind: folder, file or symlink.
    ///   - size: the content length; at least 0.
    /// - Returns: false when the entry was skipped (its path was taken, a parent is not a
    ///   folder, or it is deeper than ``maximumDepth``); the skip is recorded.
    @discardableResult
    package func add(
        components: [String], kind: EntryKindCode, size: Int64, hash: String?, blocklists: [String],
        blockhash: String?, metahash: String?, metasize: Int64?, metablocklists: [String], metablockhash: String?,
        storedPath: String, listTime: Int64?
    ) throws -> Bool {
        guard components.count <= Self.maximumDepth else {
            try skip(storedPath: storedPath, components: components,
                     reason: "its path has \(components.count) levels, more than the \(Self.maximumDepth) allowed")
            return false
        }
        guard let name = components.last else {
            guard kind == .folder, !rootListed else { return try conflict(storedPath, components, "the root is listed twice") }
            try list(folder: 0, metahash: metahash, metasize: metasize, metablocklists: metablocklists,
                     metablockhash: metablockhash, storedPath: storedPath)
            rootListed = true
            return true
        }
        guard let parent = try folder(components.dropLast()) else {
            return try conflict(storedPath, components, "a folder above it is a file or symlink in this version")
        }
        let key = FolderKey(parent, name)
        if kind == .folder, let known = folders[key] {
            guard !known.listed else { return try conflict(storedPath, components, "its path is listed twice (the first is kept)") }
            try list(folder: known.id, metahash: metahash, metasize: metasize, metablocklists: metablocklists,
                     metablockhash: metablockhash, storedPath: storedPath)
            remember(key, (known.id, true))
            return true
        }
        let id = nextID
        try insert.run(row(
            id: id, parent: parent, name: name, kind: kind, size: size, hash: hash, blocklists: blocklists,
            blockhash: blockhash, metahash: metahash, metasize: metasize, metablocklists: metablocklists,
            metablockhash: metablockhash, storedPath: storedPath, listed: true, listTime: listTime))
        guard insert.changesMade else {
            // Taken; unless by a synthesized folder that fell out of the cache, which this lists.
            guard kind == .folder, let existing = try stored(parent: parent, name: name),
                  existing.kind == .folder, !existing.listed
            else { return try conflict(storedPath, components, "its path is listed twice (the first is kept)") }
            try list(folder: existing.id, metahash: metahash, metasize: metasize, metablocklists: metablocklists,
                     metablockhash: metablockhash, storedPath: storedPath)
            remember(key, (existing.id, true))
            return true
        }
        nextID += 1
        if kind == .folder {
            remember(key, (id, true))
        } else if kind == .file {
            fileCount += 1
            // Sizes come from the file list: a sum of hostile values must not trap.
            let (sum, overflow) = totalSize.addingReportingOverflow(max(0, size))
            totalSize = overflow ? Int64.max : sum
        }
        return true
    }
}
