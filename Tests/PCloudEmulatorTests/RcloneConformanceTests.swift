import Foundation
import Testing
@testable import PCloudEmulator

/// rclone 1.60.1 (Debian's package) as an independent pCloud client (API notes §7, §8.7).
/// Enabled only when `rclone` is on PATH; the test installs nothing.
@Suite("rclone conformance", .serialized, .enabled(if: ProcessRunner.which("rclone") != nil))
struct RcloneConformanceTests {
    /// Runs rclone against the fixture through environment variables and an empty config file.
    private func rclone(_ fixture: EmulatorFixture, _ arguments: [String], token: String = EmulatorFixture.token) async throws -> ProcessRunner.Output {
        let config = fixture.directory.appendingPathComponent("rclone.conf")
        if !FileManager.default.fileExists(atPath: config.path) {
            FileManager.default.createFile(atPath: config.path, contents: Data())
        }
        var environment = ProcessInfo.processInfo.environment
        environment["RCLONE_CONFIG"] = config.path
        environment["RCLONE_CONFIG_EMU_TYPE"] = "pcloud"
        environment["RCLONE_CONFIG_EMU_HOSTNAME"] = "127.0.0.1:\(fixture.server.httpsPort)"
        environment["RCLONE_CONFIG_EMU_TOKEN"] =
            #"{"access_token":"\#(token)","token_type":"bearer","expiry":"0001-01-01T00:00:00Z"}"#
        environment["SSL_CERT_FILE"] = fixture.server.caPath
        environment["XDG_CACHE_HOME"] = fixture.directory.appendingPathComponent("cache").path
        let executable = try #require(ProcessRunner.which("rclone"))
        return try await ProcessRunner.run(
            executable, ["--ca-cert", fixture.server.caPath, "--contimeout", "5s", "--timeout", "20s"] + arguments,
            environment: environment)
    }

