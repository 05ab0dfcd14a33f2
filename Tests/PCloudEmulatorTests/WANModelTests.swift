import Foundation
import Testing
@testable import PCloudEmulator

/// The WAN model: latency before every answer, per-connection and shared link rates, changes at
/// run time, TCP_NODELAY. Only lower bounds on time are asserted (a loaded machine makes
/// everything slower, never faster), with generous margins.
@Suite("WAN model")
struct WANModelTests {
    /// Two files of `size` random bytes under /wan.
    static func files(size: Int) -> [String: Data] {
        var generator = SplitMix(seed: 7)
        func bytes() -> Data { Data((0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }) }
        return ["wan/one.bin": bytes(), "wan/two.bin": bytes()]
    }

    /// Downloads may take long on a loaded machine (only lower bounds are asserted): curl's
    /// 30 s limit in `Curl.request` would cut them.
    static let patient = ["--max-time", "600"]

    /// Seconds `body` takes.
    static func seconds<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let value = try await body()
        let elapsed = ContinuousClock.now - start
        return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    @Test func latencyDelaysEveryAPICallAndDownload() async throws {
        let fixture = try await EmulatorFixture.start { $0.wan = WANSettings(latencyMilliseconds: 300) }
        let (info, apiSeconds) = try await Self.seconds { try await fixture.api("userinfo") }
        #expect(try info.result() == 0)
        #expect(apiSeconds >= 0.3)
        let url = try await fixture.link(fileID: try await fixture.fileID("/Backups/job1/b.bin"))
        let (download, downloadSeconds) = try await Self.seconds {
            try await Curl.request(url, ca: fixture.server.caPath, headers: ["Range: bytes=0-99"])
        }
        #expect(download.status == 206)
        #expect(download.body.count == 100)
        #expect(downloadSeconds >= 0.3)
        await fixture.stop()
    }

    @Test func sharedLinkBucketLimitsTwoParallelDownloadsTogether() async throws {
        let size = 600_000
        let files = Self.files(size: size)
        let rate = 1_000_000
        let fixture = try await EmulatorFixture.start(files: files) { $0.wan = WANSettings(linkRate: rate) }
        let one = try await fixture.link(fileID: try await fixture.fileID("/wan/one.bin"))
        let two = try await fixture.link(fileID: try await fixture.fileID("/wan/two.bin"))
        let ca = fixture.server.caPath
        let ((first, second), seconds) = try await Self.seconds {
            async let a = Curl.request(one, ca: ca, extra: Self.patient)
            async let b = Curl.request(two, ca: ca, extra: Self.patient)
            return try await (a, b)
        }
        #expect(first.body == files["wan/one.bin"])
        #expect(second.body == files["wan/two.bin"])
        // Each alone would be allowed the whole link; together they share it: 1.2 MB at 1 MB/s.
        let achieved = Double(2 * size) / seconds
        #expect(achieved <= 1.25 * Double(rate), "two downloads together moved \(achieved) B/s on a \(rate) B/s link")
        let log = await fixture.log(atLeast: 4).filter { $0.method == "download" }
        #expect(Set(log.map(\.connection)).count == 2)
        await fixture.stop()
    }

    @Test func connectionRateLimitsOneDownload() async throws {
        let size = 400_000
        let files = Self.files(size: size)
        let rate = 500_000
        let fixture = try await EmulatorFixture.start(files: files) { $0.wan = WANSettings(connectionRate: rate) }
        let url = try await fixture.link(fileID: try await fixture.fileID("/wan/one.bin"))
        let (download, seconds) = try await Self.seconds { try await Curl.request(url, ca: fixture.server.caPath, extra: Self.patient) }
        #expect(download.body == files["wan/one.bin"])
        let achieved = Double(size) / seconds
        #expect(achieved <= 1.25 * Double(rate), "one download moved \(achieved) B/s on a \(rate) B/s connection")
        await fixture.stop()
    }

