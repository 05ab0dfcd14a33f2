import Foundation

/// HTTP through the `curl` tool with the emulator's CA (URLSession cannot be given a custom CA on Linux).
enum Curl {
    struct Result {
        var exitCode: Int32
        var status: Int
        /// Header names lower-cased; the last value of a repeated header wins.
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object.
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw CurlError.notJSON(text)
            }
            return object
        }

        /// `result` of a pCloud answer.
        func result() throws -> Int {
            guard let code = try json()["result"] as? Int else { throw CurlError.notJSON(text) }
            return code
        }
    }

    enum CurlError: Error {
        case notJSON(String)
    }

    static func request(
        _ url: String, ca: String, method: String? = nil, headers: [String] = [], bodyFile: String? = nil,
        extra: [String] = []
    ) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pcloudemu-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bodyPath = scratch.appendingPathComponent("body").path
        let headerPath = scratch.appendingPathComponent("headers").path
        var arguments = ["-s", "--max-time", "30", "--cacert", ca, "-o", bodyPath, "-D", headerPath, "-w", "%{http_code}"]
        if let method { arguments += ["-X", method] }
        for header in headers { arguments += ["-H", header] }
        if let bodyFile { arguments += ["--data-binary", "@\(bodyFile)"] }
        arguments += extra
        arguments.append(url)
        let output = try await ProcessRunner.run("/usr/bin/curl", arguments)
        let status = Int(String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespaces)) ?? 0
        var parsed: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        for line in headerText.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: bodyPath))) ?? Data()
        return Result(exitCode: output.exitCode, status: status, headers: parsed, body: body)
    }
}
