import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `pcloud-emulator` executable running as a child process, serving a folder as a pCloud
/// drive on loopback (HTTPS with a test CA), for end-to-end tests and demos.
package final class EmulatorProcess {
    /// `https://127.0.0.1:PORT`.
    package let httpsURL: String
    /// The test CA to trust.
    package let caPath: String
    /// The request log (one JSON object per line).
    package let requestLog: URL
    /// The control channel's secret (`X-Emulator-Secret`).
    package let controlSecret: String
    private let process: Process

    /// Starts the emulator and waits (at most 60 s) until it is ready.
    /// - Parameters:
    ///   - executable: the `pcloud-emulator` binary.
    ///   - root: the folder served as the drive.
    ///   - work: a folder for the TLS files, ready file and request log.
    ///   - tokens: `TOKEN` or `TOKEN:eu` strings.
    package init(executable: URL, root: URL, work: URL, tokens: [String] = ["emulator-token"]) throws {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let ready = work.appendingPathComponent("ready.json")
        requestLog = work.appendingPathComponent("requests.jsonl")
        try? FileManager.default.removeItem(at: ready)
        process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--root", root.path, "--ready-file", ready.path, "--tls-dir", work.appendingPathComponent("tls").path,
                             "--request-log", requestLog.path, "--http-port=-1"] + tokens.flatMap { ["--token", $0] }
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var info: [String: Any]?
        while Date() < deadline && process.isRunning {
            if let data = FileManager.default.contents(atPath: ready.path),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                info = object
                break
            }
            usleep(50_000)
        }
        guard let info, let https = info["https"] as? String, let ca = info["ca"] as? String else {
            process.terminate()
            throw FixtureError.io(path: ready.path, operation: "pcloud-emulator did not become ready", errno: 0)
        }
        httpsURL = https
        caPath = ca
        controlSecret = info["controlSecret"] as? String ?? ""
    }

    deinit { stop() }

    /// Stops the emulator.
    package func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Adds fault rules through the control channel (`POST /__emulator/faults`, see the
    /// emulator's README), e.g. `[{"method":"*","times":null,"action":"delay","ms":40}]`.
    /// - Parameter json: a rule object or an array of them.
    /// - Throws: ``FixtureError`` when the emulator refuses them.
    package func addFaults(_ json: String) throws {
        try postControl("faults", json)
    }

    /// Sets the WAN model through the control channel (`POST /__emulator/wan`, see the
    /// emulator's README), e.g. `{"latencyMs":40,"connectionRate":"20M","linkRate":"40M"}`.
    /// - Parameter json: the fields to change.
    /// - Throws: ``FixtureError`` when the emulator refuses them.
    package func setWAN(_ json: String) throws {
        try postControl("wan", json)
    }

    private func postControl(_ path: String, _ json: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sf", "--cacert", caPath, "-H", "X-Emulator-Secret: \(controlSecret)",
                             "-H", "Content-Type: application/json", "--data-binary", json, httpsURL + "/__emulator/" + path]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError.io(path: httpsURL, operation: "pcloud-emulator refused \(path) \(json)", errno: 0)
        }
    }

    /// The logged requests so far, as decoded JSON objects.
    package func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOf: requestLog, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
