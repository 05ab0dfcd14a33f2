import ByteSource
import Foundation
import HTTP
import PCloud
import PCloudEmulator
import Storage
import Synchronization
import Testing

/// An emulator serving a small drive, and stores pointed at it.
final class EmulatorFixture: Sendable {
    static let token = "emulator-token"
    /// `Backups/job1`'s files and their bytes.
    let files: [String: [UInt8]]
    let root: URL
    let server: PCloudEmulatorServer

    private init(root: URL, files: [String: [UInt8]], server: PCloudEmulatorServer) {
        self.root = root
        self.files = files
        self.server = server
    }

    /// Starts an emulator over a fresh drive: `Backups/job1/{small.bin, large.bin, sub/inner.bin}`,
    /// `Other/x.bin`.
    static func start(configure: (inout EmulatorConfiguration) -> Void = { _ in }) async throws -> EmulatorFixture {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pcloud-tests-\(UUID().uuidString)")
        let job = root.appendingPathComponent("Backups/job1")
        try FileManager.default.createDirectory(at: job.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Other"), withIntermediateDirectories: true)
        var generator = SplitMix(seed: 42)
        let files = [
            "small.bin": (0..<1000).map { _ in generator.nextByte() },
            "large.bin": (0..<(3 << 20)).map { _ in generator.nextByte() },
        ]
        for (name, bytes) in files { try Data(bytes).write(to: job.appendingPathComponent(name)) }
        try Data([1, 2, 3]).write(to: job.appendingPathComponent("sub/inner.bin"))
        try Data([4, 5, 6]).write(to: root.appendingPathComponent("Other/x.bin"))
        var configuration = EmulatorConfiguration(root: root, tokens: [token: .us, "eu-token": .eu])
        configuration.httpPort = nil
        configure(&configuration)
        let server = try await PCloudEmulatorServer.start(configuration)
        return EmulatorFixture(root: root, files: files, server: server)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// A configuration for `folder` with quick retries.
    func configuration(
        folder: String = "/Backups/job1", token: String? = EmulatorFixture.token, host: String = "api.pcloud.com",
        // Generous stall and total limits: beside the other suites on 2 cores the emulator can
        // go seconds without answering, and a retry would change the request counts these
        // tests check. The attempts bound the tests of failures.
        retry: RetryPolicy = RetryPolicy(maxAttempts: 5, initialDelay: 0.01, maxDelay: 0.05, maxTotalTime: 60),
        timeouts: HTTPTimeouts = HTTPTimeouts(connect: 10, stall: 20, total: 60)
    ) -> PCloudConfiguration {
        PCloudConfiguration(
            host: host, folder: folder, token: token, apiBase: server.httpsURL, caFile: server.caPath, retry: retry,
            timeouts: timeouts)
    }

    func store(folder: String = "/Backups/job1") throws -> PCloudStore {
        try PCloudStore(configuration: configuration(folder: folder))
    }

    /// Requests for one method (`listfolder`, `getfilelink`, `download`, ...), once at least `count`
    /// are logged or 5 s passed: the emulator logs a request after its answer went out, so the
    /// client may be done before the entry exists.
    func requests(_ method: String, atLeast count: Int) async -> [RequestLogEntry] {
        let deadline = Date().addingTimeInterval(5)
        while true {
            let entries = server.requestLog().filter { $0.method == method }
            if entries.count >= count || Date() > deadline { return entries }
            try? await Task.sleep(for: .milliseconds(10))
        }
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
    mutating func nextByte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

/// Runs a blocking body off Swift's cooperative pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

@Suite(.serialized) struct PCloudStoreTests {
    @Test func listsTheFilesOfTheFolderOnly() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let store = try await blocking { try fixture.store() }
        let files = try await blocking { try store.list() }
        #expect(files.map(\.name) == ["large.bin", "small.bin"])
        #expect(files.map(\.size) == [3 << 20, 1000])
        #expect(files.allSatisfy { $0.modified != nil })
        #expect(store.displayName == "pcloud://api.pcloud.com/Backups/job1")
        #expect(store.identity.hasPrefix("pcloud://api.pcloud.com/Backups/job1#user="))
        #expect(!store.identity.contains(EmulatorFixture.token))
        #expect(await fixture.requests("userinfo", atLeast: 1).count == 1)
        #expect(fixture.server.requestLog().allSatisfy { $0.method == "download" || $0.authorization })
    }

    @Test func rangedReadsReturnTheExactBytesWithOneGETEach() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let large = try #require(fixture.files["large.bin"])
        let store = try await blocking { try fixture.store() }
        let file = try #require(try await blocking { try store.list() }.first { $0.name == "large.bin" })
        let source = try await blocking { try store.open(file) }
        fixture.server.clearRequestLog()
        var generator = SplitMix(seed: 7)
        var reads: [(Int64, Int)] = [(0, 1), (0, 4096), (Int64(large.count) - 10, 10), (Int64(large.count) - 5, 100)]
        for _ in 0..<20 {
            let offset = Int64(generator.next() % UInt64(large.count))
            reads.append((offset, Int(generator.next() % 70_000) + 1))
        }
        for (offset, count) in reads {
            let bytes = try await blocking { try source.read(at: offset, count: count) }
            let end = min(large.count, Int(offset) + count)
            #expect(bytes == Array(large[Int(offset)..<end]), "read \(offset)+\(count)")
        }
        #expect(try await blocking { try source.read(at: Int64(large.count), count: 5) }.isEmpty)
        #expect(await fixture.requests("download", atLeast: reads.count).count == reads.count)
        #expect(await fixture.requests("getfilelink", atLeast: 1).count == 1)
        #expect(await fixture.requests("download", atLeast: reads.count).allSatisfy { $0.status == 206 && $0.range != nil })
        // The link is the credential: the token stays with the API host.
        #expect(await fixture.requests("download", atLeast: reads.count).allSatisfy { !$0.authorization })
    }

    @Test func aRejectedTokenIsAccessDeniedNamingTheOtherRegionWithoutRetry() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        // A token of the EU region sent to a US instance: pCloud answers 2094.
        let error = await #expect(throws: StorageError.self) {
            try await blocking { try PCloudStore(configuration: fixture.configuration(token: "eu-token")) }
        }
        guard case .accessDenied(let why) = error else {
            Issue.record("expected accessDenied, got \(String(describing: error))")
            return
        }
        #expect(why.contains("pCloud rejected the access token (2094"))
        #expect(why.contains("eapi.pcloud.com"))
        #expect(!why.contains("eu-token"))
        #expect(await fixture.requests("userinfo", atLeast: 1).count == 1)
    }

