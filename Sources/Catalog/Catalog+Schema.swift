extension Catalog {
    /// Bumped whenever the schema changes; an index of another schema is rebuilt from scratch
    /// (see ``Catalog/init(path:)`` and ``Catalog/replacedSchema``).
    package static let schemaVersion = 5

    /// The layout. A version's tree is not stored row by row: `paths` holds each distinct
    /// (parent, name) once, `entries` each distinct entry (a path with one content: kind, size,
    /// hashes, metadata) once however many versions hold it, and `members` says which entries a
    /// version holds as runs: positions `pos ..< pos+count` of the version's file list are entries
    /// `entry ..< entry+count` (`count` NULL for 1). Versions that share most of their entries
    /// share the rows, and consecutive entries of a list that were first stored together cost one
    /// run between them. `member_entries` holds the same runs keyed by entry (is an entry in a
    /// version, and where). Both are keyed by the version's `slot`, given when its list is stored
    /// (one more than any before), so that each list's runs are appended at the end of both trees
    /// in key order and fill their pages, whatever order versions are read in. Path and entry ids
    /// are never reused (`AUTOINCREMENT`): entries only one dropped version held are deleted,
    /// and another connection may still have a folder's names cached by its path id.
    /// Hashes are stored as blobs of their bytes (text only when a value is not canonical base64).
    static let schema = """
        CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS volumes (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
            size INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS versions (
            id INTEGER PRIMARY KEY, volume INTEGER NOT NULL UNIQUE, time INTEGER NOT NULL,
            full INTEGER NOT NULL, files INTEGER NOT NULL, bytes INTEGER NOT NULL,
            skipped INTEGER NOT NULL DEFAULT 0, damage TEXT, slot INTEGER UNIQUE);
        CREATE TABLE IF NOT EXISTS paths (id INTEGER PRIMARY KEY AUTOINCREMENT, parent INTEGER NOT NULL, name TEXT NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS paths_by_parent ON paths (parent, name);
        INSERT OR IGNORE INTO paths (id, parent, name) VALUES (0, -1, '');
        CREATE TABLE IF NOT EXISTS entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT, path INTEGER NOT NULL, kind INTEGER NOT NULL, size INTEGER NOT NULL,
            hash, blocklists, blockhash, metahash, metasize INTEGER, metablocklists, metablockhash,
            spelling TEXT, listed INTEGER NOT NULL, listtime INTEGER);
        CREATE INDEX IF NOT EXISTS entries_by_path ON entries (path);
        CREATE TABLE IF NOT EXISTS members (
            slot INTEGER NOT NULL, pos INTEGER NOT NULL, entry INTEGER NOT NULL, count INTEGER,
            PRIMARY KEY (slot, pos)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS member_entries (
            slot INTEGER NOT NULL, entry INTEGER NOT NULL, pos INTEGER NOT NULL, count INTEGER,
            PRIMARY KEY (slot, entry)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS skipped (
            version INTEGER NOT NULL, seq INTEGER NOT NULL, path TEXT NOT NULL, location TEXT, reason TEXT NOT NULL,
            PRIMARY KEY (version, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blocks (
            hash NOT NULL, volume INTEGER NOT NULL, size INTEGER NOT NULL,
            directory INTEGER NOT NULL, PRIMARY KEY (hash, volume)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blocklists (hash PRIMARY KEY, content BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS metadata (
            hash PRIMARY KEY, mode INTEGER, uid INTEGER, gid INTEGER, mtime INTEGER, mtimensec INTEGER,
            owner TEXT, grp TEXT, target TEXT, xattrs INTEGER NOT NULL DEFAULT 0, winattrs TEXT);
        CREATE TABLE IF NOT EXISTS xattrs (
            hash NOT NULL, name TEXT NOT NULL, position INTEGER NOT NULL, value BLOB NOT NULL,
            PRIMARY KEY (hash, name)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS placements (
            volume INTEGER NOT NULL, hash NOT NULL, header_at INTEGER NOT NULL, record_end INTEGER NOT NULL,
            compressed INTEGER NOT NULL, uncompressed INTEGER NOT NULL, method INTEGER NOT NULL,
            flags INTEGER NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY (volume, hash)) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS placements_of_dropped_volumes AFTER DELETE ON volumes
            BEGIN DELETE FROM placements WHERE volume = OLD.id; END;
        """

    /// The staging table of the version being built (one connection's own, never on disk for
    /// long): which path each position of the list holds, so duplicates and folders are found
    /// without keeping the list in memory.
    static let stagingSchema = """
        CREATE TEMP TABLE IF NOT EXISTS stage (
            pos INTEGER PRIMARY KEY, path INTEGER NOT NULL UNIQUE, entry INTEGER NOT NULL,
            kind INTEGER NOT NULL, listed INTEGER NOT NULL);
        DELETE FROM temp.stage;
        CREATE TEMP TABLE IF NOT EXISTS runs (entry INTEGER PRIMARY KEY, pos INTEGER NOT NULL, count INTEGER);
        DELETE FROM temp.runs;
        """
}
