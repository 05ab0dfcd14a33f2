import Foundation
import Testing
@testable import PCloudEmulator

@Suite("Content downloads")
struct DownloadTests {
    @Test func getfilelinkPointsAtTheHTTPSListenerWithTheName() async throws {
        let fixture = try await EmulatorFixture.start()
        let id = try await fixture.fileID("/Backups/job1/b.bin")
        let answer = try await fixture.api("getfilelink?fileid=\(id)").json()
        #expect(answer["hosts"] as? [String] == ["127.0.0.1:\(fixture.server.httpsPort)"])
        #expect((answer["path"] as? String)?.hasPrefix("/dl/") == true)
        #expect((answer["path"] as? String)?.hasSuffix("/b.bin") == true)
        #expect(answer["size"] as? Int == 100_000)
        #expect(answer["expires"] is String)
        #expect(try await fixture.api("getfilelink?fileid=55555").result() == 2009)
        await fixture.stop()
    }

    @Test func wholeFileAndSingleRangesReturnExactBytes() async throws {
        let fixture = try await EmulatorFixture.start()
        let bytes = try #require(EmulatorFixture.sampleFiles()["Backups/job1/b.bin"])
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/b.bin"))
        let ca = fixture.server.caPath

        let whole = try await Curl.request(url, ca: ca)
        #expect(whole.status == 200)
        #expect(whole.body == bytes)
        #expect(whole.headers["accept-ranges"] == "bytes")

        let middle = try await Curl.request(url, ca: ca, headers: ["Range: bytes=10-19"])
        #expect(middle.status == 206)
        #expect(middle.headers["content-range"] == "bytes 10-19/100000")
        #expect(middle.body == bytes[10...19])

        let open = try await Curl.request(url, ca: ca, headers: ["Range: bytes=99990-"])
        #expect(open.status == 206)
        #expect(open.body == bytes[99_990...])

        let suffix = try await Curl.request(url, ca: ca, headers: ["Range: bytes=-20"])
        #expect(suffix.status == 206)
        #expect(suffix.headers["content-range"] == "bytes 99980-99999/100000")
        #expect(suffix.body == bytes[99_980...])

        let pastEnd = try await Curl.request(url, ca: ca, headers: ["Range: bytes=99999-200000"])
        #expect(pastEnd.status == 206)
        #expect(pastEnd.body == bytes[99_999...])

        let unsatisfiable = try await Curl.request(url, ca: ca, headers: ["Range: bytes=100000-"])
        #expect(unsatisfiable.status == 416)
        #expect(unsatisfiable.headers["content-range"] == "bytes */100000")
        await fixture.stop()
    }

    @Test func unknownExpiredAndForeignLinksAnswer410() async throws {
        let fixture = try await EmulatorFixture.start()
        let ca = fixture.server.caPath
        let unknown = try await Curl.request(fixture.server.httpsURL + "/dl/deadbeef/x.bin", ca: ca)
        #expect(unknown.status == 410)

        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/a.txt"))
        #expect(try await Curl.request(url, ca: ca).status == 200)
        let expire = try await fixture.control("links/expire")
        #expect(expire.status == 200)
        #expect(try await Curl.request(url, ca: ca).status == 410)

        // A link issued to 127.0.0.1 and fetched over ::1 counts as another IP.
        let fresh = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/a.txt"))
        let foreign = try await Curl.request(fresh, ca: ca, extra: ["--connect-to", "127.0.0.1:\(fixture.server.httpsPort):[::1]:\(fixture.server.httpsPort)"])
        if foreign.exitCode == 0 {
            #expect(foreign.status == 410)
            #expect(foreign.text.contains("generated for another IP address"))
        }
        await fixture.stop()
    }

    @Test func linksExpireAfterTheirTTL() async throws {
        // A TTL with room to spare: on a loaded machine the first request may take a while.
        let fixture = try await EmulatorFixture.start { $0.linkTTL = 15 }
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/a.txt"))
        let issued = Date()
        #expect(try await Curl.request(url, ca: fixture.server.caPath).status == 200)
        try await Task.sleep(nanoseconds: UInt64(max(0, 15.5 - Date().timeIntervalSince(issued)) * 1e9))
        #expect(try await Curl.request(url, ca: fixture.server.caPath).status == 410)
        await fixture.stop()
    }

    @Test func emptyFileDownloadsAsZeroBytes() async throws {
        let fixture = try await EmulatorFixture.start()
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/empty.dat"))
        let result = try await Curl.request(url, ca: fixture.server.caPath)
        #expect(result.status == 200)
        #expect(result.body.isEmpty)
        #expect(result.headers["content-length"] == "0")
        await fixture.stop()
    }
}

@Suite("ByteRange")
struct ByteRangeTests {
    @Test func parsesTheThreeSingleRangeForms() {
        #expect(ByteRange(header: "bytes=0-9", size: 100) == .partial(lower: 0, upper: 9))
        #expect(ByteRange(header: "bytes=90-", size: 100) == .partial(lower: 90, upper: 99))
        #expect(ByteRange(header: "bytes=-10", size: 100) == .partial(lower: 90, upper: 99))
        #expect(ByteRange(header: "bytes=-500", size: 100) == .partial(lower: 0, upper: 99))
        #expect(ByteRange(header: "bytes=50-5000", size: 100) == .partial(lower: 50, upper: 99))
    }

    @Test func refusesStartsPastTheEndAndIgnoresMalformedOrMultiRanges() {
        #expect(ByteRange(header: "bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-0", size: 100) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=0-1,5-6", size: 100) == .whole)
        #expect(ByteRange(header: "bytes=9-1", size: 100) == .whole)
        #expect(ByteRange(header: "items=0-1", size: 100) == .whole)
        #expect(ByteRange(header: "bytes=x-", size: 100) == .whole)
        #expect(ByteRange(header: nil, size: 100) == .whole)
    }
}
