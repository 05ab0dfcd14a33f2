import Backup
import Testing

/// `--time` values: ISO 8601 dates and date-times, local or with a zone, across clock changes.
struct PointInTimeTests {
    /// A zone like Europe/Berlin in 2024: +01:00, and +02:00 from 2024-03-31T01:00Z to
    /// 2024-10-27T01:00Z (clocks jump 02:00 -> 03:00, then fall back 03:00 -> 02:00).
    static func berlin(_ instant: Int64) -> Int64 {
        (1_711_846_800..<1_729_990_800).contains(instant) ? 7200 : 3600
    }

    static func parse(_ text: String, zone: (Int64) -> Int64 = berlin) throws -> Int64 {
        try PointInTime(parsing: text, utcOffset: zone).seconds
    }

    @Test func aDateIsLocalMidnight() throws {
        #expect(try Self.parse("2024-02-15") == 1_707_951_600)  // 2024-02-14T23:00:00Z
        #expect(try Self.parse("2024-07-01") == 1_719_784_800)  // 2024-06-30T22:00:00Z
        #expect(try Self.parse("2024-02-15", zone: { _ in 0 }) == 1_707_955_200)
    }

    @Test func aDateTimeWithoutZoneIsLocalTime() throws {
        #expect(try Self.parse("2024-07-01T12:00") == 1_719_828_000)
        #expect(try Self.parse("2024-07-01T12:00:00") == 1_719_828_000)
        #expect(try Self.parse("2024-07-01 12:00:00") == 1_719_828_000)
        #expect(try Self.parse("2024-02-15T14:30:05") == 1_708_003_805)
    }

    @Test func zonesWinOverTheLocalZone() throws {
        #expect(try Self.parse("2024-02-15T13:30:00Z") == 1_708_003_800)
        #expect(try Self.parse("2024-02-15T13:30z") == 1_708_003_800)
        #expect(try Self.parse("2024-02-15T13:30:00+01:00") == 1_708_000_200)
        #expect(try Self.parse("2024-02-15T13:30:00+0100") == 1_708_000_200)
        #expect(try Self.parse("2024-02-15T13:30:00+01") == 1_708_000_200)
        #expect(try Self.parse("2024-02-15T13:30:00-05:30") == 1_708_023_600)
        #expect(try Self.parse("2024-02-15T13:30:05.999Z") == 1_708_003_805, "fractions are dropped")
        #expect(try Self.parse("2024-02-15T13:30:05,5Z") == 1_708_003_805)
    }

    @Test func aLocalTimeTheSpringChangeSkipsUsesTheOffsetBeforeIt() throws {
        // 02:30 does not exist on 2024-03-31: read as 02:30 +01:00 = 01:30Z (03:30 summer time).
        #expect(try Self.parse("2024-03-31T02:30") == 1_711_848_600)
        // Just before and after the gap.
        #expect(try Self.parse("2024-03-31T01:59:59") == 1_711_846_799)
        #expect(try Self.parse("2024-03-31T03:00:00") == 1_711_846_800)
    }

    @Test func aLocalTimeTheAutumnChangeRepeatsIsTheEarlierOne() throws {
        // 02:30 happens twice on 2024-10-27: 00:30Z (summer time) and 01:30Z.
        #expect(try Self.parse("2024-10-27T02:30") == 1_729_989_000)
        #expect(try Self.parse("2024-10-27T03:00") == 1_729_994_400)
        #expect(try Self.parse("2024-10-27T01:59:59") == 1_729_987_199)
    }

    @Test func badInputIsOneLineNamingIt() {
        let bad = [
            "", "yesterday", "2024-2-15", "24-02-15", "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10",
            "2024-02-15T", "2024-02-15T13", "2024-02-15T25:00", "2024-02-15T13:60", "2024-02-15T13:30:61",
            "2024-02-15T13:30+", "2024-02-15T13:30:00ZZ", "2024-02-15T13:30:00+24:00", "2024-02-15T13:30:00.Z",
            "2024-02-15x", " 2024-02-15", "2024-02-15T13:30:00+01:0",
        ]
        for text in bad {
            do {
                let parsed = try PointInTime(parsing: text, utcOffset: Self.berlin)
                Issue.record("'\(text)' was read as \(parsed.seconds)")
            } catch {
                #expect(error.description.contains("'\(text)'"))
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(throws: Never.self) { try PointInTime(parsing: "2024-02-29") }
    }
}
