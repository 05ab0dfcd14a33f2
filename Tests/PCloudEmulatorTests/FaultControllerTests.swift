import Foundation
import Testing
@testable import PCloudEmulator

@Suite("Fault injection")
struct FaultControllerTests {
    @Test func resultRuleAnswersTheCodeWithItsTextForTheNextNCalls() async throws {
        let fixture = try await EmulatorFixture.start()
        let added = try await fixture.control("faults", json: #"{"method":"listfolder","action":"result","result":5000,"times":2}"#)
        #expect(added.status == 200)
        for _ in 0..<2 {
            let answer = try await fixture.api("listfolder?folderid=0").json()
            #expect(answer["result"] as? Int == 5000)
            #expect(answer["error"] as? String == "Internal error. Try again later.")
        }
        #expect(try await fixture.api("listfolder?folderid=0").result() == 0)
        await fixture.stop()
    }

    @Test func everyListedResultCodeCarriesItsRealText() async throws {
        let fixture = try await EmulatorFixture.start()
        let texts = [
            1000: "Log in required.", 2000: "Log in failed.", 2094: "Invalid 'access_token' provided.",
            2003: "Access denied. You do not have permissions to preform this operation.",
            2005: "Directory does not exist.", 2009: "File not found.",
            4000: "Too many login tries from this IP address.", 5000: "Internal error. Try again later.",
            5002: "Internal error, no servers available. Try again later.", 7010: "Invalid link referer.",
        ]
        for (code, text) in texts {
            fixture.server.faults.add(FaultRule(method: "stat", action: .result(code)))
            let answer = try await fixture.api("stat?fileid=1").json()
            #expect(answer["result"] as? Int == code)
            #expect(answer["error"] as? String == text)
        }
        await fixture.stop()
    }

    @Test func statusRulesSendStatusRetryAfterAndHTMLBodies() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "userinfo", action: .httpStatus(429, retryAfter: 3, body: .html)))
        let limited = try await fixture.api("userinfo")
        #expect(limited.status == 429)
        #expect(limited.headers["retry-after"] == "3")
        fixture.server.faults.add(FaultRule(method: "userinfo", action: .httpStatus(502, retryAfter: nil, body: .html)))
        let gateway = try await fixture.api("userinfo")
        #expect(gateway.status == 502)
        #expect(gateway.headers["retry-after"] == nil)
        #expect(gateway.text.hasPrefix("<html>"))
        for status in [401, 404, 410, 500, 503, 504] {
            fixture.server.faults.add(FaultRule(method: "download", action: .httpStatus(status, retryAfter: nil, body: .html)))
            let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/a.txt"))
            #expect(try await Curl.request(url, ca: fixture.server.caPath).status == status)
        }
        #expect(try await fixture.api("userinfo").status == 200)
        await fixture.stop()
    }

    @Test func noResultRuleSendsJSONWithoutResult() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "uploadfile", action: .jsonWithoutResult(status: 500)))
        let answer = try await fixture.api("uploadfile?folderid=0&filename=x", method: "PUT", extra: ["--data-binary", "abc"])
        #expect(answer.status == 500)
        #expect(try answer.json()["result"] == nil)
        await fixture.stop()
    }

    @Test func delayHoldsTheAnswerBack() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "userinfo", action: .delay(milliseconds: 600)))
        let start = Date()
        #expect(try await fixture.api("userinfo").result() == 0)
        #expect(Date().timeIntervalSince(start) >= 0.6)
        await fixture.stop()
    }

    @Test func slowDripLimitsTheRateButKeepsTheBytes() async throws {
        let fixture = try await EmulatorFixture.start()
        let bytes = try #require(EmulatorFixture.sampleFiles()["Backups/job1/b.bin"])
        fixture.server.faults.add(FaultRule(method: "download", action: .slowDrip(bytesPerSecond: 20_000)))
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/b.bin"))
        let start = Date()
        let result = try await Curl.request(url, ca: fixture.server.caPath, headers: ["Range: bytes=0-9999"])
        #expect(Date().timeIntervalSince(start) >= 0.45)
        #expect(result.body == bytes[0..<10_000])
        await fixture.stop()
    }

    @Test func truncateDeclaresFullLengthSendsFewerBytesAndCloses() async throws {
        let fixture = try await EmulatorFixture.start()
        let bytes = try #require(EmulatorFixture.sampleFiles()["Backups/job1/b.bin"])
        fixture.server.faults.add(FaultRule(method: "download", action: .truncate(afterBytes: 1000)))
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/b.bin"))
        let result = try await Curl.request(url, ca: fixture.server.caPath)
        #expect(result.exitCode == 18)  // CURLE_PARTIAL_FILE
        #expect(result.headers["content-length"] == "100000")
        #expect(result.body.count == 1000)
        #expect(result.body == bytes[0..<1000])
        #expect(await fixture.log(atLeast: 2).last?.bytesSent == 1000)
        await fixture.stop()
    }

    @Test func dropClosesTheConnectionBeforeHeaders() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "listfolder", action: .dropConnection))
        let result = try await fixture.api("listfolder?folderid=0")
        #expect(result.exitCode != 0)
        #expect(result.status == 0)
        #expect(try await fixture.api("listfolder?folderid=0").result() == 0)
        await fixture.stop()
    }

    @Test func flipChangesExactlyOneByteOfADownload() async throws {
        let fixture = try await EmulatorFixture.start()
        let bytes = try #require(EmulatorFixture.sampleFiles()["Backups/job1/b.bin"])
        fixture.server.faults.add(FaultRule(method: "download", nameContains: "b.bin", action: .flipByte(offset: 12_345)))
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/b.bin"))
        let result = try await Curl.request(url, ca: fixture.server.caPath)
        #expect(result.body.count == bytes.count)
        let differing = zip(result.body, bytes).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing == [12_345])
        #expect(result.body[12_345] == bytes[12_345] ^ 0xFF)
        await fixture.stop()
    }

    @Test func ignoreRangeAnswers200WithTheWholeFile() async throws {
        let fixture = try await EmulatorFixture.start()
        let bytes = try #require(EmulatorFixture.sampleFiles()["Backups/job1/b.bin"])
        fixture.server.faults.add(FaultRule(method: "download", action: .ignoreRange))
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/b.bin"))
        let result = try await Curl.request(url, ca: fixture.server.caPath, headers: ["Range: bytes=5-15"])
        #expect(result.status == 200)
        #expect(result.body == bytes)
        await fixture.stop()
    }

    @Test func linkTTLAndForeignIPRulesMakeDownloadsGone() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "getfilelink", action: .linkTTL(seconds: 0)))
        let expired = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/a.txt"))
        #expect(try await Curl.request(expired, ca: fixture.server.caPath).status == 410)
        fixture.server.faults.add(FaultRule(method: "download", action: .foreignIP))
        let fresh = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/a.txt"))
        let foreign = try await Curl.request(fresh, ca: fixture.server.caPath)
        #expect(foreign.status == 410)
        #expect(foreign.text.contains("This link was generated for another IP address. Try previous step again."))
        #expect(try await Curl.request(fresh, ca: fixture.server.caPath).status == 200)
        await fixture.stop()
    }

    @Test func nameFilterOnlyMatchesNamedFiles() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "getfilelink", nameContains: "b.bin", times: nil, action: .result(5002)))
        #expect(try await fixture.api("getfilelink?fileid=\(try await fixture.fileID("/Backups/job1/a.txt"))").result() == 0)
        #expect(try await fixture.api("getfilelink?fileid=\(try await fixture.fileID("/Backups/job1/b.bin"))").result() == 5002)
        #expect(try await fixture.api("getfilelink?fileid=\(try await fixture.fileID("/Backups/job1/b.bin"))").result() == 5002)
        let cleared = try await fixture.control("faults", method: "DELETE")
        #expect(cleared.status == 200)
        #expect(try await fixture.api("getfilelink?fileid=\(try await fixture.fileID("/Backups/job1/b.bin"))").result() == 0)
        await fixture.stop()
    }

    @Test func tokensCanBeRevokedAndAddedThroughTheControlChannel() async throws {
        let fixture = try await EmulatorFixture.start()
        #expect(try await fixture.control("tokens/revoke", json: #"{"token":"emulator-token"}"#).status == 200)
        #expect(try await fixture.api("userinfo").result() == 2094)
        #expect(try await fixture.control("tokens", json: #"{"token":"second","region":"us"}"#).status == 200)
        #expect(try await fixture.api("userinfo", token: "second").result() == 0)
        await fixture.stop()
    }

    @Test func controlChannelRequiresTheSecretAndValidatesRules() async throws {
        let fixture = try await EmulatorFixture.start()
        #expect(try await fixture.control("faults", method: "GET", secret: "wrong").status == 403)
        #expect(try await fixture.control("faults", json: #"{"method":"download","action":"result","result":5000}"#).status == 400)
        #expect(try await fixture.control("faults", json: #"{"method":"x","action":"bogus"}"#).status == 400)
        let listed = try await fixture.control("faults", json: #"{"method":"stat","action":"status","status":503,"times":0}"#)
        #expect(listed.status == 200)
        let rules = try JSONSerialization.jsonObject(with: try await fixture.control("faults", method: "GET").body) as? [[String: Any]]
        #expect(rules?.first?["times"] as? String == "forever")
        await fixture.stop()
    }
}
