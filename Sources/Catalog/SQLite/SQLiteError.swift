/// A failed SQLite call, with the facts captured right after it failed.
package struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code.
    package let code: Int32
    /// The C function that failed, e.g. `sqlite3_prepare_v3`.
    package let function: String
    /// `sqlite3_errmsg`, read before anything else ran.
    package let message: String

    package var description: String { "SQLite \(function) failed (\(code)): \(message)" }

    /// Whether the database file is damaged or not a database at all.
    package var isCorruption: Bool {
        let primary = code & 0xff
        return primary == 11 /* SQLITE_CORRUPT */ || primary == 26 /* SQLITE_NOTADB */
    }

    /// Whether the disk (or the file size limit) left no room for a write.
    package var isFull: Bool { code & 0xff == 13 /* SQLITE_FULL */ }
}
