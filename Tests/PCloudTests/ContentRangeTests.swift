import PCloud
import Testing

@Suite struct ContentRangeTests {
    @Test func parsesASatisfiedRange() {
        #expect(ContentRange("bytes 0-99/1234") == ContentRange("bytes 0-99/1234"))
        let range = ContentRange("bytes 10-19/20")
        #expect(range?.first == 10)
        #expect(range?.last == 19)
        #expect(range?.total == 20)
        #expect(ContentRange("bytes 5-5/*")?.total == nil)
    }

    @Test func rejectsMalformedOrImpossibleRanges() {
        for bad in ["", "bytes */100", "bytes 9-3/100", "bytes 0-99/50", "items 0-1/2", "bytes 0-1", "bytes -1-3/9",
            "bytes 0-99999999999999999999/1"]
        {
            #expect(ContentRange(bad) == nil, "\(bad)")
        }
    }
}