    private func makeSource(in directory: URL) throws -> (URL, [String: Data]) {
        var generator = SplitMix(seed: 7)
        let big = Data((0..<3_000_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        let files: [String: Data] = [
            "duplicati-20260101T000000Z.dlist.zip.aes": Data("dlist".utf8),
            "empty.aes": Data(),
            "duplicati-b0001.dblock.zip.aes": big,
            "notes.txt": Data("plain text\n".utf8),
            "sub/inner.bin": Data([0, 1, 2, 3, 255]),
        ]
        let source = directory.appendingPathComponent("source")
        for (path, data) in files {
            let url = source.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        return (source, files)
    }

    @Test func copyUpListWithHashesCatRangeAndCopyDownKeepEveryByte() async throws {
        let fixture = try await EmulatorFixture.start(files: [:])
        let (source, files) = try makeSource(in: fixture.directory)

        let up = try await rclone(fixture, ["copy", source.path, "EMU:Backups/job1"])
        #expect(up.exitCode == 0, "\(up.stderr)")
        for (path, data) in files {
            #expect(try Data(contentsOf: fixture.root.appendingPathComponent("Backups/job1/\(path)")) == data, "\(path)")
        }
        let uploads = fixture.server.requestLog().filter { $0.method == "uploadfile" }
        #expect(uploads.contains { $0.verb == "PUT" })
        #expect(uploads.contains { $0.verb == "POST" && ($0.contentType ?? "").hasPrefix("multipart/form-data") })

        let listed = try await rclone(fixture, ["lsjson", "-R", "--hash", "EMU:Backups/job1"])
        #expect(listed.exitCode == 0, "\(listed.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])
        for (path, data) in files {
            let entry = try #require(entries.first { $0["Path"] as? String == path }, "\(path)")
            #expect(entry["Size"] as? Int == data.count)
            let temporary = fixture.directory.appendingPathComponent("hash-\(UUID().uuidString)")
            try data.write(to: temporary)
            let sums = try FileChecksums.compute(fileAt: temporary)
            #expect((entry["Hashes"] as? [String: String])?["md5"] == sums.md5)
            #expect((entry["Hashes"] as? [String: String])?["sha1"] == sums.sha1)
        }
        #expect(fixture.server.requestLog().contains { $0.method == "listfolder" && $0.parameters["recursive"] == "1" })
        #expect(fixture.server.requestLog().contains { $0.method == "checksumfile" })

        let big = try #require(files["duplicati-b0001.dblock.zip.aes"])
        let cat = try await rclone(fixture, ["cat", "--offset", "1234567", "--count", "4096", "EMU:Backups/job1/duplicati-b0001.dblock.zip.aes"])
        #expect(cat.exitCode == 0, "\(cat.stderr)")
        #expect(cat.stdout == big[1_234_567..<(1_234_567 + 4096)])
        let ranged = await fixture.log(until: { $0.method == "download" && $0.range != nil }).last { $0.method == "download" }
        #expect(ranged?.range == "bytes=1234567-1238662")
        #expect(ranged?.status == 206)

        let destination = fixture.directory.appendingPathComponent("down")
        let down = try await rclone(fixture, ["copy", "EMU:Backups/job1", destination.path])
        #expect(down.exitCode == 0, "\(down.stderr)")
        for (path, data) in files {
            #expect(try Data(contentsOf: destination.appendingPathComponent(path)) == data, "\(path)")
        }

        let about = try await rclone(fixture, ["about", "--json", "EMU:"])
        #expect(about.exitCode == 0, "\(about.stderr)")
        let usage = try JSONSerialization.jsonObject(with: about.stdout) as? [String: Any]
        #expect(usage?["used"] as? Int == files.values.reduce(0) { $0 + $1.count })
        await fixture.stop()
    }

    @Test func revokedTokenFailsWith2094WithoutRetrying() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.tokens.revoke(EmulatorFixture.token)
        let listed = try await rclone(fixture, ["lsjson", "--retries", "1", "--low-level-retries", "10", "EMU:Backups"])
        #expect(listed.exitCode != 0)
        #expect(listed.stderr.contains("2094"))
        // rclone looks the root up once as a folder and once more as a file; a retried call
        // would show up as many more (low-level retries are 10).
        let calls = await fixture.log(atLeast: 1).filter { $0.method == "listfolder" }
        #expect((1...2).contains(calls.count))
        #expect(calls.allSatisfy { $0.result == 2094 })
        await fixture.stop()
    }

    @Test func result5000IsRetriedUntilSuccess() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "listfolder", times: 2, action: .result(5000)))
        let listed = try await rclone(fixture, ["lsjson", "--retries", "1", "EMU:Backups/job1"])
        #expect(listed.exitCode == 0, "\(listed.stderr)")
        let names = (try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])?.compactMap { $0["Name"] as? String }
        #expect(names?.sorted() == ["a.txt", "b.bin", "empty.dat"])
        let results = fixture.server.requestLog().filter { $0.method == "listfolder" }.compactMap(\.result)
        #expect(results.prefix(3) == [5000, 5000, 0])
        await fixture.stop()
    }

    @Test func http429And503AreRetriedUntilSuccess() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "listfolder", action: .httpStatus(429, retryAfter: 1, body: .html)))
        fixture.server.faults.add(FaultRule(method: "listfolder", action: .httpStatus(503, retryAfter: nil, body: .html)))
        let listed = try await rclone(fixture, ["lsjson", "--retries", "1", "EMU:Backups/job1"])
        #expect(listed.exitCode == 0, "\(listed.stderr)")
        let statuses = fixture.server.requestLog().filter { $0.method == "listfolder" }.map(\.status)
        #expect(statuses.prefix(3) == [429, 503, 200])
        await fixture.stop()
    }

    @Test func expiredLinkMakesCatFailRatherThanReturnWrongBytes() async throws {
        let fixture = try await EmulatorFixture.start()
        fixture.server.faults.add(FaultRule(method: "getfilelink", times: nil, action: .linkTTL(seconds: 0)))
        let cat = try await rclone(fixture, ["cat", "--retries", "1", "--low-level-retries", "2", "EMU:Backups/job1/b.bin"])
        #expect(cat.exitCode != 0)
        #expect(cat.stdout.isEmpty)

        fixture.server.faults.clear()
        fixture.server.faults.add(FaultRule(method: "download", action: .httpStatus(410, retryAfter: nil, body: .html)))
        let gone = try await rclone(fixture, ["cat", "--retries", "1", "EMU:Backups/job1/a.txt"])
        // 410 is final for rclone 1.60.1; a later version may fetch a new link instead.
        if gone.exitCode == 0 {
            #expect(gone.stdout == Data("hello world\n".utf8))
        } else {
            #expect(gone.stdout.isEmpty)
            #expect(fixture.server.requestLog().filter { $0.method == "download" }.map(\.status) == [410])
        }
        await fixture.stop()
    }
}
