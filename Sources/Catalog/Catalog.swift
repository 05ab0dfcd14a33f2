import Foundation

/// The local index of one backup: its volumes, versions, trees, block locations and decoded
/// metadata, in an SQLite file. Safe to use from many threads (calls are serialized).
package final class Catalog: Sendable {
    private let state: Serialized

    /// The connection and its statement cache. SQLite connections are not thread-safe when opened
    /// NOMUTEX, so every use goes through `lock`; nothing else touches them.
    final class Serialized: @unchecked Sendable {
        let lock = NSLock()
        var value: State
        init(_ value: State) { self.value = value }
    }

    struct State {
        let connection: Connection
        var statements: [String: Statement] = [:]

        /// The names of folders from the root, by path id: a listing renders each child's stored
        /// path from its folder's. A bounded cache (cleared when full), never the truth.
        var folderNames: [Int64: [String]] = [:]
        static let folderNamesLimit = 4096

        mutating func statement(_ sql: String) throws(SQLiteError) -> Statement {
            if let cached = statements[sql] { return cached }
            let prepared = try connection.prepare(sql)
            statements[sql] = prepared
            return prepared
        }

        /// The names from the root to a path (empty for the root), walking up the `paths` rows
        /// without recursion.
        mutating func components(ofPath id: Int64) throws -> [String] {
            if id == 0 { return [] }
            if let known = folderNames[id] { return known }
            var reversed: [String] = []
            var current = id
            var prefix: [String] = []
            let up = try statement("SELECT parent, name FROM paths WHERE id=?")
            while current > 0 {
                if let known = folderNames[current] {
                    prefix = known
                    break
                }
                guard let (parent, name) = try up.first([.integer(current)], { ($0.int(0), $0.text(1)) }) else { break }
                reversed.append(name)
                current = parent
            }
            let names = prefix + reversed.reversed()
            if folderNames.count >= Self.folderNamesLimit { folderNames.removeAll(keepingCapacity: true) }
            folderNames[id] = names
            return names
        }
    }

    /// Opens or creates the index file. An index written by another schema version (an older
    /// dupfs's) is deleted and started anew: everything in it can be read from the backup again
    /// (see ``replacedSchema``).
    /// - Parameter path: the SQLite file.
    /// - Throws: ``SQLiteError``.
    package init(path: String) throws(SQLiteError) {
        var opened: Connection? = try Connection(path: path)
        try opened?.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")
        try opened?.execute("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);")
        let version = try? opened?.prepare("SELECT value FROM settings WHERE key='schema'").first { $0.text(0) }
        var replaced: Int?
        if let version, version != String(Self.schemaVersion) {
            // A new file rather than dropped tables: the old one's pages would stay allocated.
            // The old connection is closed first, so its closing touches no file of the new one.
            replaced = Int(version) ?? 0
            opened = nil
            opened = try Connection(path: path, replacing: true)
            try opened?.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")
        }
        guard let connection = opened else { throw SQLiteError(code: 1, function: "sqlite3_open_v2", message: "no connection") }
        try connection.execute(Self.schema)
        try connection.execute("INSERT OR REPLACE INTO settings VALUES ('schema', '\(Self.schemaVersion)')")
        replacedSchema = replaced
        state = Serialized(State(connection: connection))
    }

    /// The schema version of the index file found at ``init(path:)`` when it was not this
    /// program's, and was therefore replaced by an empty index; nil when it was kept (or new).
    package let replacedSchema: Int?

    /// Runs `body` with exclusive access to the database.
    func withState<T>(_ body: (inout State) throws -> T) throws -> T {
        state.lock.lock()
        defer { state.lock.unlock() }
        return try body(&state.value)
    }

    /// Runs `body` in one transaction: all of it is stored, or none.
    func transaction<T>(_ body: (inout State) throws -> T) throws -> T {
        try withState { state in
            try state.connection.execute("BEGIN IMMEDIATE")
            do {
                let result = try body(&state)
                try state.connection.execute("COMMIT")
                return result
            } catch {
                try? state.connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: Settings

    /// A stored setting.
    /// - Parameter key: its name.
    /// - Returns: the value, or nil.
    package func setting(_ key: String) throws -> String? {
        try withState { try $0.statement("SELECT value FROM settings WHERE key=?").first([.text(key)]) { $0.text(0) } }
    }

    /// Stores a setting.
    package func setSetting(_ key: String, _ value: String) throws {
        try withState { try $0.statement("INSERT OR REPLACE INTO settings VALUES (?, ?)").run([.text(key), .text(value)]) }
    }

    // MARK: Volumes

    /// Every known volume.
    package func volumes() throws -> [VolumeRecord] {
        try withState { state in
            var result: [VolumeRecord] = []
            try state.statement("SELECT id, name, kind, size, state FROM volumes ORDER BY name").forEach { row in
                result.append(Self.volume(row))
            }
            return result
        }
    }

    /// One volume by its id.
    package func volume(id: Int64) throws -> VolumeRecord? {
        try withState { try $0.statement("SELECT id, name, kind, size, state FROM volumes WHERE id=?").first([.integer(id)], Self.volume) }
    }

    private static func volume(_ row: Statement) -> VolumeRecord {
        VolumeRecord(
            id: row.int(0), name: row.text(1), kind: row.text(2), size: row.int(3),
            state: VolumeRecord.State(rawValue: row.int(4)) ?? .pending)
    }

    /// Makes the volume table match a fresh listing: new files are added as pending; files that
    /// vanished or changed size are dropped with everything read from them.
    /// - Parameter listing: name, kind and size of every volume of the backup.
    /// - Returns: whether anything changed.
    @discardableResult
    package func synchronizeVolumes(_ listing: [(name: String, kind: String, size: Int64)]) throws -> Bool {
        try transaction { state in
            var known: [String: VolumeRecord] = [:]
            try state.statement("SELECT id, name, kind, size, state FROM volumes").forEach { row in
                let v = Self.volume(row)
                known[v.name] = v
            }
            var changed = false
            var wanted = Set<String>()
            for item in listing {
                wanted.insert(item.name)
                if let existing = known[item.name] {
                    if existing.size == item.size && existing.kind == item.kind { continue }
                    try Self.dropVolume(existing.id, &state)
                }
                try state.statement("INSERT INTO volumes (name, kind, size, state) VALUES (?, ?, ?, 0)")
                    .run([.text(item.name), .text(item.kind), .integer(item.size)])
                changed = true
            }
            for (name, record) in known where !wanted.contains(name) {
                try Self.dropVolume(record.id, &state)
                changed = true
            }
            return changed
        }
    }

    private static func dropVolume(_ id: Int64, _ state: inout State) throws {
        try dropVersion(ofVolume: id, &state)
        try state.statement("DELETE FROM blocks WHERE volume=?").run([.integer(id)])
        try state.statement("DELETE FROM volumes WHERE id=?").run([.integer(id)])
    }

    /// Forgets the version read from a dlist, with its tree and skipped entries.
    private static func dropVersion(ofVolume id: Int64, _ state: inout State) throws {
        guard let version = try state.statement("SELECT id FROM versions WHERE volume=?").first([.integer(id)], { $0.int(0) })
        else { return }
        try dropUnsharedEntries(of: version, &state)
        try clearVersion(version, &state)
        try state.statement("DELETE FROM versions WHERE id=?").run([.integer(version)])
    }

    /// Forgets a version's tree and skipped entries (its entries stay for other versions).
    private static func clearVersion(_ version: Int64, _ state: inout State) throws {
        if let slot = try state.statement("SELECT slot FROM versions WHERE id=?").first([.integer(version)], { $0.optionalInt(0) }) ?? nil {
            try state.statement("DELETE FROM members WHERE slot=?").run([.integer(slot)])
            try state.statement("DELETE FROM member_entries WHERE slot=?").run([.integer(slot)])
            try state.statement("UPDATE versions SET slot=NULL WHERE id=?").run([.integer(version)])
        }
        try state.statement("DELETE FROM skipped WHERE version=?").run([.integer(version)])
    }

    /// Makes every volume marked failed pending again, so that this run reads it once more: a
    /// volume that failed its checks because a download was damaged on the way must not stay
    /// unread for good (one that is really damaged fails again and is marked again).
    package func retryFailedVolumes() throws {
        try withState {
            try $0.statement("UPDATE volumes SET state=? WHERE state=?")
                .run([.integer(VolumeRecord.State.pending.rawValue), .integer(VolumeRecord.State.failed.rawValue)])
        }
    }

    package func setVolumeState(_ id: Int64, _ newState: VolumeRecord.State) throws {
        try withState { try $0.statement("UPDATE volumes SET state=? WHERE id=?").run([.integer(newState.rawValue), .integer(id)]) }
    }

    // MARK: Versions

    /// Every known version, newest first: those whose file list was read, and those only known
    /// by their dlist's name so far (``registerVersions(_:)``).
    package func versions() throws -> [VersionRecord] {
        try withState { state in
            var result: [VersionRecord] = []
            try state.statement("""
                SELECT versions.id, versions.volume, volumes.name, time, full, files, bytes, skipped, damage, volumes.state
                FROM versions JOIN volumes ON volumes.id = versions.volume
                ORDER BY time DESC, volumes.name DESC
                """).forEach { row in
                result.append(VersionRecord(
                    id: row.int(0), volumeID: row.int(1), volumeName: row.text(2), time: row.int(3),
                    isFullBackup: row.int(4) != 0, fileCount: row.int(5), totalSize: row.int(6),
                    skippedCount: row.int(7), damage: row.optionalText(8),
                    fileListRead: row.int(9) != VolumeRecord.State.pending.rawValue))
            }
            return result
        }
    }

    /// Makes every dlist a version before its file list is read, from what its name says: so
    /// that every version is known (and numbered) at once, and each list is read only when its
    /// version is first needed. A dlist already known keeps its version.
    /// - Parameter lists: the dlist volume names, with the backup time each names (Unix seconds).
    package func registerVersions(_ lists: [(name: String, time: Int64)]) throws {
        guard !lists.isEmpty else { return }
        try transaction { state in
            let insert = try state.statement("""
                INSERT OR IGNORE INTO versions (volume, time, full, files, bytes)
                SELECT id, ?, 1, 0, 0 FROM volumes WHERE name=? AND kind='dlist'
                """)
            for list in lists { try insert.run([.integer(list.time), .text(list.name)]) }
        }
    }

    /// Stores a version and its whole tree in one transaction (replacing what an earlier read of
    /// the same dlist stored; the version keeps its id), and marks its dlist indexed; or failed,
    /// when the builder was told the list is damaged (``VersionBuilder/markDamaged(_:)``): the
    /// version is kept with what could be read, and the next run reads the dlist again.
    /// - Parameters:
    ///   - volumeID: the dlist's volume.
    ///   - time: the backup time, Unix seconds.
    ///   - isFullBackup: false for a partial backup.
    ///   - folderCacheLimit: folder paths the builder keeps in memory at most (others are looked
    ///     up in the rows already written); the default suits any list.
    ///   - fill: adds the entries through the builder; throwing stores nothing.
    package func storeVersion(
        volumeID: Int64, time: Int64, isFullBackup: Bool,
        folderCacheLimit: Int = VersionBuilder.defaultFolderCacheLimit, fill: (VersionBuilder) throws -> Void
    ) throws {
        try transaction { state in
            let version: Int64
            if let known = try state.statement("SELECT id FROM versions WHERE volume=?").first([.integer(volumeID)], { $0.int(0) }) {
                version = known
                try Self.clearVersion(version, &state)
                try state.statement("UPDATE versions SET time=?, full=?, files=0, bytes=0, skipped=0, damage=NULL WHERE id=?")
                    .run([.integer(time), .integer(isFullBackup ? 1 : 0), .integer(version)])
            } else {
                try state.statement("INSERT INTO versions (volume, time, full, files, bytes) VALUES (?, ?, ?, 0, 0)")
                    .run([.integer(volumeID), .integer(time), .integer(isFullBackup ? 1 : 0)])
                version = state.connection.lastInsertRowID
            }
            try state.connection.execute(Self.stagingSchema)
            let builder = VersionBuilder(version: version, statements: VersionBuilder.Statements(
                connection: state.connection,
                findPath: try state.statement("SELECT id FROM paths WHERE parent=? AND name=?"),
                addPath: try state.statement("INSERT INTO paths (parent, name) VALUES (?, ?)"),
                findEntry: try state.statement("""
                    SELECT id FROM entries WHERE path=? AND kind=? AND size=? AND hash IS ? AND blocklists IS ?
                    AND blockhash IS ? AND metahash IS ? AND metasize IS ? AND metablocklists IS ? AND metablockhash IS ?
                    AND spelling IS ? AND listed=? AND listtime IS ? LIMIT 1
                    """),
                addEntry: try state.statement(
                    "INSERT INTO entries (\(EntryContent.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                stage: try state.statement("INSERT OR IGNORE INTO temp.stage (pos, path, entry, kind, listed) VALUES (?, ?, ?, ?, ?)"),
                staged: try state.statement("SELECT pos, kind, listed, entry FROM temp.stage WHERE path=?"),
                restage: try state.statement("UPDATE temp.stage SET entry=?, listed=1 WHERE pos=?"),
                skip: try state.statement("INSERT INTO skipped (version, seq, path, location, reason) VALUES (?, ?, ?, ?, ?)")),
                folderCacheLimit: folderCacheLimit)
            try builder.start()
            try fill(builder)
            try Self.storeMembers(version: version, &state)
            try state.connection.execute("DELETE FROM temp.stage; DELETE FROM temp.runs;")
            try state.statement("UPDATE versions SET files=?, bytes=?, skipped=?, damage=? WHERE id=?").run([
                .integer(builder.fileCount), .integer(builder.totalSize), .integer(Int64(builder.skippedCount)),
                builder.damage.map { .text($0) } ?? .null, .integer(version),
            ])
            let volumeState = builder.damage == nil ? VolumeRecord.State.indexed : .failed
            try state.statement("UPDATE volumes SET state=? WHERE id=?").run([.integer(volumeState.rawValue), .integer(volumeID)])
        }
    }

    /// Writes the staged positions of a version as runs: positions `pos ..< pos+count` hold
    /// entries `entry ..< entry+count`.
    private static func storeMembers(version: Int64, _ state: inout State) throws {
        let slot = try state.statement("SELECT ifnull(MAX(slot), 0) + 1 FROM versions").first { $0.int(0) } ?? 1
        try state.statement("UPDATE versions SET slot=? WHERE id=?").run([.integer(slot), .integer(version)])
        let insert = try state.statement("INSERT INTO members (slot, pos, entry, count) VALUES (?, ?, ?, ?)")
        let byEntry = try state.statement("INSERT INTO temp.runs (entry, pos, count) VALUES (?, ?, ?)")
        func store(_ run: (pos: Int64, entry: Int64, count: Int64)) throws {
            let count: SQLValue = run.count == 1 ? .null : .integer(run.count)
            try insert.run([.integer(slot), .integer(run.pos), .integer(run.entry), count])
            try byEntry.run([.integer(run.entry), .integer(run.pos), count])
        }
        var run: (pos: Int64, entry: Int64, count: Int64)?
        try state.statement("SELECT pos, entry FROM temp.stage ORDER BY pos").forEach { row in
            let pos = row.int(0), entry = row.int(1)
            if let current = run, current.pos + current.count == pos, current.entry + current.count == entry {
                run?.count += 1
                return
            }
            if let done = run { try store(done) }
            run = (pos, entry, 1)
        }
        if let done = run { try store(done) }
        // In entry order: appended at the end of that tree too.
        try state.statement("INSERT INTO member_entries (slot, entry, pos, count) SELECT ?, entry, pos, count FROM temp.runs ORDER BY entry")
            .run([.integer(slot)])
    }

    // MARK: Entries

    /// One entry by its id (its position in the version's list).
    package func entry(version: Int64, id: Int64) throws -> EntryRecord? {
        try entryWithMetadata(version: version, id: id)?.entry
    }

    /// The child of a folder with this exact name (byte-exact, no normalization).
    package func child(version: Int64, parent: Int64, name: String) throws -> EntryRecord? {
        try childWithMetadata(version: version, parent: parent, name: name)?.entry
    }

    /// A folder's children sorted by name, optionally a page of them.
    /// - Parameters:
    ///   - after: return only names sorting after this one (for paging).
    ///   - limit: at most this many.
    package func children(version: Int64, parent: Int64, after: String? = nil, limit: Int = Int.max) throws -> [EntryRecord] {
        try childrenWithMetadata(version: version, parent: parent, after: after, limit: limit).map(\.entry)
    }

    // MARK: Blocks

    /// Records that a volume holds these blocks.
    /// - Parameters:
    ///   - blocks: base64 hash and stored size of each block.
    ///   - volumeID: the dblock.
    ///   - fromDirectory: true when read from the dblock's zip directory itself.
    package func addBlocks(_ blocks: [(hash: String, size: Int64)], volumeID: Int64, fromDirectory: Bool) throws {
        try transaction { state in
            let insert = try state.statement(fromDirectory
                ? "INSERT OR REPLACE INTO blocks (hash, volume, size, directory) VALUES (?, ?, ?, 1)"
                : "INSERT OR IGNORE INTO blocks (hash, volume, size, directory) VALUES (?, ?, ?, 0)")
            for block in blocks {
                try insert.run([StoredHash.value(block.hash), .integer(volumeID), .integer(block.size)])
            }
        }
    }

    /// Replaces what a dindex (or an earlier read of the directory) claimed about a dblock with
    /// the dblock's own directory. Claims the directory does not confirm are kept as doubted
    /// (``BlockLocation/doubted``, `directory` -1), tried only when nothing else holds the block:
    /// a dblock never changes, so a claim only one of two reads makes means one read was damaged.
    package func replaceBlocksFromDirectory(_ blocks: [(hash: String, size: Int64)], volumeID: Int64) throws {
        try transaction { state in
            try state.statement("UPDATE blocks SET directory=-1 WHERE volume=?").run([.integer(volumeID)])
            let insert = try state.statement("INSERT OR REPLACE INTO blocks (hash, volume, size, directory) VALUES (?, ?, ?, 1)")
            for block in blocks {
                try insert.run([StoredHash.value(block.hash), .integer(volumeID), .integer(block.size)])
            }
        }
    }

    /// Every volume said to hold a block: directory-verified ones first, doubted ones last.
    package func locations(of hash: String) throws -> [BlockLocation] {
        try withState { state in
            var result: [BlockLocation] = []
            try state.statement("""
                SELECT blocks.volume, volumes.name, blocks.size, blocks.directory FROM blocks
                JOIN volumes ON volumes.id = blocks.volume WHERE blocks.hash=? ORDER BY blocks.directory DESC, volumes.name
                """).forEach([StoredHash.value(hash)]) { row in
                let source = row.int(3)
                result.append(BlockLocation(
                    volumeID: row.int(0), volumeName: row.text(1), size: row.int(2), fromDirectory: source == 1, doubted: source < 0))
            }
            return result
        }
    }

    /// dblocks whose own zip directory has not been read into the index.
    package func volumesWithoutDirectory() throws -> [VolumeRecord] {
        try withState { state in
            var result: [VolumeRecord] = []
            try state.statement("""
                SELECT id, name, kind, size, state FROM volumes WHERE kind='dblock'
                AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocks.volume = volumes.id AND blocks.directory = 1)
                ORDER BY name
                """).forEach { result.append(Self.volume($0)) }
            return result
        }
    }

    /// dblocks that no block row mentions at all (no dindex described them).
    package func volumesWithoutBlocks() throws -> [VolumeRecord] {
        try withState { state in
            var result: [VolumeRecord] = []
            try state.statement("""
                SELECT id, name, kind, size, state FROM volumes WHERE kind='dblock'
                AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocks.volume = volumes.id) ORDER BY name
                """).forEach { result.append(Self.volume($0)) }
            return result
        }
    }

    /// Stores a verified blocklist copy (from a dindex `list/` entry).
    package func addBlocklist(hash: String, content: [UInt8]) throws {
        try withState { try $0.statement("INSERT OR IGNORE INTO blocklists VALUES (?, ?)").run([StoredHash.value(hash), .blob(content)]) }
    }

    /// A stored blocklist copy.
    package func blocklist(hash: String) throws -> [UInt8]? {
        try withState { try $0.statement("SELECT content FROM blocklists WHERE hash=?").first([StoredHash.value(hash)]) { $0.blob(0) } }
    }

    // MARK: Metadata

    /// Decoded metadata for a metadata hash, when cached.
    package func metadata(hash: String) throws -> MetadataRecord? {
        try withState { state in
            try state.statement("SELECT mode, uid, gid, mtime, mtimensec, owner, grp, target, xattrs, winattrs FROM metadata WHERE hash=?")
                .first([StoredHash.value(hash)]) { row in Self.metadataRecord(row, from: 0) }
        }
    }

    /// Decodes the metadata columns `mode, uid, gid, mtime, mtimensec, owner, grp, target,
    /// xattrs`, in that order, starting at column `first`.
    static func metadataRecord(_ row: Statement, from first: Int32) -> MetadataRecord {
        MetadataRecord(
            mode: row.optionalInt(first).map { UInt32(truncatingIfNeeded: $0) },
            uid: row.optionalInt(first + 1).map { UInt32(truncatingIfNeeded: $0) },
            gid: row.optionalInt(first + 2).map { UInt32(truncatingIfNeeded: $0) },
            mtimeSeconds: row.optionalInt(first + 3), mtimeNanoseconds: row.optionalInt(first + 4).map { Int32(truncatingIfNeeded: $0) },
            ownerName: row.optionalText(first + 5), groupName: row.optionalText(first + 6), symlinkTarget: row.optionalText(first + 7),
            extendedAttributeCount: Int(clamping: row.int(first + 8)), windowsAttributes: row.optionalText(first + 9))
    }

    /// Caches decoded metadata with its extended attributes (replacing what was stored for
    /// the hash).
    /// - Parameters:
    ///   - hash: the metadata hash.
    ///   - record: the decoded attributes; its ``MetadataRecord/extendedAttributeCount`` is
    ///     ignored: the count of `extendedAttributes` is stored.
    ///   - extendedAttributes: the blob's extended attributes, in order.
    package func storeMetadata(hash: String, _ record: MetadataRecord, extendedAttributes: [ExtendedAttributeRecord] = []) throws {
        try storeMetadata([(hash, record, extendedAttributes)])
    }
}
