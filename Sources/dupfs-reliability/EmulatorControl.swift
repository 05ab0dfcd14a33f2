import Foundation

/// The pcloud-emulator's control channel (`/__emulator/...`), driven with curl because plain
/// URLSession cannot trust a private CA on Linux.
struct EmulatorControl: Sendable {
    /// `https://127.0.0.1:PORT`.
    let baseURL: String
    /// The emulator's CA file.
    let caPath: String
    /// `X-Emulator-Secret`.
    let secret: String
    /// Rules that stay on all run long (the link's latency), put back whenever faults are cleared.
    var standing: String?

    /// Adds fault rules (the README's JSON shape).
    /// - Parameter rules: a JSON array of rule objects.
    /// - Throws: `ReliabilityError.control` when refused.
    func addRules(json rules: String) throws {
        guard rules != "[]" else { return }
        try send("POST", "faults", body: rules)
    }

    /// Removes every fault rule but the standing ones.
    func clearRules() throws {
        try send("DELETE", "faults")
        if let standing { try addRules(json: standing) }
    }

    /// Makes every link issued so far answer 410.
    func expireLinks() throws {
        try send("POST", "links/expire", body: "{}")
    }

    /// Revokes a token: from now on it gets 2094.
    func revoke(token: String) throws {
        try send("POST", "tokens/revoke", body: #"{"token":"\#(token)"}"#)
    }

    /// Accepts a token (again).
    func accept(token: String) throws {
        try send("POST", "tokens", body: #"{"token":"\#(token)","region":"us"}"#)
    }

    private func send(_ verb: String, _ path: String, body: String? = nil) throws {
        var arguments = ["-sS", "--fail-with-body", "--max-time", "20", "--cacert", caPath,
                         "-H", "X-Emulator-Secret: \(secret)", "-X", verb]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        arguments.append(baseURL + "/__emulator/" + path)
        let result = try ChildProcess.run("/usr/bin/curl", arguments)
        guard result.status == 0 else {
            throw ReliabilityError.control("\(verb) \(path): curl \(result.status): \(result.output)")
        }
    }
}
