import Foundation

/// pCloud's datetime strings: `Wed, 02 Oct 2013 13:23:19 +0000` (RFC 1123 with a numeric zone),
/// or Unix seconds when `timeformat=timestamp` was asked.
package enum PCloudDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses a pCloud datetime.
    /// - Parameter text: the value from a JSON answer.
    /// - Returns: the instant, or `nil` when the text is not one of the known shapes.
    package static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed) { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        // [Ddd,] DD Mon YYYY HH:MM:SS (+hhmm|GMT|UTC)
        var parts = trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if let first = parts.first, first.hasSuffix(",") { parts.removeFirst() }
        guard parts.count == 5,
            let day = Int(parts[0]), (1...31).contains(day),
            let monthIndex = months.firstIndex(of: parts[1].lowercased()),
            let year = Int(parts[2]), (1970...9999).contains(year)
        else { return nil }
        let clock = parts[3].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2])
        else { return nil }
        guard let offset = zoneOffset(parts[4]) else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = monthIndex + 1
        components.day = day
        components.hour = clock[0]
        components.minute = clock[1]
        components.second = clock[2]
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        guard let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(-TimeInterval(offset))
    }

    /// Seconds east of UTC for `+hhmm`, `-hhmm`, `GMT` or `UTC`.
    private static func zoneOffset(_ zone: String) -> Int? {
        if zone == "GMT" || zone == "UTC" || zone == "Z" { return 0 }
        guard zone.count == 5, let sign = zone.first, sign == "+" || sign == "-",
            let digits = Int(zone.dropFirst()), digits >= 0
        else { return nil }
        let hours = digits / 100
        let minutes = digits % 100
        guard hours <= 23, minutes <= 59 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return sign == "-" ? -seconds : seconds
    }
}
