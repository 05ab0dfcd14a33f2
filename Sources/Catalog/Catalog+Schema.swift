extension Catalog {
    /// Bumped whenever the schema changes; an older index is rebuilt from scratch.
    static let schemaVersion = 4

    static let schema = """
        CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS volumes (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
            size INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS versions (
            id INTEGER PRIMARY KEY, volume INTEGER NOT NULL UNIQUE, time INTEGER NOT NULL,
            full INTEGER NOT NULL, files INTEGER NOT NULL, bytes INTEGER NOT NULL,
            skipped INTEGER NOT NULL DEFAULT 0, damage TEXT);
        CREATE TABLE IF NOT EXISTS entries (
            version INTEGER NOT NULL, id INTEGER NOT NULL, parent INTEGER NOT NULL, name TEXT NOT NULL,
            kind INTEGER NOT NULL, size INTEGER NOT NULL, hash TEXT, blocklists TEXT, blockhash TEXT,
            metahash TEXT, metasize INTEGER, metablocklists TEXT, metablockhash TEXT,
            path TEXT NOT NULL, listed INTEGER NOT NULL, listtime INTEGER,
            PRIMARY KEY (version, id)) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS entries_by_parent ON entries (version, parent, name);
        CREATE TABLE IF NOT EXISTS skipped (
            version INTEGER NOT NULL, seq INTEGER NOT NULL, path TEXT NOT NULL, location TEXT, reason TEXT NOT NULL,
            PRIMARY KEY (version, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blocks (
            hash TEXT NOT NULL, volume INTEGER NOT NULL, size INTEGER NOT NULL,
            directory INTEGER NOT NULL, PRIMARY KEY (hash, volume)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blocklists (hash TEXT PRIMARY KEY, content BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS metadata (
            hash TEXT PRIMARY KEY, mode INTEGER, uid INTEGER, gid INTEGER, mtime INTEGER, mtimensec INTEGER,
            owner TEXT, grp TEXT, target TEXT, xattrs INTEGER NOT NULL DEFAULT 0, winattrs TEXT);
        CREATE TABLE IF NOT EXISTS xattrs (
            hash TEXT NOT NULL, name TEXT NOT NULL, position INTEGER NOT NULL, value BLOB NOT NULL,
            PRIMARY KEY (hash, name)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS placements (
            volume INTEGER NOT NULL, hash TEXT NOT NULL, header_at INTEGER NOT NULL, record_end INTEGER NOT NULL,
            compressed INTEGER NOT NULL, uncompressed INTEGER NOT NULL, method INTEGER NOT NULL,
            flags INTEGER NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY (volume, hash)) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS placements_of_dropped_volumes AFTER DELETE ON volumes
            BEGIN DELETE FROM placements WHERE volume = OLD.id; END;
        """
}
