import Catalog

extension Backup {
    /// The newest version made at or before a point in time, as Duplicati's `--time` picks it.
    /// - Parameter time: the point in time.
    /// - Returns: the version and its Duplicati number (0 = newest); nil when every version is
    ///   newer than `time`.
    package func version(atOrBefore time: PointInTime) throws -> (number: Int, record: VersionRecord)? {
        for (number, record) in try versions().enumerated() where record.time <= time.seconds {
            return (number, record)
        }
        return nil
    }
}
