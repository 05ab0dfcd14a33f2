import Testing
@testable import DuplicatiFormat

@Suite struct DotNetTicksTests {
    @Test func convertsTheUnixEpoch() {
        let epoch = DotNetTicks(rawValue: 621_355_968_000_000_000)
        #expect(epoch.unixSeconds == 0)
        #expect(epoch.nanoseconds == 0)
        #expect(DotNetTicks(unixSeconds: 0, nanoseconds: 0) == epoch)
    }

    @Test func floorsTimesBeforeNineteenSeventy() {
        // 1969-12-31T23:59:59.5Z
        let ticks = DotNetTicks(rawValue: 621_355_967_995_000_000)
        #expect(ticks.unixSeconds == -1)
        #expect(ticks.nanoseconds == 500_000_000)
        #expect(DotNetTicks(unixSeconds: -1, nanoseconds: 500_000_000) == ticks)
        let justBefore = DotNetTicks(rawValue: 621_355_967_999_999_999)
        #expect(justBefore.unixSeconds == -1)
        #expect(justBefore.nanoseconds == 999_999_900)
    }

    @Test func convertsYearOne() {
        let zero = DotNetTicks(rawValue: 0)
        #expect(zero.unixSeconds == -62_135_596_800)
        #expect(zero.nanoseconds == 0)
        #expect(DotNetTicks(unixSeconds: -62_135_596_800, nanoseconds: 0) == zero)
        #expect(SerializedDateTime.string(unixSeconds: zero.unixSeconds) == "00010101T000000Z")
    }

    @Test func roundTripsExactlyToOneHundredNanoseconds() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let raw = Int64.random(in: 0...DotNetTicks.maximum, using: &generator)
            let ticks = DotNetTicks(rawValue: raw)
            #expect((0..<1_000_000_000).contains(ticks.nanoseconds))
            #expect(ticks.nanoseconds % 100 == 0)
            #expect(DotNetTicks(unixSeconds: ticks.unixSeconds, nanoseconds: ticks.nanoseconds) == ticks)
        }
        for raw: Int64 in [.min, -1, .max] {
            let ticks = DotNetTicks(rawValue: raw)
            #expect(DotNetTicks(unixSeconds: ticks.unixSeconds, nanoseconds: ticks.nanoseconds) == ticks)
        }
    }

    @Test func normalisesNanosecondsAndSaturates() {
        #expect(DotNetTicks(unixSeconds: 0, nanoseconds: -100) == DotNetTicks(rawValue: 621_355_967_999_999_999))
        #expect(DotNetTicks(unixSeconds: 1, nanoseconds: 1_500_000_000) == DotNetTicks(unixSeconds: 2, nanoseconds: 500_000_000))
        #expect(DotNetTicks(unixSeconds: 0, nanoseconds: 199) == DotNetTicks(unixSeconds: 0, nanoseconds: 100))
        #expect(DotNetTicks(unixSeconds: .max, nanoseconds: 0).rawValue == .max)
        #expect(DotNetTicks(unixSeconds: .min, nanoseconds: 0).rawValue == .min)
    }

    @Test func parsesDecimalText() {
        #expect(DotNetTicks(decimal: "638741523061234567")?.rawValue == 638_741_523_061_234_567)
        #expect(DotNetTicks(decimal: "0")?.rawValue == 0)
        #expect(DotNetTicks(decimal: "3155378975999999999") != nil)
        for bad in ["", "-1", "+1", " 1", "1.0", "3155378976000000000", "99999999999999999999", "１"] {
            #expect(DotNetTicks(decimal: bad) == nil)
        }
    }

    @Test func ordersByTicks() {
        #expect(DotNetTicks(rawValue: 1) < DotNetTicks(rawValue: 2))
        #expect(DotNetTicks(unixSeconds: -5, nanoseconds: 0) < DotNetTicks(unixSeconds: 0, nanoseconds: 0))
    }
}
