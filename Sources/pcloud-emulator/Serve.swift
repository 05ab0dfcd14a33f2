import ArgumentParser
import Foundation
import PCloudEmulator

#if canImport(Glibc)
import Glibc
#endif

/// `pcloud-emulator serve`: serve a folder as the account's drive until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve a folder as a pCloud account's drive.")

    @Option(help: "Folder served as the drive (subfolders = folders, files = files).")
    var root: String

    @Option(name: .customLong("token"), help: "Accepted access token (repeatable); TOKEN or TOKEN:us / TOKEN:eu. Default: emulator-token.")
    var tokens: [String] = []

    @Option(help: "Region this instance plays: us or eu.")
    var region: String = "us"

    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("https-port"), help: "HTTPS port (0 = pick a free one).")
    var httpsPort: Int = 0

    @Option(name: .customLong("http-port"), help: "Plain HTTP port (0 = pick a free one, -1 = none).")
    var httpPort: Int = 0

    @Option(name: .customLong("tls-dir"), help: "Folder for the test CA and server certificate (made if missing). Default: a temp folder.")
    var tlsDirectory: String?

    @Option(name: .customLong("request-log"), help: "Append one JSON line per request to this file.")
    var requestLog: String?

    @Option(name: .customLong("ready-file"), help: "Write the ready JSON here (atomically) once listening.")
    var readyFile: String?

    @Option(name: .customLong("control-secret"), help: "Secret for X-Emulator-Secret on /__emulator/ requests. Default: random.")
    var controlSecret: String?

    @Option(name: .customLong("link-ttl"), help: "Lifetime of getfilelink links, in seconds.")
    var linkTTL: Double = 3600

    @Option(name: .customLong("latency-ms"), help: "WAN model: milliseconds every API call and download waits before its status line.")
    var latencyMilliseconds: Int = 0

    @Option(name: .customLong("connection-rate"), help: "WAN model: body bytes per second per connection (20M = 20 MB/s; 0 = unlimited).")
    var connectionRate: String = "0"

    @Option(name: .customLong("link-rate"), help: "WAN model: body bytes per second for all connections together (0 = unlimited).")
    var linkRate: String = "0"

    @Flag(name: .customLong("refuse-root-recursive"), help: "Answer recursive listfolder of folder 0 with 1101, like pCloud since 2026-04.")
    var refuseRootRecursive = false

    @Flag(name: .customLong("include-path"), help: "Include `path` in metadata.")
    var includePath = false

    func run() async throws {
        guard let instanceRegion = Region(rawValue: region) else {
            throw ValidationError("--region must be us or eu")
        }
        guard (0...WANSettings.latencyLimit).contains(latencyMilliseconds) else {
            throw ValidationError("--latency-ms must be 0...\(WANSettings.latencyLimit)")
        }
        guard let connectionBytes = WANSettings.parseRate(connectionRate) else {
            throw ValidationError("--connection-rate must be bytes per second, e.g. 20000000 or 20M")
        }
        guard let linkBytes = WANSettings.parseRate(linkRate) else {
            throw ValidationError("--link-rate must be bytes per second, e.g. 40000000 or 40M")
        }
        var tokenTable: [String: Region] = [:]
        for spec in tokens {
            if let colon = spec.lastIndex(of: ":"), let r = Region(rawValue: String(spec[spec.index(after: colon)...])) {
                tokenTable[String(spec[..<colon])] = r
            } else {
                tokenTable[spec] = instanceRegion
            }
        }
        if tokenTable.isEmpty { tokenTable = ["emulator-token": instanceRegion] }

        var configuration = EmulatorConfiguration(root: URL(fileURLWithPath: root), tokens: tokenTable)
        configuration.region = instanceRegion
        configuration.host = host
        configuration.httpsPort = httpsPort
        configuration.httpPort = httpPort < 0 ? nil : httpPort
        configuration.tlsDirectory = tlsDirectory.map { URL(fileURLWithPath: $0) }
        configuration.requestLogFile = requestLog.map { URL(fileURLWithPath: $0) }
        configuration.controlSecret = controlSecret
        configuration.linkTTL = linkTTL
        configuration.refuseRootRecursive = refuseRootRecursive
        configuration.includePath = includePath
        configuration.wan = WANSettings(
            latencyMilliseconds: latencyMilliseconds, connectionRate: connectionBytes == 0 ? nil : connectionBytes,
            linkRate: linkBytes == 0 ? nil : linkBytes)

        let server = try await PCloudEmulatorServer.start(configuration)
        let ready = server.readyJSON
        if let readyFile {
            let target = URL(fileURLWithPath: readyFile)
            let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())")
            try Data((ready + "\n").utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw ValidationError("cannot write ready file \(readyFile)")
            }
        }
        FileHandle.standardOutput.write(Data((ready + "\n").utf8))

        let (stops, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            sources.append(source)
        }
        for await _ in stops { break }
        await server.stop()
        for source in sources { source.cancel() }
    }
}
