import Foundation
import Testing

@testable import TestSupport

@Suite struct CompactTimestampTests {
    @Test func formatsUTCWithSecondsPrecision() {
        #expect(CompactTimestamp.format(seconds: 0) == "19700101T000000Z")
        #expect(CompactTimestamp.format(SampleBackup.times[0]) == "20240101T100000Z")
        #expect(CompactTimestamp.format(SampleBackup.times[1]) == "20240201T100000Z")
        #expect(CompactTimestamp.format(SampleBackup.times[2]) == "20240301T100000Z")
        #expect(CompactTimestamp.format(seconds: 951_782_400) == "20000229T000000Z")
        #expect(CompactTimestamp.format(seconds: -1) == "19691231T235959Z")
        #expect(CompactTimestamp.format(Date(timeIntervalSince1970: 1_738_318_272.9)) == "20250131T101112Z")
    }

    @Test func ticksCountHundredNanosecondsSinceYearOne() {
        #expect(DotNetTicks.ticks(seconds: 0, nanoseconds: 0) == 621_355_968_000_000_000)
        #expect(DotNetTicks.ticks(seconds: 1, nanoseconds: 123_456_789) == 621_355_968_011_234_567)
        #expect(DotNetTicks.ticks(seconds: -62_135_596_800, nanoseconds: 0) == 0)
    }
}

@Suite struct JSONTextTests {
    @Test func escapesLikeNewtonsoft() {
        #expect(JSONText.quote("a\"b\\c/d") == #""a\"b\\c/d""#)
        #expect(JSONText.quote("\t\n\r\u{01}\u{1F}") == #""\t\n\r\u0001\u001f""#)
        #expect(JSONText.quote("é😀\u{2028}") == "\"é😀\\u2028\"")
    }

    @Test func metadataBlobHasBOMAndDuplicatiKeyOrder() {
        let entry = FixtureEntry(
            path: "/d/link", content: .symlink(target: "../t"), mode: 0o777, uid: 1, gid: 2,
            ownerName: "u", groupName: "g", mtimeSeconds: 0, mtimeNanoseconds: 100)
        let blob = MetadataBlob.bytes(for: entry)
        #expect(blob.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(String(decoding: blob.dropFirst(3), as: UTF8.self) == #"{"unix:uid-gid-perm":"1-2-511","unix:owner-name":"u","unix:group-name":"g","CoreAttributes":"ReparsePoint","CoreLastWritetime":"621355968000000001","CoreCreatetime":"621355968000000001","CoreSymlinkTarget":"../t"}"#)
        let hidden = FixtureEntry(path: "/d/.ro", content: .file([]), mode: 0o444)
        #expect(MetadataBlob.attributes(for: hidden) == "ReadOnly, Hidden")
        #expect(MetadataBlob.attributes(for: FixtureEntry(path: "/d", content: .folder)) == "Directory")
        #expect(MetadataBlob.attributes(for: FixtureEntry(path: "/f", content: .file([]))) == "Normal")
    }
}
