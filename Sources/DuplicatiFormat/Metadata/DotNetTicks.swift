/// A .NET `DateTime` tick count: 100 ns units since 0001-01-01T00:00:00 UTC.
///
/// Metadata stores `CoreLastWritetime` and `CoreCreatetime` this way (§9). A time that
/// Duplicati failed to read is stored as 0 (`DateTime(0)`), which is 0001-01-01.
package struct DotNetTicks: Sendable, Hashable, Comparable {
    /// Ticks per second.
    package static let perSecond: Int64 = 10_000_000
    /// The largest value .NET allows (`DateTime.MaxValue.Ticks`, 9999-12-31T23:59:59.9999999).
    package static let maximum: Int64 = 3_155_378_975_999_999_999
    /// Ticks at 1970-01-01T00:00:00Z.
    package static let unixEpoch: Int64 = 621_355_968_000_000_000

    /// The tick count, as stored.
    package let rawValue: Int64

    /// - Parameter rawValue: 100 ns units since 0001-01-01T00:00:00 UTC.
    package init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// Converts a Unix time. Sub-100 ns digits are dropped (rounded toward the past), and an
    /// instant that does not fit in an `Int64` tick count saturates at the nearest end.
    /// - Parameters:
    ///   - unixSeconds: whole seconds since 1970-01-01T00:00:00Z (negative before).
    ///   - nanoseconds: added to `unixSeconds`; may lie outside `0..<1e9`.
    package init(unixSeconds: Int64, nanoseconds: Int32) {
        let carry = SerializedDateTime.floorDivide(Int64(nanoseconds), 1_000_000_000)
        let fraction = Int64(nanoseconds) - carry * 1_000_000_000                 // 0..<1e9
        let (seconds, o1) = unixSeconds.addingReportingOverflow(carry)
        let (epochSeconds, o2) = seconds.addingReportingOverflow(SerializedDateTime.unixEpochOffsetSeconds)
        let (whole, o3) = epochSeconds.multipliedReportingOverflow(by: Self.perSecond)
        let (total, o4) = whole.addingReportingOverflow(fraction / 100)
        if o1 || o2 || o3 || o4 {
            rawValue = (unixSeconds < 0) ? .min : .max
        } else {
            rawValue = total
        }
    }

    /// Parses the decimal text of a metadata time value.
    /// - Parameter text: e.g. `638740000000000000`.
    /// - Returns: nil unless it is a decimal integer in .NET's `DateTime` range.
    package init?(decimal text: String) {
        guard !text.isEmpty, text.utf8.count <= 19,
              text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let value = Int64(text), value <= Self.maximum
        else { return nil }
        rawValue = value
    }

    /// Whole seconds since 1970-01-01T00:00:00Z, rounded toward the past.
    package var unixSeconds: Int64 {
        SerializedDateTime.floorDivide(rawValue, Self.perSecond) - SerializedDateTime.unixEpochOffsetSeconds
    }

    /// The part of the second after `unixSeconds`, in `0..<1_000_000_000`, a multiple of 100.
    package var nanoseconds: Int32 {
        var remainder = rawValue % Self.perSecond
        if remainder < 0 { remainder += Self.perSecond }
        return Int32(remainder * 100)
    }

    /// Earlier instants order first.
    package static func < (lhs: DotNetTicks, rhs: DotNetTicks) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