    @Test func aMissingTokenIsAccessDeniedExplainingHowToGiveOne() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let error = await #expect(throws: StorageError.self) {
            try await blocking { try PCloudStore(configuration: fixture.configuration(token: nil)) }
        }
        guard case .accessDenied(let why) = error else {
            Issue.record("expected accessDenied, got \(String(describing: error))")
            return
        }
        #expect(why.contains("no access token"))
        #expect(why.contains("PCLOUD_AUTHID"))
        #expect(await fixture.requests("userinfo", atLeast: 1).count == 1)
    }

    @Test func aRevokedTokenMidRunIsNotRetried() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let store = try await blocking { try fixture.store() }
        fixture.server.faults.add(FaultRule(method: "listfolder", times: nil, action: .result(2094)))
        let error = await #expect(throws: StorageError.self) { try await blocking { try store.list() } }
        #expect(error.map { if case .accessDenied = $0 { true } else { false } } == true)
        #expect(await fixture.requests("listfolder", atLeast: 1).count == 1)
    }

    @Test func aMissingFolderIsFolderNotFound() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let store = try await blocking { try fixture.store(folder: "/Backups/nope") }
        let error = await #expect(throws: StorageError.self) { try await blocking { try store.list() } }
        guard case .folderNotFound(let path) = error else {
            Issue.record("expected folderNotFound, got \(String(describing: error))")
            return
        }
        #expect(path.contains("/Backups/nope"))
        #expect(await fixture.requests("listfolder", atLeast: 1).count == 1)
    }

    @Test(arguments: [
        FaultAction.result(5000), .result(4000), .result(5002),
        .httpStatus(503, retryAfter: nil, body: .html), .httpStatus(429, retryAfter: 1, body: .empty),
        .httpStatus(502, retryAfter: nil, body: .json), .dropConnection, .jsonWithoutResult(status: 500),
    ])
    func transientAPIFailuresAreRetriedThenSucceed(_ action: FaultAction) async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let store = try await blocking { try fixture.store() }
        fixture.server.faults.add(FaultRule(method: "listfolder", times: 1, action: action))
        let started = Date()
        let files = try await blocking { try store.list() }
        #expect(files.count == 2)
        #expect(await fixture.requests("listfolder", atLeast: 2).count == 2)
        if case .httpStatus(429, let retryAfter?, _) = action {
            #expect(Date().timeIntervalSince(started) >= Double(retryAfter) - 0.05)
        }
    }

    @Test func persistentServerErrorsGiveUpWithANetworkError() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let store = try await blocking { try fixture.store() }
        fixture.server.faults.add(FaultRule(method: "listfolder", times: nil, action: .result(5000)))
        let error = await #expect(throws: StorageError.self) { try await blocking { try store.list() } }
        guard case .network(let why) = error else {
            Issue.record("expected network, got \(String(describing: error))")
            return
        }
        #expect(why.contains("5000"))
        #expect(why.contains("5 attempts"))
        #expect(await fixture.requests("listfolder", atLeast: 5).count == 5)
    }

    @Test(arguments: [
        FaultAction.truncate(afterBytes: 100), .dropConnection, .httpStatus(500, retryAfter: nil, body: .html),
        .httpStatus(503, retryAfter: nil, body: .empty), .foreignIP, .httpStatus(404, retryAfter: nil, body: .html),
        .ignoreRange,
    ])
    func downloadFailuresAreRetriedAndTheBytesAreRight(_ action: FaultAction) async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let large = try #require(fixture.files["large.bin"])
        let store = try await blocking { try fixture.store() }
        let file = try #require(try await blocking { try store.list() }.first { $0.name == "large.bin" })
        let source = try await blocking { try store.open(file) }
        fixture.server.faults.add(FaultRule(method: "download", times: 1, action: action))
        let bytes = try await blocking { try source.read(at: 123_456, count: 200_000) }
        #expect(bytes == Array(large[123_456..<323_456]))
    }

    @Test func anExpiredLinkIsRenewed() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let small = try #require(fixture.files["small.bin"])
        let store = try await blocking { try fixture.store() }
        let file = try #require(try await blocking { try store.list() }.first { $0.name == "small.bin" })
        let source = try await blocking { try store.open(file) }
        #expect(try await blocking { try source.read(at: 0, count: 10) } == Array(small[0..<10]))
        fixture.server.expireAllLinks()
        #expect(try await blocking { try source.read(at: 10, count: 10) } == Array(small[10..<20]))
        #expect(await fixture.requests("getfilelink", atLeast: 2).count == 2)
        #expect(await fixture.requests("download", atLeast: 3).map(\.status) == [206, 410, 206])
    }

    @Test func aLinkIssuedAlreadyExpiredIsReplaced() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let small = try #require(fixture.files["small.bin"])
        let store = try await blocking { try fixture.store() }
        let file = try #require(try await blocking { try store.list() }.first { $0.name == "small.bin" })
        let source = try await blocking { try store.open(file) }
        fixture.server.faults.add(FaultRule(method: "getfilelink", times: 1, action: .linkTTL(seconds: 0)))
        #expect(try await blocking { try source.read(at: 500, count: 500) } == Array(small[500..<1000]))
        #expect(await fixture.requests("getfilelink", atLeast: 2).count >= 2)
    }

    @Test func aStalledDownloadTimesOutWithinTheConfiguredBound() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let store = try await blocking {
            try PCloudStore(
                configuration: fixture.configuration(
                    retry: RetryPolicy(maxAttempts: 2, initialDelay: 0.01, maxDelay: 0.01, maxTotalTime: 30),
                    timeouts: HTTPTimeouts(connect: 5, stall: 1, stallBytesPerSecond: 1000, total: 4)))
        }
        let file = try #require(try await blocking { try store.list() }.first { $0.name == "large.bin" })
        let source = try await blocking { try store.open(file) }
        fixture.server.faults.add(FaultRule(method: "download", times: nil, action: .slowDrip(bytesPerSecond: 10)))
        let started = Date()
        let error = await #expect(throws: StorageError.self) {
            try await blocking { try source.read(at: 0, count: 100_000) }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 10)
        guard case .network(let why) = error else {
            Issue.record("expected network, got \(String(describing: error))")
            return
        }
        #expect(why.contains("127.0.0.1"))
        #expect(!why.contains(EmulatorFixture.token))
    }

    @Test func concurrentReadsFromEightThreadsAreCorrect() async throws {
        let fixture = try await EmulatorFixture.start()
        defer { Task { await fixture.stop() } }
        let large = try #require(fixture.files["large.bin"])
        let store = try await blocking { try fixture.store() }
        let file = try #require(try await blocking { try store.list() }.first { $0.name == "large.bin" })
        let source = try await blocking { try store.open(file) }
        let mismatches = try await blocking {
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                var generator = SplitMix(seed: UInt64(thread) + 100)
                for _ in 0..<12 {
                    let offset = Int(generator.next() % UInt64(large.count))
                    let count = Int(generator.next() % 100_000) + 1
                    do {
                        let bytes = try source.read(at: Int64(offset), count: count)
                        if bytes != Array(large[offset..<min(large.count, offset + count)]) {
                            failures.add("thread \(thread): wrong bytes at \(offset)+\(count)")
                        }
                    } catch {
                        failures.add("thread \(thread): \(error)")
                    }
                }
            }
            return failures.all
        }
        #expect(mismatches.isEmpty)
        #expect(await fixture.requests("download", atLeast: 96).count == 96)
    }
}

/// Failures collected from several threads.
final class Failures: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ failure: String) { list.withLock { $0.append(failure) } }
    var all: [String] { list.withLock { $0 } }
}
