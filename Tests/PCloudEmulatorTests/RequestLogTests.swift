import Foundation
import Testing
@testable import PCloudEmulator

@Suite("Request log")
struct RequestLogTests {
    @Test func logsMethodParametersStatusAndBytesWithoutSecrets() async throws {
        let fixture = try await EmulatorFixture.start()
        let id = try await fixture.fileID("/Backups/job1/b.bin")
        _ = try await fixture.api("listfolder?folderid=0&access_token=emulator-token", token: nil)
        let url = try await fixture.link(fileID: id)
        let ranged = try await Curl.request(url, ca: fixture.server.caPath, headers: ["Range: bytes=100-1099", "Authorization: Bearer emulator-token"])
        #expect(ranged.status == 206)

        let entries = await fixture.log(atLeast: 3)
        try #require(entries.map(\.method) == ["listfolder", "getfilelink", "download"])
        #expect(entries[0].parameters["access_token"] == "REDACTED")
        #expect(entries[0].parameters["folderid"] == "0")
        #expect(entries[0].authorization == false)
        #expect(entries[0].result == 0)
        #expect(entries[1].authorization == true)
        #expect(entries[2].status == 206)
        #expect(entries[2].range == "bytes=100-1099")
        #expect(entries[2].bytesSent == 1000)

        await fixture.server.stop()
        let file = try String(contentsOf: fixture.directory.appendingPathComponent("requests.jsonl"), encoding: .utf8)
        #expect(!file.contains("emulator-token"))
        let lines = file.split(separator: "\n")
        #expect(lines.count == 3)
        let last = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any]
        #expect(last?["bytesSent"] as? Int == 1000)
        #expect(last?["method"] as? String == "download")
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    @Test func controlLogEndpointReturnsJSONLines() async throws {
        let fixture = try await EmulatorFixture.start()
        _ = try await fixture.api("userinfo")
        _ = await fixture.log(atLeast: 1)
        let log = try await fixture.control("log", method: "GET")
        #expect(log.status == 200)
        #expect(log.text.split(separator: "\n").count == 1)
        #expect(log.text.contains("\"method\":\"userinfo\""))
        await fixture.stop()
    }
}
