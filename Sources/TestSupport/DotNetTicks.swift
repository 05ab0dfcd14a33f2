/// .NET `DateTime` ticks: 100 ns units since 0001-01-01T00:00:00 UTC, as Duplicati stores
/// `CoreLastWritetime` and `CoreCreatetime`.
package enum DotNetTicks {
    /// Ticks at the Unix epoch, 1970-01-01T00:00:00Z.
    package static let unixEpoch: Int64 = 621_355_968_000_000_000

    /// Converts a Unix time to ticks, dropping anything below 100 ns.
    /// - Parameters:
    ///   - seconds: whole seconds since the Unix epoch.
    ///   - nanoseconds: the sub-second part, `0 ..< 1_000_000_000`.
    /// - Returns: the tick count.
    package static func ticks(seconds: Int64, nanoseconds: Int32) -> Int64 {
        unixEpoch + seconds * 10_000_000 + Int64(nanoseconds) / 100
    }
}
