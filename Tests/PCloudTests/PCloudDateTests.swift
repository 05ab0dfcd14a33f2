import Foundation
import PCloud
import Testing

@Suite struct PCloudDateTests {
    @Test func parsesRFC1123WithNumericZone() throws {
        let date = try #require(PCloudDate.parse("Wed, 02 Oct 2013 13:23:19 +0000"))
        #expect(date.timeIntervalSince1970 == 1_380_720_199)
        let shifted = try #require(PCloudDate.parse("Wed, 02 Oct 2013 15:23:19 +0200"))
        #expect(shifted == date)
        #expect(PCloudDate.parse("Wed, 02 Oct 2013 13:23:19 GMT") == date)
    }

    @Test func parsesUnixSeconds() {
        #expect(PCloudDate.parse("1380720199")?.timeIntervalSince1970 == 1_380_720_199)
    }

    @Test func rejectsGarbage() {
        for bad in ["", "yesterday", "Wed, 32 Oct 2013 13:23:19 +0000", "Wed, 02 Foo 2013 13:23:19 +0000",
            "Wed, 02 Oct 2013 25:00:00 +0000", "Wed, 02 Oct 2013 13:23:19 +9999"]
        {
            #expect(PCloudDate.parse(bad) == nil, "\(bad)")
        }
    }
}