    @Test func runtimeChangesTakeEffectAndReadBack() async throws {
        let size = 300_000
        let files = Self.files(size: size)
        let fixture = try await EmulatorFixture.start(files: files)
        let url = try await fixture.link(fileID: try await fixture.fileID("/wan/one.bin"))

        let set = try await fixture.control("wan", json: #"{"latencyMs": 250, "connectionRate": "500K"}"#)
        #expect(set.status == 200)
        #expect(try set.json()["latencyMs"] as? Int == 250)
        let read = try await fixture.control("wan", method: "GET").json()
        #expect(read["latencyMs"] as? Int == 250)
        #expect(read["connectionRate"] as? Int == 500_000)
        #expect(read["linkRate"] as? String == "unlimited")
        #expect(fixture.server.wan.settings == WANSettings(latencyMilliseconds: 250, connectionRate: 500_000))

        let (_, apiSeconds) = try await Self.seconds { try await fixture.api("userinfo") }
        #expect(apiSeconds >= 0.25)
        let (download, downloadSeconds) = try await Self.seconds {
            try await Curl.request(url, ca: fixture.server.caPath, extra: Self.patient)
        }
        #expect(download.body == files["wan/one.bin"])
        // 250 ms, then 300 kB at 500 kB/s (minus one burst of credit).
        #expect(downloadSeconds >= 0.25 + 0.5)

        // Only the fields sent change; 0 and null lift a rate.
        let partial = try await fixture.control("wan", json: #"{"linkRate": "40M"}"#)
        #expect(partial.status == 200)
        #expect(fixture.server.wan.settings == WANSettings(latencyMilliseconds: 250, connectionRate: 500_000, linkRate: 40_000_000))
        let cleared = try await fixture.control("wan", json: #"{"latencyMs": 0, "connectionRate": 0, "linkRate": null}"#)
        #expect(cleared.status == 200)
        #expect(fixture.server.wan.settings == WANSettings())
        await fixture.stop()
    }

    @Test func badValuesAreRefusedWith400AndChangeNothing() async throws {
        let before = WANSettings(latencyMilliseconds: 7, connectionRate: 123_000)
        let fixture = try await EmulatorFixture.start { $0.wan = before }
        let bodies = [
            #"{"latencyMs": -5}"#, #"{"latencyMs": "fast"}"#, #"{"latencyMs": 1.5}"#, #"{"latencyMs": 100000000}"#,
            #"{"linkRate": "lots"}"#, #"{"connectionRate": -1}"#, #"{"connectionRate": "20X"}"#,
            #"{"latencyMs": 5, "speed": 1}"#, #"[1, 2]"#, "not json",
        ]
        for body in bodies {
            let answer = try await fixture.control("wan", json: body)
            #expect(answer.status == 400, "\(body) answered \(answer.status)")
            #expect((try? answer.json())?["error"] is String, "\(body) answered without a reason")
        }
        #expect(fixture.server.wan.settings == before)
        await fixture.stop()
    }

    @Test func acceptedConnectionsHaveTCPNoDelayOnBothListeners() async throws {
        let fixture = try await EmulatorFixture.start()
        let https = try await fixture.control("wan", method: "GET").json()
        #expect(https["tcpNoDelay"] as? Bool == true)
        let plain = try await Curl.request(
            fixture.server.httpURL + "/__emulator/wan", ca: fixture.server.caPath,
            headers: ["X-Emulator-Secret: \(fixture.server.controlSecret)"])
        #expect(try plain.json()["tcpNoDelay"] as? Bool == true)
        await fixture.stop()
    }

    @Test func ratesReadWithDecimalSuffixes() {
        #expect(WANSettings.parseRate("20M") == 20_000_000)
        #expect(WANSettings.parseRate("40m") == 40_000_000)
        #expect(WANSettings.parseRate("1.5MB/s") == 1_500_000)
        #expect(WANSettings.parseRate("2500K") == 2_500_000)
        #expect(WANSettings.parseRate("1G") == 1_000_000_000)
        #expect(WANSettings.parseRate("40000000") == 40_000_000)
        #expect(WANSettings.parseRate("0") == 0)
        #expect(WANSettings.parseRate("unlimited") == 0)
        for bad in ["", "M", "abc", "1..2M", "-5", "20X", "1e3"] {
            #expect(WANSettings.parseRate(bad) == nil, "\(bad)")
        }
    }
}
