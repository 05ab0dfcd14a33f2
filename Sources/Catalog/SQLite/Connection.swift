internal import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// An open SQLite database. Not thread-safe by itself: ``Catalog`` serializes access.
final class Connection {
    let handle: OpaquePointer

    /// Opens (creating if needed) a database file.
    /// - Parameter replacing: delete the file (and its WAL and shared-memory files) first.
    init(path: String, replacing: Bool = false) throws(SQLiteError) {
        if replacing {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
        }
        var db: OpaquePointer?
        // NOFOLLOW: an index planted as a symlink is refused, never written through.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, function: "sqlite3_open_v2", message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// The one place that turns a result code into an error.
    func check(_ rc: Int32, _ function: String) throws(SQLiteError) {
        guard rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE else {
            throw SQLiteError(code: rc, function: function, message: String(cString: sqlite3_errmsg(handle)))
        }
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws(SQLiteError) {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), "sqlite3_exec")
    }

    /// Prepares a statement.
    func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(self, sql: sql)
    }

    /// The rowid of the last insert.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }
}
