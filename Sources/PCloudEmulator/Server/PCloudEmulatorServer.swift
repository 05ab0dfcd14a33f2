import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import Synchronization

/// A running pCloud emulator: an HTTPS listener (and optionally a plain-HTTP one) on loopback,
/// serving the API, content downloads and the `/__emulator/` control channel.
///
/// ```swift
/// let server = try await PCloudEmulatorServer.start(EmulatorConfiguration(root: folder))
/// defer { Task { await server.stop() } }
/// // point a client at server.httpsURL, trusting server.caPath, with token "emulator-token"
/// ```
package final class PCloudEmulatorServer: Sendable {
    /// `https://HOST:PORT` of the HTTPS listener.
    package let httpsURL: String
    /// `http://HOST:PORT` of the plain listener, or `""` when it is disabled.
    package let httpURL: String
    /// The HTTPS port actually bound.
    package let httpsPort: Int
    /// Absolute path of the test CA certificate (PEM) clients must trust.
    package let caPath: String
    /// The secret for `X-Emulator-Secret` on `/__emulator/` requests.
    package let controlSecret: String
    /// Fault-injection rules, shared with the HTTP control channel.
    package var faults: FaultController { core.faults }
    /// Accepted tokens and the instance region, changeable at run time.
    package var tokens: TokenTable { core.tokens }
    /// The wide-area link model (latency and rates), shared with the HTTP control channel.
    package var wan: WANModel { core.wan }
    /// The emulated drive.
    package var drive: Drive { core.drive }

    private let core: EmulatorCore
    private let tasks: [Task<Void, any Error>]

    private init(
        core: EmulatorCore, tasks: [Task<Void, any Error>], httpsURL: String, httpURL: String, httpsPort: Int,
        caPath: String
    ) {
        self.core = core
        self.tasks = tasks
        self.httpsURL = httpsURL
        self.httpURL = httpURL
        self.httpsPort = httpsPort
        self.caPath = caPath
        self.controlSecret = core.controlSecret
    }

    /// Starts the listeners and returns once both accept connections.
    /// - Throws: ``EmulatorStartError`` or the underlying error when the root is missing, the
    ///   certificates cannot be made, or a port cannot be bound.
    package static func start(_ configuration: EmulatorConfiguration, logger: Logger? = nil) async throws -> PCloudEmulatorServer {
        var logger = logger ?? Logger(label: "pcloud-emulator")
        if logger.logLevel < .warning && ProcessInfo.processInfo.environment["PCLOUD_EMULATOR_DEBUG"] == nil {
            logger.logLevel = .warning
        }
        let core = try EmulatorCore(configuration: configuration)
        let tlsDirectory = configuration.tlsDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("pcloud-emulator-tls-\(UUID().uuidString)")
        let authority = try TestCertificateAuthority(directory: tlsDirectory)
        let certificates = try NIOSSLCertificate.fromPEMFile(authority.serverCertificateURL.path)
        let key = try NIOSSLPrivateKey(file: authority.serverKeyURL.path, format: .pem)
        let tlsConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))

        // Every accepted connection gets TCP_NODELAY (see NoDelayHandler).
        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [NoDelayHandler()]))
        var tasks: [Task<Void, any Error>] = []
        let httpsPort: Int
        do {
            let (task, port) = try await launch(
                core: core, listener: "https", server: try .tls(http1, tlsConfiguration: tlsConfiguration),
                host: configuration.host, port: configuration.httpsPort, logger: logger)
            tasks.append(task)
            httpsPort = port
        }
        let hostForURL = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        core.contentHost = "\(hostForURL):\(httpsPort)"
        var httpURL = ""
        if let plainPort = configuration.httpPort {
            do {
                let (task, port) = try await launch(
                    core: core, listener: "http", server: http1, host: configuration.host, port: plainPort, logger: logger)
                tasks.append(task)
                httpURL = "http://\(hostForURL):\(port)"
            } catch {
                for task in tasks { task.cancel() }
                throw error
            }
        }
        return PCloudEmulatorServer(
            core: core, tasks: tasks, httpsURL: "https://\(hostForURL):\(httpsPort)", httpURL: httpURL,
            httpsPort: httpsPort, caPath: authority.caCertificateURL.standardizedFileURL.path)
    }

    private static func launch(
        core: EmulatorCore, listener: String, server: HTTPServerBuilder, host: String, port: Int, logger: Logger
    ) async throws -> (Task<Void, any Error>, Int) {
        let (stream, continuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        // Hummingbird reports connections cut by a stop as errors; only show them when debugging.
        var serverLogger = logger
        if ProcessInfo.processInfo.environment["PCLOUD_EMULATOR_DEBUG"] == nil { serverLogger.logLevel = .critical }
        let app = Application(
            responder: EmulatorResponder(core: core, listener: listener, logger: logger),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "CloudHTTPd-API v1.1"),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? 0))
            },
            logger: serverLogger)
        let task = Task<Void, any Error> {
            do {
                try await app.run()
                continuation.yield(.failure(EmulatorStartError.stoppedBeforeReady))
            } catch {
                continuation.yield(.failure(error))
                throw error
            }
        }
        for await outcome in stream {
            switch outcome {
            case .success(let bound): return (task, bound)
            case .failure(let error):
                task.cancel()
                throw error
            }
        }
        task.cancel()
        throw EmulatorStartError.stoppedBeforeReady
    }

    /// Stops the listeners (open connections are closed) and closes the log file.
    package func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.result }
        core.log.close()
    }

    /// Every request logged so far (control requests excluded), oldest first.
    package func requestLog() -> [RequestLogEntry] {
        core.log.entries
    }

    /// Forgets the in-memory request log.
    package func clearRequestLog() {
        core.log.clear()
    }

    /// Makes every content link issued so far answer 410.
    package func expireAllLinks() {
        core.links.expireAll()
    }

    /// The ready-file JSON: `https`, `http`, `ca`, `control`, `controlSecret`, `pid`.
    package var readyJSON: String {
        JSONValue.object([
            ("https", .string(httpsURL)),
            ("http", .string(httpURL)),
            ("ca", .string(caPath)),
            ("control", .string(httpsURL + "/__emulator/")),
            ("controlSecret", .string(controlSecret)),
            ("pid", .int(Int64(ProcessInfo.processInfo.processIdentifier))),
        ]).serialized()
    }
}

/// Why the emulator did not start.
package enum EmulatorStartError: Error, Sendable {
    /// A listener stopped before it reported its port.
    case stoppedBeforeReady
}
