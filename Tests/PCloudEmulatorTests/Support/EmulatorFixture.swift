import Foundation
@testable import PCloudEmulator

/// A temporary drive with known files and a running emulator over it.
struct EmulatorFixture {
    let directory: URL
    let root: URL
    let server: PCloudEmulatorServer
    static let token = "emulator-token"

    /// Sample drive: /Backups/job1/{a.txt, b.bin (100 000 bytes), empty.dat}, /Other/note.txt.
    static func sampleFiles() -> [String: Data] {
        var generator = SplitMix(seed: 42)
        let big = Data((0..<100_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        return [
            "Backups/job1/a.txt": Data("hello world\n".utf8),
            "Backups/job1/b.bin": big,
            "Backups/job1/empty.dat": Data(),
            "Other/note.txt": Data("note".utf8),
        ]
    }

    static func start(files: [String: Data] = sampleFiles(), configure: (inout EmulatorConfiguration) -> Void = { _ in }) async throws -> EmulatorFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pcloudemu-test-\(UUID().uuidString)")
        let root = directory.appendingPathComponent("drive")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for (path, data) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        var configuration = EmulatorConfiguration(root: root)
        configuration.tlsDirectory = directory.appendingPathComponent("tls")
        configuration.requestLogFile = directory.appendingPathComponent("requests.jsonl")
        configure(&configuration)
        let server = try await PCloudEmulatorServer.start(configuration)
        return EmulatorFixture(directory: directory, root: root, server: server)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// An API call with the bearer token (unless `token` is nil).
    func api(_ methodAndQuery: String, token: String? = EmulatorFixture.token, method: String? = nil, extra: [String] = []) async throws -> Curl.Result {
        var headers: [String] = []
        if let token { headers.append("Authorization: Bearer \(token)") }
        return try await Curl.request(server.httpsURL + "/" + methodAndQuery, ca: server.caPath, method: method, headers: headers, extra: extra)
    }

    /// `getfilelink` for `fileid`, returning the full https URL of the content.
    func link(fileID: UInt64) async throws -> String {
        let answer = try await api("getfilelink?fileid=\(fileID)").json()
        guard let hosts = answer["hosts"] as? [String], let host = hosts.first, let path = answer["path"] as? String else {
            throw Curl.CurlError.notJSON("\(answer)")
        }
        return "https://\(host)\(path)"
    }

    /// A control-channel call.
    func control(_ path: String, method: String = "POST", json: String? = nil, secret: String? = nil) async throws -> Curl.Result {
        var extra: [String] = []
        if let json { extra += ["--data-binary", json, "-H", "Content-Type: application/json"] }
        return try await Curl.request(
            server.httpsURL + "/__emulator/" + path, ca: server.caPath, method: method,
            headers: ["X-Emulator-Secret: \(secret ?? server.controlSecret)"], extra: extra)
    }

    /// The request log once it holds at least `count` entries (bodies are logged when they end,
    /// which may be just after the client has read them), or as it is after two seconds.
    func log(atLeast count: Int) async -> [RequestLogEntry] {
        for _ in 0..<200 {
            let entries = server.requestLog()
            if entries.count >= count { return entries }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return server.requestLog()
    }

    /// The log once it holds an entry matching `condition` (the emulator records a request only
    /// after its answer has gone out, so it may lag behind the client); at most 5 s.
    func log(until condition: (RequestLogEntry) -> Bool) async -> [RequestLogEntry] {
        for _ in 0..<500 {
            let entries = server.requestLog()
            if entries.contains(where: condition) { return entries }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return server.requestLog()
    }

    /// The id of the file at `path` (as the drive numbers it).
    func fileID(_ path: String) async throws -> UInt64 {
        guard case .file(let id)? = await server.drive.item(atPath: path) else { throw Curl.CurlError.notJSON("no file \(path)") }
        return id
    }
}

/// A tiny deterministic generator for test bytes.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
