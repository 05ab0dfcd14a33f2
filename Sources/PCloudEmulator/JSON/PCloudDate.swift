import Foundation

/// Formats instants the way pCloud does: `Wed, 02 Oct 2013 13:23:19 +0000` (RFC 1123, numeric zone, UTC).
package enum PCloudDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The pCloud datetime string for `date`.
    package static func string(_ date: Date) -> String {
        let parts = utcParts(date)
        return "\(weekdays[parts.weekday]), \(pad2(parts.day)) \(months[parts.month]) \(parts.year) "
            + "\(pad2(parts.hour)):\(pad2(parts.minute)):\(pad2(parts.second)) +0000"
    }

    /// The HTTP `Date`-style string (`GMT` zone) used by the content host's headers.
    package static func httpString(_ date: Date) -> String {
        let parts = utcParts(date)
        return "\(weekdays[parts.weekday]), \(pad2(parts.day)) \(months[parts.month]) \(parts.year) "
            + "\(pad2(parts.hour)):\(pad2(parts.minute)):\(pad2(parts.second)) GMT"
    }

    /// An ISO 8601 UTC timestamp with milliseconds, for the request log.
    package static func iso8601(_ date: Date) -> String {
        let parts = utcParts(date)
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        let ms = millis < 0 ? 0 : millis
        return "\(parts.year)-\(pad2(parts.month + 1))-\(pad2(parts.day))T"
            + "\(pad2(parts.hour)):\(pad2(parts.minute)):\(pad2(parts.second)).\(String(format: "%03d", ms))Z"
    }

    private struct Parts {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int
    }

    private static func utcParts(_ date: Date) -> Parts {
        // Civil-from-days (proleptic Gregorian); avoids locale-sensitive formatters.
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return Parts(
            year: Int(year), month: Int(month - 1), day: Int(day),
            hour: Int(rem / 3600), minute: Int(rem % 3600 / 60), second: Int(rem % 60), weekday: weekday)
    }

    private static func pad2(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}
