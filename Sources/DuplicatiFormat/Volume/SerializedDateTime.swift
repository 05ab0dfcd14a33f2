import Foundation

/// Duplicati's compact UTC timestamp, `yyyyMMdd'T'HHmmss'Z'` (`Utility.SERIALIZED_DATE_TIME_FORMAT`).
///
/// It appears in dlist names, the manifest's `Created` and a file's `time` in `filelist.json`.
/// Parsing is ASCII-only, accepts lowercase `t`/`z` (Duplicati upper-cases before parsing when
/// it matches names case-insensitively) and validates the calendar date like .NET's
/// `DateTime.ParseExact` does (years 0001–9999, real month lengths, no leap second).
package enum SerializedDateTime {
    /// Seconds between 0001-01-01T00:00:00Z and the Unix epoch.
    static let unixEpochOffsetSeconds: Int64 = 62_135_596_800

    /// Parses a timestamp.
    /// - Parameter text: e.g. `20250131T101112Z`.
    /// - Returns: seconds since 1970-01-01T00:00:00Z, or nil if `text` is not a valid timestamp.
    package static func unixSeconds(from text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16,
              bytes[8] == UInt8(ascii: "T") || bytes[8] == UInt8(ascii: "t"),
              bytes[15] == UInt8(ascii: "Z") || bytes[15] == UInt8(ascii: "z"),
              let year = number(bytes[0..<4]), let month = number(bytes[4..<6]),
              let day = number(bytes[6..<8]), let hour = number(bytes[9..<11]),
              let minute = number(bytes[11..<13]), let second = number(bytes[13..<15]),
              year >= 1, (1...12).contains(month), day >= 1,
              day <= daysInMonth(month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysSinceUnixEpoch(year: year, month: month, day: day)
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// Parses a timestamp into a `Date`.
    /// - Parameter text: e.g. `20250131T101112Z`.
    /// - Returns: the instant, or nil if `text` is not a valid timestamp.
    package static func date(from text: some StringProtocol) -> Date? {
        unixSeconds(from: text).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Formats seconds since the Unix epoch as `yyyyMMddTHHmmssZ`.
    /// - Parameter unixSeconds: an instant in years 0001–9999.
    /// - Returns: the text, or nil outside that range.
    package static func string(unixSeconds: Int64) -> String? {
        let minimum = -unixEpochOffsetSeconds
        let maximum: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z
        guard (minimum...maximum).contains(unixSeconds) else { return nil }
        let days = floorDivide(unixSeconds, 86_400)
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceUnixEpoch: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T"
            + pad(secondOfDay / 3_600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysInMonth(_ month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date, counting years from March so the
    /// leap day falls at the end of each counted year.
    static func daysSinceUnixEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = floorDivide(marchYear, 400)
        let yearOfEra = marchYear - era * 400                                   // 0...399
        let marchMonth = month > 2 ? month - 3 : month + 9                      // March = 0
        let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1                    // 0...365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468                               // 0000-03-01 → 1970-01-01
    }

    /// The inverse of `daysSinceUnixEpoch`.
    static func civilDate(daysSinceUnixEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097                                  // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor < 0) ? quotient - 1 : quotient
    }
}
