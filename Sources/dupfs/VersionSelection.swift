import Backup
import Catalog

/// Which version a command reads: `--version N` (0 = newest) or `--time T` (the newest version
/// made at or before T, as Duplicati's `--time`), never both.
enum VersionSelection {
    /// The help text of `--time`, shared by every command that takes it.
    static let timeHelp = """
        Use the newest version made at or before this time (ISO 8601: 2024-02-15 = local midnight, \
        2024-02-15T13:30 local time (TZ), 2024-02-15T13:30:00Z, 2024-02-15T13:30:00+01:00). Not with --version.
        """

    /// Checks the options before anything is opened: bad input fails at once.
    /// - Returns: the parsed time, if given.
    /// - Throws: ``UsageError`` when both are given, the number is negative or the time is not ISO 8601.
    static func validate(version: Int?, time: String?) throws -> PointInTime? {
        if version != nil && time != nil { throw UsageError(message: "--time and --version cannot be used together") }
        if let version, version < 0 { throw UsageError(message: "--version must be 0 or more") }
        guard let time else { return nil }
        do {
            return try PointInTime(parsing: time)
        } catch {
            throw UsageError(message: "--time: \(error.description)")
        }
    }

    /// The chosen version (version 0 when neither is given).
    /// - Throws: ``UsageError`` when every version is newer than the time (naming the oldest),
    ///   ``BackupError/noSuchVersion(_:available:)`` for a number past the oldest.
    static func choose(_ backup: Backup, version: Int?, time: String?) throws -> (number: Int, record: VersionRecord) {
        guard let point = try validate(version: version, time: time) else {
            let number = version ?? 0
            return (number, try backup.version(number))
        }
        if let found = try backup.version(atOrBefore: point) { return found }
        let all = try backup.knownVersions()
        guard let oldest = all.last else { throw UsageError(message: "the backup has no versions") }
        throw UsageError(message: "no version at or before \(Formatting.utc(point.seconds)): "
            + "the oldest version is from \(Formatting.utc(oldest.time))")
    }
}
