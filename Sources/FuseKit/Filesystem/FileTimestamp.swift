/// A point in time as `struct timespec` carries it: seconds since the Unix epoch plus nanoseconds.
package struct FileTimestamp: Sendable, Hashable {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    package var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    package var nanoseconds: UInt32

    /// Creates a timestamp.
    /// - Parameters:
    ///   - seconds: Seconds since the Unix epoch.
    ///   - nanoseconds: Nanoseconds within the second; values of a second or more are clamped to 999,999,999.
    package init(seconds: Int64, nanoseconds: UInt32 = 0) {
        self.seconds = seconds
        self.nanoseconds = min(nanoseconds, 999_999_999)
    }

    /// The epoch itself, for files without a known time.
    package static let epoch = FileTimestamp(seconds: 0)
}
