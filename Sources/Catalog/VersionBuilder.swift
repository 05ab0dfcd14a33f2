/// Assembles one version's tree while its file list streams in: synthesizes missing ancestor
/// folders, keeps the first of duplicate paths, and counts files and bytes.
///
/// Each entry gets its position in the list (the root is 0, a synthesized folder the next
/// position when first needed): that position is the entry's id within the version, so it
/// depends on the backup alone, never on which versions were indexed before. Its path is found
/// (or added) once per distinct (parent, name), and its content once per distinct entry: an
/// entry that earlier versions already hold is only referred to. The version's membership is
/// written at the end as runs of consecutive positions holding consecutive entries.
///
/// Memory does not grow with the list: positions are staged in a temporary table, and the
/// folders it remembers are a bounded cache (`folderCacheLimit`) in front of that table. Folders
/// are found one component at a time, keyed by (parent path, name), without recursion: a path's
/// cost grows with its depth, never with its square, and paths deeper than ``maximumDepth`` are
/// refused. Entries left out (duplicates, entries under a non-folder, and those the caller skips
/// with ``skip(storedPath:components:reason:)``) are stored as rows of their own, so every later
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
    /// Entries of this version that earlier versions had already stored.
    package private(set) var sharedEntries = 0

    private let statements: Statements
    private let folderCacheLimit: Int
    private var nextPosition: Int64 = 1
    private var rootListed = false
    /// A folder by its parent's path id and its name, to its path id, position and whether
    /// listed. Names as bytes, not `String`: Swift compares strings by canonical equivalence,
    /// which would merge NFC and NFD twins that are different folders on disk. Only a cache: the
    /// staged rows are the truth, and a folder missing here is looked up there.
    private var folders: [FolderKey: Folder] = [:]

    private struct FolderKey: Hashable {
        let parent: Int64
        let name: [UInt8]

        init(_ parent: Int64, _ name: String) {
            self.parent = parent
            self.name = Array(name.utf8)
        }
    }

    private struct Folder {
        let path: Int64
        let position: Int64
        var listed: Bool
    }

    /// The prepared statements the builder runs, all inside the caller's transaction.
    struct Statements {
        let connection: Connection
        /// `id` of the path with this parent and name.
        let findPath: Statement
        /// Adds a path: parent, name.
        let addPath: Statement
        /// `id` of the entry with exactly this content (the columns of ``EntryContent``).
        let findEntry: Statement
        /// Adds an entry with this content.
        let addEntry: Statement
        /// Stages a position: pos, path, entry, kind, listed (ignored when the path is taken).
        let stage: Statement
        /// `pos, kind, listed, entry` of the staged path.
        let staged: Statement
        /// Replaces a staged position's entry with a listed one: entry, pos.
        let restage: Statement
        /// Inserts a skipped entry: version, sequence, path, location, reason.
        let skip: Statement
    }

    /// - Parameters:
    ///   - statements: what to run.
    ///   - folderCacheLimit: folders remembered at most (at least 1).
    init(version: Int64, statements: Statements, folderCacheLimit: Int) {
        self.version = version
        self.statements = statements
        self.folderCacheLimit = max(1, folderCacheLimit)
    }

    func start() throws {
        let root = try entryID(EntryContent(path: 0, kind: .folder))
        try statements.stage.run([.integer(0), .integer(0), .integer(root), .integer(EntryKindCode.folder.rawValue), .integer(0)])
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
        try statements.skip.run([
            .integer(version), .integer(Int64(skippedCount)), .text(storedPath),
            location.map { .text($0) } ?? .null, .text(reason),
        ])
    }

    /// Remembers a folder; when the cache is full it starts over (input is usually sorted, so
    /// the folders needed next are re-read once from the staged rows).
    private func remember(_ key: FolderKey, _ value: Folder) {
        if folders[key] == nil && folders.count >= folderCacheLimit {
            folders.removeAll(keepingCapacity: true)
            folderCacheResets += 1
        }
        folders[key] = value
    }

    /// The id of the path (parent, name), added when new.
    private func pathID(parent: Int64, name: String) throws -> Int64 {
        if let known = try statements.findPath.first([.integer(parent), .text(name)], { $0.int(0) }) { return known }
        try statements.addPath.run([.integer(parent), .text(name)])
        return statements.connection.lastInsertRowID
    }

    /// The id of the entry with this content, added when no version stored it before.
    private func entryID(_ content: EntryContent) throws -> Int64 {
        let values = content.values
        if let known = try statements.findEntry.first(values, { $0.int(0) }) {
            sharedEntries += 1
            return known
        }
        try statements.addEntry.run(values)
        return statements.connection.lastInsertRowID
    }

    /// What is staged at a path of this version.
    private func staged(path: Int64) throws -> (position: Int64, kind: EntryKindCode?, listed: Bool)? {
        try statements.staged.first([.integer(path)]) { row in
            (row.int(0), EntryKindCode(rawValue: row.int(1)), row.int(2) != 0)
        }
    }

    private func conflict(_ storedPath: String, _ components: [String], _ reason: String) throws -> Bool {
        duplicateCount += 1
        if firstDuplicate == nil { firstDuplicate = storedPath }
        try skip(storedPath: storedPath, components: components, reason: reason)
        return false
    }

    /// Lists a synthesized folder: its position now holds the listed entry.
    private func list(position: Int64, _ content: EntryContent) throws {
        try statements.restage.run([.integer(try entryID(content)), .integer(position)])
    }

    /// The path id of the folder at `components`, staging unlisted folders as needed, one
    /// component at a time from the root; nil when a non-folder already holds one of those names.
    private func folder(_ components: ArraySlice<String>) throws -> Int64? {
        var parent: Int64 = 0
        for name in components {
            let key = FolderKey(parent, name)
            if let known = folders[key] {
                parent = known.path
                continue
            }
            let path = try pathID(parent: parent, name: name)
            if let existing = try staged(path: path) {
                guard existing.kind == .folder else { return nil }
                remember(key, Folder(path: path, position: existing.position, listed: existing.listed))
            } else {
                let entry = try entryID(EntryContent(path: path, kind: .folder))
                try statements.stage.run([
                    .integer(nextPosition), .integer(path), .integer(entry), .integer(EntryKindCode.folder.rawValue), .integer(0),
                ])
                remember(key, Folder(path: path, position: nextPosition, listed: false))
                nextPosition += 1
            }
            parent = path
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
        func content(_ path: Int64) -> EntryContent {
            EntryContent(
                path: path, kind: kind, size: size, hash: hash, blocklists: blocklists, blockhash: blockhash,
                metahash: metahash, metasize: metasize, metablocklists: metablocklists, metablockhash: metablockhash,
                spelling: Spelling.code(storedPath, components: components, isFolder: kind == .folder),
                listed: true, listTime: listTime)
        }
        guard let name = components.last else {
            guard kind == .folder, !rootListed else { return try conflict(storedPath, components, "the root is listed twice") }
            try list(position: 0, content(0))
            rootListed = true
            return true
        }
        guard let parent = try folder(components.dropLast()) else {
            return try conflict(storedPath, components, "a folder above it is a file or symlink in this version")
        }
        let key = FolderKey(parent, name)
        if kind == .folder, let known = folders[key] {
            guard !known.listed else { return try conflict(storedPath, components, "its path is listed twice (the first is kept)") }
            try list(position: known.position, content(known.path))
            remember(key, Folder(path: known.path, position: known.position, listed: true))
            return true
        }
        let path = try pathID(parent: parent, name: name)
        if let existing = try staged(path: path) {
            // Taken; unless by a synthesized folder that fell out of the cache, which this lists.
            guard kind == .folder, existing.kind == .folder, !existing.listed
            else { return try conflict(storedPath, components, "its path is listed twice (the first is kept)") }
            try list(position: existing.position, content(path))
            remember(key, Folder(path: path, position: existing.position, listed: true))
            return true
        }
        let entry = try entryID(content(path))
        try statements.stage.run([.integer(nextPosition), .integer(path), .integer(entry), .integer(kind.rawValue), .integer(1)])
        if kind == .folder {
            remember(key, Folder(path: path, position: nextPosition, listed: true))
        } else if kind == .file {
            fileCount += 1
            // Sizes come from the file list: a sum of hostile values must not trap.
            let (sum, overflow) = totalSize.addingReportingOverflow(max(0, size))
            totalSize = overflow ? Int64.max : sum
        }
        nextPosition += 1
        return true
    }
}
