#if canImport(Glibc)
import Glibc
#endif

/// A point in time given on the command line (`--time`), as ISO 8601:
/// - a date, `2024-02-15`: local midnight (the first moment of that day where the day does not
///   start at midnight);
/// - a date and time, `2024-02-15T13:30`, `2024-02-15T13:30:05`, `2024-02-15T13:30:05.25`
///   (a space may stand for the `T`): local time, unless followed by a zone: `Z`, `+01:00`,
///   `-0530` or `+01`.
///
/// Local time is the process's time zone (`TZ`). A local time that a clock change skips (02:30
/// when clocks jump from 02:00 to 03:00) is read with the offset in force before the change
/// (so it is 03:30 after the change); one that occurs twice (when clocks go back) is the
/// earlier of the two. Fractions of a second are dropped: version times are whole seconds.
package struct PointInTime: Sendable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    package let seconds: Int64

    /// Why a text is not a point in time.
    package struct ParseError: Error, Sendable, CustomStringConvertible {
        /// One line naming the text and the accepted forms.
        package let description: String
    }

    /// Parses an ISO 8601 date or date-time.
    /// - Parameters:
    ///   - text: the text as given.
    ///   - utcOffset: the local zone's offset from UTC in seconds at an instant (default: the
    ///     process's zone, `TZ`); tests pass a zone of their own.
    /// - Throws: ``ParseError`` for anything else (one line, naming the text).
    package init(parsing text: String, utcOffset: (Int64) -> Int64 = PointInTime.localOffset) throws(ParseError) {
        guard let seconds = Self.parse(Array(text.utf8), utcOffset: utcOffset) else {
            throw ParseError(description: "'\(text)' is not an ISO 8601 date or time "
                + "(e.g. 2024-02-15, 2024-02-15T13:30, 2024-02-15T13:30:00Z, 2024-02-15T13:30:00+01:00)")
        }
        self.seconds = seconds
    }

    /// A point in time from seconds since the Unix epoch.
    package init(seconds: Int64) {
        self.seconds = seconds
    }

    private static func parse(_ bytes: [UInt8], utcOffset: (Int64) -> Int64) -> Int64? {
        var position = 0
        func number(_ digits: Int) -> Int? {
            guard position + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<position + digits] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            position += digits
            return value
        }
        func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }
        guard let year = number(4), take(45), let month = number(2), take(45), let day = number(2) else { return nil }
        var hour = 0, minute = 0, second = 0
        var offset: Int?
        if position < bytes.count {
            // `T`, `t` or a space.
            guard [84, 116, 32].contains(bytes[position]) else { return nil }
            position += 1
            guard let h = number(2), take(58), let m = number(2) else { return nil }
            hour = h
            minute = m
            if take(58) {
                guard let s = number(2) else { return nil }
                second = s
                if take(46) || take(44) {
                    let start = position
                    while position < bytes.count, (48...57).contains(bytes[position]) { position += 1 }
                    guard position > start else { return nil }
                }
            }
            if position < bytes.count {
                if take(90) || take(122) {
                    offset = 0
                } else {
                    let sign: Int
                    if take(43) { sign = 1 } else if take(45) { sign = -1 } else { return nil }
                    guard let oh = number(2), oh <= 23 else { return nil }
                    var om = 0
                    if position < bytes.count {
                        _ = take(58)
                        guard let m = number(2), m <= 59 else { return nil }
                        om = m
                    }
                    offset = sign * (oh * 3600 + om * 60)
                }
            }
            guard position == bytes.count else { return nil }
        }
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59 else { return nil }
        // The fields read as if they were UTC; a day past the month's end fails the round trip.
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(month - 1)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(hour)
        fields.tm_min = Int32(minute)
        fields.tm_sec = Int32(second)
        var asUTC = timegm(&fields)
        var check = tm()
        gmtime_r(&asUTC, &check)
        guard check.tm_mday == Int32(day), check.tm_mon == Int32(month - 1) else { return nil }
        let wall = Int64(asUTC)
        if let offset { return wall - Int64(offset) }
        return localInstant(wall: wall, utcOffset: utcOffset)
    }

    /// The instant at which local clocks show `wall` (seconds of the wall-clock reading, as if
    /// UTC): the earlier one when they show it twice, the one by the offset before a change that
    /// skips it.
    static func localInstant(wall: Int64, utcOffset: (Int64) -> Int64) -> Int64 {
        // Offsets in force a day either side: clock changes are months apart.
        let before = utcOffset(wall - 86_400 - 50_400)
        let after = utcOffset(wall + 86_400 + 50_400)
        let candidates = Set([before, after]).map { wall - $0 }.filter { utcOffset($0) == wall - $0 }
        if let earliest = candidates.min() { return earliest }
        return wall - before
    }

    /// The process's time zone's (`TZ`) offset from UTC in seconds at an instant.
    package static func localOffset(_ instant: Int64) -> Int64 {
        var t = time_t(instant)
        var parts = tm()
        localtime_r(&t, &parts)
        return Int64(parts.tm_gmtoff)
    }
}
