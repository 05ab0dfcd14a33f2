import Testing
@testable import DuplicatiFormat

@Suite struct SerializedDateTimeTests {
    @Test func parsesAndFormatsRoundTrip() throws {
        #expect(SerializedDateTime.unixSeconds(from: "19700101T000000Z") == 0)
        #expect(SerializedDateTime.unixSeconds(from: "20250203T040506Z") == 1_738_555_506)
        #expect(SerializedDateTime.unixSeconds(from: "19691231T235959Z") == -1)
        for seconds: Int64 in [0, -1, 1_738_555_506, -62_135_596_800, 253_402_300_799, 951_782_400] {
            let text = try #require(SerializedDateTime.string(unixSeconds: seconds))
            #expect(SerializedDateTime.unixSeconds(from: text) == seconds)
        }
        #expect(SerializedDateTime.string(unixSeconds: 1_738_555_506) == "20250203T040506Z")
        #expect(SerializedDateTime.string(unixSeconds: -62_135_596_800) == "00010101T000000Z")
        #expect(SerializedDateTime.string(unixSeconds: -62_135_596_801) == nil)
    }

    @Test func everyDayOfFourHundredYearsRoundTrips() {
        var days: Int64 = SerializedDateTime.daysSinceUnixEpoch(year: 1800, month: 1, day: 1)
        var previous = (year: Int64(1799), month: Int64(12), day: Int64(31))
        while days < SerializedDateTime.daysSinceUnixEpoch(year: 2200, month: 1, day: 1) {
            let date = SerializedDateTime.civilDate(daysSinceUnixEpoch: days)
            #expect(SerializedDateTime.daysSinceUnixEpoch(year: date.year, month: date.month, day: date.day) == days)
            let next = date.day == 1 && (date.month == 1 || date.month == previous.month + 1)
            #expect(date.day == previous.day + 1 || next)
            previous = date
            days += 1
        }
    }
}
